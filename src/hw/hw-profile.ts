// hw-profiles/*.yaml: one file per card model, naming the backend, the spans
// or ports and their defaults. Validated against a JSON schema (ajv); an
// error names the file, the line and column (yaml's LineCounter) and the field.
import { readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import { isMap, LineCounter, parseDocument, type Node } from 'yaml';
import type { CardChannelOptions } from './card.js';
import type { SimSpanSpec } from './sim-card.js';

export type SpanFraming = 'esf' | 'd4' | 'ccs' | 'cas';
export type LineCoding = 'b8zs' | 'ami' | 'hdb3';
export type DigitalSignalling = 'pri-cpe' | 'pri-net' | 'em' | 'em-wink' | 'r2';
export type AnalogSignalling = 'loopstart' | 'kewlstart';
export type PortKind = 'fxo' | 'fxs';

export interface DigitalSpanProfile {
  type: 't1' | 'e1';
  framing: SpanFraming;
  coding: LineCoding;
  /** E1 only: CRC-4 multiframe (ITU-T G.704 2.3.3). */
  crc4?: boolean;
  signalling: DigitalSignalling;
}

export interface AnalogSpanProfile {
  type: 'analog';
  signalling: AnalogSignalling;
  ports: PortKind[];
}

export type SpanProfile = DigitalSpanProfile | AnalogSpanProfile;

export interface HwProfile {
  /** File name without .yaml: the profile's name. */
  name: string;
  file: string;
  model: string;
  vendor: string;
  description: string;
  backend: 'dahdi' | 'sim';
  /** How `sipline probe` recognises the card: its kernel driver and names in its span descriptions. */
  match?: { driver?: string; names: string[] };
  spans: SpanProfile[];
  defaults: {
    /** Samples per frame: 160 = 20 ms, down to 64 = 8 ms. */
    blockSize: number;
    echoCanceller: { enabled: boolean; tailMs: number };
    rxGainDb: number;
    txGainDb: number;
    toneZone: string;
    callerId?: 'bell202' | 'v23' | 'etsi-dtmf' | 'none';
  };
}

/** A profile that failed to parse or validate; the message reads `file:line:column: field: what is wrong`. */
export class HwProfileError extends Error {
  override readonly name = 'HwProfileError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${file}:${line}:${column}: ${field ? `${field}: ` : ''}${reason}`);
  }
}

const gain = { type: 'number', minimum: -24, maximum: 24 };

/** The schema every hw-profile must satisfy. */
export const hwProfileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['model', 'vendor', 'description', 'backend', 'spans', 'defaults'],
  properties: {
    model: { type: 'string', minLength: 1 },
    vendor: { type: 'string', minLength: 1 },
    description: { type: 'string', minLength: 1 },
    backend: { enum: ['dahdi', 'sim'] },
    match: {
      type: 'object',
      additionalProperties: false,
      required: ['names'],
      properties: {
        driver: { type: 'string', minLength: 1 },
        names: { type: 'array', minItems: 1, items: { type: 'string', minLength: 2 } },
      },
    },
    spans: {
      type: 'array',
      minItems: 1,
      maxItems: 16,
      items: {
        type: 'object',
        required: ['type', 'signalling'],
        properties: { type: { enum: ['t1', 'e1', 'analog'] } },
        allOf: [
          {
            if: { properties: { type: { const: 't1' } } },
            then: {
              additionalProperties: false,
              required: ['framing', 'coding'],
              properties: {
                type: true,
                // T1: ESF or D4 superframe (ANSI T1.403), B8ZS or AMI line code.
                framing: { enum: ['esf', 'd4'] },
                coding: { enum: ['b8zs', 'ami'] },
                crc4: { const: false },
                signalling: { enum: ['pri-cpe', 'pri-net', 'em', 'em-wink'] },
              },
            },
          },
          {
            if: { properties: { type: { const: 'e1' } } },
            then: {
              additionalProperties: false,
              required: ['framing', 'coding'],
              properties: {
                type: true,
                // E1: CCS (time slot 16 a D-channel) or CAS (time slot 16 signalling), HDB3 or AMI (G.703).
                framing: { enum: ['ccs', 'cas'] },
                coding: { enum: ['hdb3', 'ami'] },
                crc4: { type: 'boolean' },
                signalling: { enum: ['pri-cpe', 'pri-net', 'em', 'em-wink', 'r2'] },
              },
            },
          },
          {
            if: { properties: { type: { const: 'analog' } } },
            then: {
              additionalProperties: false,
              required: ['ports'],
              properties: {
                type: true,
                signalling: { enum: ['loopstart', 'kewlstart'] },
                ports: { type: 'array', minItems: 1, maxItems: 24, items: { enum: ['fxo', 'fxs'] } },
              },
            },
          },
        ],
      },
    },
    defaults: {
      type: 'object',
      additionalProperties: false,
      required: ['blockSize', 'echoCanceller', 'rxGainDb', 'txGainDb', 'toneZone'],
      properties: {
        blockSize: { type: 'integer', minimum: 64, maximum: 1600, multipleOf: 8 },
        echoCanceller: {
          type: 'object',
          additionalProperties: false,
          required: ['enabled', 'tailMs'],
          properties: { enabled: { type: 'boolean' }, tailMs: { enum: [32, 64, 128, 256] } },
        },
        rxGainDb: gain,
        txGainDb: gain,
        toneZone: { type: 'string', pattern: '^[a-z]{2}$' },
        callerId: { enum: ['bell202', 'v23', 'etsi-dtmf', 'none'] },
      },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(hwProfileSchema);

function fieldName(path: (string | number)[]): string {
  return path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${p}` : p), '');
}

function describe(e: ErrorObject): string {
  switch (e.keyword) {
    case 'enum':
      return `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
    case 'const':
      return `must be ${String((e.params as { allowedValue: unknown }).allowedValue)}`;
    case 'required':
      return `is missing`;
    case 'additionalProperties':
      return `is not a known field`;
    default:
      return e.message ?? 'is invalid';
  }
}

// The most useful of ajv's errors: skip the "must match then schema" wrappers, prefer the deepest.
function pickError(errors: ErrorObject[]): ErrorObject {
  const real = errors.filter((e) => e.keyword !== 'if');
  return real.sort((a, b) => b.instancePath.split('/').length - a.instancePath.split('/').length)[0] ?? errors[0]!;
}

/** Parses and validates one profile's text. Never throws anything but HwProfileError. */
export function parseHwProfile(text: string, file: string): HwProfile {
  const lines = new LineCounter();
  let doc;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  } catch (err) {
    throw new HwProfileError(file, 1, 1, '', `cannot be read as YAML: ${(err as Error).message}`);
  }
  const at = (offset: number | undefined): { line: number; col: number } => (offset === undefined ? { line: 1, col: 1 } : lines.linePos(offset));
  const syntax = doc.errors[0];
  if (syntax) {
    const p = at(syntax.pos[0]);
    throw new HwProfileError(file, p.line, p.col, '', `YAML syntax: ${syntax.message.split('\n')[0]}`);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new HwProfileError(file, 1, 1, '', `cannot be read as YAML: ${(err as Error).message}`);
  }
  if (!validate(data)) {
    const e = pickError(validate.errors ?? []);
    const path: (string | number)[] = e.instancePath
      .split('/')
      .slice(1)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    let node = (path.length ? doc.getIn(path, true) : doc.contents) as Node | undefined;
    const params = e.params as { missingProperty?: string; additionalProperty?: string };
    const extra = params.additionalProperty ?? params.missingProperty;
    if (extra !== undefined) {
      if (params.additionalProperty !== undefined && isMap(node)) {
        const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === extra);
        if (pair?.key) node = pair.key as Node;
      }
      path.push(extra);
    }
    const p = at(node?.range?.[0]);
    throw new HwProfileError(file, p.line, p.col, fieldName(path), describe(e));
  }
  const raw = data as Omit<HwProfile, 'name' | 'file'>;
  return { name: basename(file).replace(/\.ya?ml$/, ''), file, ...raw };
}

export function loadHwProfile(path: string): HwProfile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new HwProfileError(path, 1, 1, '', `cannot be read: ${(err as Error).message}`);
  }
  return parseHwProfile(text, path);
}

/** The hw-profiles folder shipped with sipline. */
export function hwProfileDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++, dir = dirname(dir)) {
    try {
      readdirSync(join(dir, 'hw-profiles'));
      return join(dir, 'hw-profiles');
    } catch {
      // keep climbing: src/hw in the source tree, dist/src/hw when built
    }
  }
  throw new HwProfileError('hw-profiles', 1, 1, '', 'folder not found next to the sipline package');
}

/** Every profile in a folder, by name; the first bad one throws. */
export function loadHwProfiles(dir = hwProfileDir()): HwProfile[] {
  return readdirSync(dir)
    .filter((n) => /\.ya?ml$/.test(n))
    .sort()
    .map((n) => loadHwProfile(join(dir, n)));
}

/** Channels one span has: T1 24 (D-channel 24 with PRI), E1 31 time slots (D-channel 16 with PRI), analog one per port. */
export function spanChannelCount(span: SpanProfile): number {
  if (span.type === 'analog') return span.ports.length;
  return span.type === 't1' ? 24 : 31;
}

function isPri(span: SpanProfile): boolean {
  return span.type !== 'analog' && span.signalling.startsWith('pri');
}

/** The card's channels as DAHDI numbers them (from firstChannel on), with the profile's defaults. */
export function profileChannels(profile: HwProfile, firstChannel = 1): CardChannelOptions[] {
  const out: CardChannelOptions[] = [];
  let number = firstChannel;
  profile.spans.forEach((span, i) => {
    const dchannel = span.type === 't1' ? 24 : span.type === 'e1' ? 16 : 0;
    for (let pos = 1; pos <= spanChannelCount(span); pos++, number++) {
      if (isPri(span) && pos === dchannel) {
        out.push({ number, span: i + 1, mode: 'hdlc' });
        continue;
      }
      const d = profile.defaults;
      const port = span.type === 'analog' ? span.ports[pos - 1] : undefined;
      const callerId = port && d.callerId && d.callerId !== 'none' ? d.callerId : undefined;
      out.push({
        number,
        span: i + 1,
        blockSize: d.blockSize,
        dsp: {
          dtmfRx: true,
          echoCanceller: d.echoCanceller.enabled,
          echoTailMs: d.echoCanceller.tailMs,
          rxGainDb: d.rxGainDb,
          txGainDb: d.txGainDb,
          // An FXO port hears caller ID from the office; an FXS port sends it to the phone.
          ...(callerId ? (port === 'fxo' ? { callerIdRx: callerId } : { callerIdTx: callerId }) : {}),
        },
      });
    }
  });
  return out;
}

/** The emulated card a sim profile describes. */
export function simSpans(profile: HwProfile): SimSpanSpec[] {
  return profile.spans.map((s) => (s.type === 'analog' ? { type: 'analog', ports: [...s.ports] } : { type: s.type, pri: isPri(s) }));
}
