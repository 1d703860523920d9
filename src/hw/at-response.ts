// What a voice modem says: result codes and information lines in command
// state, and the DLE-shielded stream in voice data state (TIA IS-101 /
// ITU-T T.31-style AT+V command set, Rockwell/Conexant voice). Decoders here
// never throw: bad input comes back as a 'garbled' line naming what was wrong.

/** Final result codes (ITU-T V.250 §5.7.1 and the voice ones of IS-101). */
export const FINAL_RESULTS = ['OK', 'ERROR', 'CONNECT', 'VCON', 'NO CARRIER', 'NO DIALTONE', 'NO DIAL TONE', 'BUSY', 'NO ANSWER'] as const;
export type FinalResult = (typeof FINAL_RESULTS)[number];

/** Caller ID fields a modem reports with AT+VCID=1 (Rockwell formatted caller ID). */
export const CALLER_ID_TAGS = ['DATE', 'TIME', 'NMBR', 'NAME', 'MESG', 'DDN_NMBR'] as const;
export type CallerIdTag = (typeof CALLER_ID_TAGS)[number];

export type AtLine =
  | { kind: 'final'; result: FinalResult }
  | { kind: 'ring' }
  | { kind: 'callerId'; tag: CallerIdTag; value: string }
  /** Our own command echoed (before ATE0 takes effect). */
  | { kind: 'echo'; command: string }
  /** An information response to the command in progress (+VSM list, a value). */
  | { kind: 'info'; text: string }
  | { kind: 'garbled'; text: string; reason: string };

const PRINTABLE = /^[\x20-\x7e]*$/;

/** One line in command state, without its CR LF. */
export function parseAtLine(raw: string): AtLine {
  const text = raw.trim();
  if (!PRINTABLE.test(text)) return { kind: 'garbled', text: raw, reason: 'non-printable characters' };
  if ((FINAL_RESULTS as readonly string[]).includes(text)) return { kind: 'final', result: text as FinalResult };
  if (/^CONNECT( \d+)?$/.test(text)) return { kind: 'final', result: 'CONNECT' };
  if (text === 'RING') return { kind: 'ring' };
  if (/^AT/i.test(text)) return { kind: 'echo', command: text };
  const cid = /^([A-Z_]+)\s*=\s*(.*)$/.exec(text);
  if (cid && (CALLER_ID_TAGS as readonly string[]).includes(cid[1]!)) return { kind: 'callerId', tag: cid[1] as CallerIdTag, value: cid[2]! };
  if (text === '') return { kind: 'garbled', text: raw, reason: 'empty line' };
  return { kind: 'info', text };
}

/** One compression method of an AT+VSM=? answer: `<n>,"<name>",<bits>,<x>,(<rates>),(...),(...)`. */
export interface VoiceCompression {
  id: number;
  name: string;
  bitsPerSample: number;
  rates: number[];
}

/** Parses one line of AT+VSM=?; an error string when the line is not one. */
export function parseVsmLine(line: string): VoiceCompression | { error: string } {
  const m = /^(\d{1,3})\s*,\s*"([^"]*)"\s*,\s*(\d{1,2})\s*,\s*\d+\s*,\s*\(([\d,\s-]*)\)/.exec(line.trim());
  if (!m) return { error: `not a +VSM compression method: ${JSON.stringify(line)}` };
  const rates: number[] = [];
  for (const part of m[4]!.split(',')) {
    const r = /^\s*(\d+)(?:\s*-\s*(\d+))?\s*$/.exec(part);
    if (!r) continue;
    rates.push(Number(r[1]));
    if (r[2]) rates.push(Number(r[2]));
  }
  return { id: Number(m[1]), name: m[2]!, bitsPerSample: Number(m[3]), rates };
}

/** Codec the modem's method carries, by its name (modems number them differently). */
export function compressionKind(c: VoiceCompression): 'PCMU' | 'PCMA' | 'L16' | undefined {
  const n = c.name.toUpperCase().replace(/[\s.-]/g, '');
  if (/^(G711U|ULAW|MULAW|G711MULAW)$/.test(n)) return 'PCMU';
  if (/^(G711A|ALAW|G711ALAW)$/.test(n)) return 'PCMA';
  if (n === 'SIGNEDPCM' && c.bitsPerSample === 16) return 'L16';
  return undefined;
}

export const DLE = 0x10;
export const ETX = 0x03;

/** Shielded codes a modem sends in voice data state (IS-101 DLE events). */
export type DleEvent =
  | { kind: 'dtmf'; digit: string }
  | { kind: 'busy' }
  | { kind: 'dialTone' }
  | { kind: 'silence' }
  | { kind: 'quiet' }
  | { kind: 'loopBreak' }
  | { kind: 'ring' }
  | { kind: 'end' }
  | { kind: 'unknown'; code: number };

function dleEvent(code: number): DleEvent {
  const c = String.fromCharCode(code);
  if (/^[0-9*#A-D]$/.test(c)) return { kind: 'dtmf', digit: c };
  switch (c) {
    case 'b': return { kind: 'busy' };
    case 'd': return { kind: 'dialTone' };
    case 's': return { kind: 'silence' };
    case 'q': return { kind: 'quiet' };
    case 'l': return { kind: 'loopBreak' };
    case 'R': return { kind: 'ring' };
    default: return code === ETX ? { kind: 'end' } : { kind: 'unknown', code };
  }
}

/** Splits a voice data stream into data bytes and DLE events; a DLE split across chunks is kept for the next one. */
export class DleDecoder {
  #pendingDle = false;

  push(chunk: Uint8Array): { data: Uint8Array; events: { at: number; event: DleEvent }[]; consumed: number } {
    const data: number[] = [];
    const events: { at: number; event: DleEvent }[] = [];
    let i = 0;
    for (; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (this.#pendingDle) {
        this.#pendingDle = false;
        if (b === DLE) data.push(DLE);
        else {
          const event = dleEvent(b);
          events.push({ at: data.length, event });
          if (event.kind === 'end') {
            i++;
            break; // the rest of the chunk is command state again
          }
        }
      } else if (b === DLE) this.#pendingDle = true;
      else data.push(b);
    }
    return { data: Uint8Array.from(data), events, consumed: i };
  }
}

/** Data bytes with every DLE doubled, as they go into the modem. */
export function shieldDle(data: Uint8Array): Buffer {
  let extra = 0;
  for (const b of data) if (b === DLE) extra++;
  const out = Buffer.alloc(data.length + extra);
  let o = 0;
  for (const b of data) {
    out[o++] = b;
    if (b === DLE) out[o++] = DLE;
  }
  return out;
}
