// Call progress between the legs: SIP provisional responses and the PSTN
// leg's proceeding / alerting / progress events (RFC 3398 §7.2: ACM/CPG ->
// 18x towards SIP; §8.2: 18x from SIP -> ACM/CPG towards the PSTN).

/** A PSTN-leg progress event, as PstnLeg raises it or is told to send it. */
export type PstnProgress =
  | { event: 'proceeding' }
  | { event: 'alerting'; inbandAudio: boolean }
  | { event: 'progress'; inbandAudio: boolean };

/**
 * The PSTN event for a SIP provisional response received on the SIP leg.
 * 100 -> proceeding; 180 -> alerting (ringback from the line side unless SDP
 * came with it); 181/182/183 -> progress, with in-band audio when SDP came
 * (RFC 3398 §8.2: early media means the caller must hear the far end's
 * audio, so the line is told in-band information is available, PI 8).
 * Returns null for anything that is not a provisional response.
 */
export function sipProvisionalToPstn(status: number, withSdp: boolean): PstnProgress | null {
  if (status === 100) return { event: 'proceeding' };
  if (status === 180) return { event: 'alerting', inbandAudio: withSdp };
  if (status > 100 && status < 200) return { event: 'progress', inbandAudio: withSdp };
  return null;
}

/** The SIP provisional response to send for a PSTN event, and whether it carries SDP (early media). */
export interface SipProvisional {
  status: 100 | 180 | 183;
  withSdp: boolean;
}

/**
 * The SIP provisional response for a PSTN-leg event (RFC 3398 §7.2):
 * CALL PROCEEDING -> 100; ALERTING -> 180, or 183 with SDP when the line
 * plays its own ringback in-band (PI 1 or 8); PROGRESS with in-band audio ->
 * 183 with SDP. PROGRESS without in-band audio says nothing SIP can carry: null.
 */
export function pstnToSipProvisional(p: PstnProgress): SipProvisional | null {
  switch (p.event) {
    case 'proceeding':
      return { status: 100, withSdp: false };
    case 'alerting':
      return p.inbandAudio ? { status: 183, withSdp: true } : { status: 180, withSdp: false };
    case 'progress':
      return p.inbandAudio ? { status: 183, withSdp: true } : null;
  }
}
