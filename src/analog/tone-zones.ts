// Call-progress tones and ring cadences per country ("tone zone").
//
// Sources: ITU-T E.180 Supplement 2 (tones used in national networks, 1994
// and later amendments), cross-checked against the zone tables that DAHDI
// (zonedata) and Asterisk (indications.conf) ship and that installed gateways
// have used for years. Levels are not part of this table: every tone is sent
// at the channel's tone level (config), -13 dBm0 per frequency by default,
// which sits inside E.180's -10 to -20 dBm0 range.

/** One step of a cadence: frequencies in Hz (empty for silence) for a duration. */
export interface ToneStep {
  /** One or two frequencies mixed, in Hz; empty means silence. */
  freqs: readonly number[];
  /** Amplitude modulation: freqs[0] modulated by freqs[1] (India's 400*25 Hz). */
  modulated?: boolean;
  /** Duration in ms; 0 means steady (the step lasts until the tone stops). */
  ms: number;
}

/** A tone: steps played in order, then repeated. */
export type Tone = readonly ToneStep[];

/** How caller ID reaches an FXO port and is sent by an FXS port in this zone. */
export type CallerIdStandard =
  /** Bell 202 FSK between the first and second ring (Telcordia GR-30). */
  | 'bell202'
  /** ETSI EN 300 659-1 V.23 FSK before the first ring, after line reversal and DT-AS. */
  | 'v23-etsi'
  /** BT SIN 227 V.23 FSK: line reversal, DT-AS, then the burst before ringing. */
  | 'v23-bt'
  /** ETSI EN 300 659-1 V.23 FSK between the first and second ring. */
  | 'v23-after-ring'
  /** DTMF caller ID (ETSI TS 101 315 style: A/D start, C end) before the first ring. */
  | 'dtmf';

export interface ToneZone {
  /** ISO 3166-1 alpha-2 code, lower case. */
  code: string;
  country: string;
  /** Ring cadence on the line: on/off durations in ms, repeated. */
  ringCadence: readonly number[];
  dial: Tone;
  ringback: Tone;
  busy: Tone;
  congestion: Tone;
  callerId: CallerIdStandard;
}

const steady = (...freqs: number[]): Tone => [{ freqs, ms: 0 }];
const onOff = (freqs: number[], ...cadence: number[]): Tone =>
  cadence.map((ms, i) => ({ freqs: i % 2 === 0 ? freqs : [], ms }));

// Canada uses the North American precise tone plan unchanged.
const northAmerica: ToneZone = {
  code: 'us',
  country: 'United States',
  ringCadence: [2000, 4000],
  dial: steady(350, 440),
  ringback: onOff([440, 480], 2000, 4000),
  busy: onOff([480, 620], 500, 500),
  congestion: onOff([480, 620], 250, 250),
  callerId: 'bell202',
};

const zones: readonly ToneZone[] = [
  northAmerica,
  { ...northAmerica, code: 'ca', country: 'Canada' },
  {
    code: 'gb',
    country: 'United Kingdom',
    ringCadence: [400, 200, 400, 2000],
    dial: steady(350, 440),
    ringback: onOff([400, 450], 400, 200, 400, 2000),
    busy: onOff([400], 375, 375),
    congestion: onOff([400], 400, 350, 225, 525),
    callerId: 'v23-bt',
  },
  {
    code: 'de',
    country: 'Germany',
    ringCadence: [1000, 4000],
    dial: steady(425),
    ringback: onOff([425], 1000, 4000),
    busy: onOff([425], 480, 480),
    congestion: onOff([425], 240, 240),
    callerId: 'v23-after-ring',
  },
  {
    code: 'fr',
    country: 'France',
    ringCadence: [1500, 3500],
    dial: steady(440),
    ringback: onOff([440], 1500, 3500),
    busy: onOff([440], 500, 500),
    congestion: onOff([440], 250, 250),
    callerId: 'v23-etsi',
  },
  {
    code: 'nl',
    country: 'Netherlands',
    ringCadence: [1000, 4000],
    dial: steady(425),
    ringback: onOff([425], 1000, 4000),
    busy: onOff([425], 500, 500),
    congestion: onOff([425], 250, 250),
    callerId: 'dtmf',
  },
  {
    code: 'it',
    country: 'Italy',
    ringCadence: [1000, 4000],
    dial: onOff([425], 200, 200, 600, 1000),
    ringback: onOff([425], 1000, 4000),
    busy: onOff([425], 500, 500),
    congestion: onOff([425], 200, 200),
    callerId: 'v23-etsi',
  },
  {
    code: 'es',
    country: 'Spain',
    ringCadence: [1500, 3000],
    dial: steady(425),
    ringback: onOff([425], 1500, 3000),
    busy: onOff([425], 200, 200),
    congestion: onOff([425], 200, 200, 200, 200, 200, 600),
    callerId: 'v23-etsi',
  },
  {
    code: 'se',
    country: 'Sweden',
    ringCadence: [1000, 5000],
    dial: steady(425),
    ringback: onOff([425], 1000, 5000),
    busy: onOff([425], 250, 250),
    congestion: onOff([425], 250, 750),
    callerId: 'dtmf',
  },
  {
    code: 'au',
    country: 'Australia',
    ringCadence: [400, 200, 400, 2000],
    dial: steady(413, 438),
    ringback: onOff([413, 438], 400, 200, 400, 2000),
    busy: onOff([425], 375, 375),
    congestion: [
      { freqs: [425], ms: 375 },
      { freqs: [], ms: 375 },
      { freqs: [420], ms: 375 },
      { freqs: [], ms: 375 },
    ],
    callerId: 'v23-etsi',
  },
  {
    code: 'in',
    country: 'India',
    ringCadence: [400, 200, 400, 2000],
    dial: [{ freqs: [400, 25], modulated: true, ms: 0 }],
    ringback: [
      { freqs: [400, 25], modulated: true, ms: 400 },
      { freqs: [], ms: 200 },
      { freqs: [400, 25], modulated: true, ms: 400 },
      { freqs: [], ms: 2000 },
    ],
    busy: onOff([400], 750, 750),
    congestion: onOff([400], 250, 250),
    callerId: 'dtmf',
  },
  {
    code: 'br',
    country: 'Brazil',
    ringCadence: [1000, 4000],
    dial: steady(425),
    ringback: onOff([425], 1000, 4000),
    busy: onOff([425], 250, 250),
    congestion: onOff([425], 250, 250, 750, 250),
    callerId: 'dtmf',
  },
  {
    code: 'jp',
    country: 'Japan',
    ringCadence: [1000, 2000],
    dial: steady(400),
    ringback: [
      { freqs: [400, 15], modulated: true, ms: 1000 },
      { freqs: [], ms: 2000 },
    ],
    busy: onOff([400], 500, 500),
    congestion: onOff([400], 500, 500),
    callerId: 'v23-etsi',
  },
];

const byCode = new Map(zones.map((z) => [z.code, z]));
/** Names people write for a zone besides its ISO 3166 code ("uk" is reserved in ISO 3166 for GB). */
const aliases: Readonly<Record<string, string>> = { uk: 'gb' };

/** Codes of every zone sipline knows, in table order. */
export function toneZoneCodes(): string[] {
  return zones.map((z) => z.code);
}

/** Codes and aliases a configuration may name. */
export function toneZoneNames(): string[] {
  return [...toneZoneCodes(), ...Object.keys(aliases)];
}

/** The zone for an ISO country code (or an alias); the error lists the known codes. */
export function toneZone(code: string): ToneZone {
  const lower = code.toLowerCase();
  const zone = byCode.get(aliases[lower] ?? lower);
  if (!zone) throw new RangeError(`unknown tone zone '${code}' (known: ${toneZoneCodes().join(', ')})`);
  return zone;
}

/** Length of one repetition of a tone in ms (0 for a steady tone). */
export function cadencePeriod(tone: Tone): number {
  return tone.reduce((sum, step) => sum + step.ms, 0);
}
