// Opens the card a hw-profile describes: on the DAHDI driver, or, for a sim
// profile, on a new emulated card whose far end the caller drives.
import { Card, type CardChannelOptions } from './card.js';
import { HwProfileError, loadHwProfiles, profileChannels, simSpans, type HwProfile } from './hw-profile.js';
import { SimCard } from './sim-card.js';

export interface OpenedProfile {
  profile: HwProfile;
  card: Card;
  /** The far end, for a sim profile. */
  sim: SimCard | undefined;
  /** Closes the card, then the emulated card it runs on. */
  close(): void;
}

/** `profile` is a loaded profile or the name of one in hw-profiles/. `firstChannel`: DAHDI number of the card's first channel. */
export function openProfile(
  profile: HwProfile | string,
  options: {
    firstChannel?: number;
    /** Adjusts the channels the profile gives before the card opens (per-port DSP of analog ports). */
    channels?: (channels: CardChannelOptions[]) => CardChannelOptions[];
  } = {},
): OpenedProfile {
  let p: HwProfile;
  if (typeof profile === 'string') {
    const all = loadHwProfiles();
    const found = all.find((x) => x.name === profile);
    if (!found) throw new HwProfileError(`${profile}.yaml`, 1, 1, '', `no hw-profile named ${profile} (known: ${all.map((x) => x.name).join(', ')})`);
    p = found;
  } else {
    p = profile;
  }
  const adjust = options.channels ?? ((c: CardChannelOptions[]) => c);
  const channels = adjust(profileChannels(p, options.firstChannel ?? 1));
  if (p.backend === 'dahdi') {
    const card = Card.open({ kernel: 'dahdi', channels });
    return { profile: p, card, sim: undefined, close: () => card.close() };
  }
  const sim = new SimCard(simSpans(p));
  try {
    const card = Card.open({ kernel: sim, channels: adjust(profileChannels(p, 1)) });
    return {
      profile: p,
      card,
      sim,
      close: () => {
        card.close();
        sim.close();
      },
    };
  } catch (err) {
    sim.close();
    throw err;
  }
}
