// JSON Schema (draft 07, checked by ajv) of gateway.yaml. Cross-references,
// patterns, addresses and ranges are checked after it, in config-check.ts.

import { toneZoneNames } from '../analog/tone-zones.js';
import { DESTINATION_CLASSES } from './destination-class.js';

const name = { type: 'string', minLength: 1 } as const;
const strings = { type: 'array', items: { type: 'string', minLength: 1 } } as const;
const codecs = {
  type: 'array',
  minItems: 1,
  uniqueItems: true,
  items: { enum: ['pcmu', 'pcma', 'opus', 'g722', 'telephone-event'] },
} as const;
// The zones start-gateway can load (src/analog/tone-zones.ts): a name outside them would pass the check and fail at start.
const toneZones = toneZoneNames();
const pattern = { anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } }] } as const;
const rewrite = {
  type: 'object',
  additionalProperties: false,
  properties: {
    strip: { type: 'integer', minimum: 0, maximum: 32 },
    prefix: { type: 'string' },
    e164: { type: 'string', minLength: 2, maxLength: 2 },
    national: { type: 'string', minLength: 2, maxLength: 2 },
  },
} as const;
const port = { type: 'integer', minimum: 1, maximum: 65535 } as const;
const classes = { type: 'array', uniqueItems: true, items: { enum: DESTINATION_CLASSES } } as const;
const limits = {
  type: 'object',
  additionalProperties: false,
  properties: {
    concurrentCalls: { type: 'integer', minimum: 1 },
    callsPerSecond: { type: 'number', exclusiveMinimum: 0 },
    maxDuration: { type: 'integer', minimum: 1 },
    minutesPerDay: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(DESTINATION_CLASSES.map((c) => [c, { type: 'integer', minimum: 0 }])),
    },
  },
} as const;
// What a trunk or a digest user may do (gateway-config.ts SipSourcePolicy).
const sipSource = { allow: classes, limits, preempt: { type: 'boolean' } } as const;
const names = { ...strings, minItems: 1 } as const;

export const gatewayConfigSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  additionalProperties: false,
  required: ['cards', 'routes'],
  properties: {
    version: { enum: [1] },
    toneZone: { enum: toneZones },
    country: { type: 'string', minLength: 2, maxLength: 2 },
    cards: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'profile'],
        properties: {
          name,
          profile: name,
          spans: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['name', 'span', 'signalling', 'side', 'switchType'],
              properties: {
                name,
                span: { type: 'integer', minimum: 1, maximum: 64 },
                signalling: { enum: ['pri'] },
                side: { enum: ['user', 'network'] },
                switchType: { enum: ['national', 'dms100', '5ess', '4ess', 'euroisdn', 'qsig'] },
                framing: { enum: ['esf', 'd4', 'crc4', 'cas'] },
                coding: { enum: ['b8zs', 'ami', 'hdb3'] },
                destination: { type: 'string' },
                limits,
              },
            },
          },
          ports: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['name', 'port', 'signalling'],
              properties: {
                name,
                port: { type: 'integer', minimum: 1, maximum: 256 },
                signalling: { enum: ['fxo', 'fxs'] },
                toneZone: { enum: toneZones },
                callerId: { enum: ['bell202', 'v23', 'dtmf', 'none'] },
                answerOnRing: { type: 'integer', minimum: 1, maximum: 10 },
                disconnect: {
                  type: 'array',
                  uniqueItems: true,
                  items: { enum: ['loop-current', 'polarity-reversal', 'busy-tone', 'dial-tone', 'silence'] },
                },
                destination: { type: 'string' },
                number: { type: 'string' },
                callerName: { type: 'string', minLength: 1, maxLength: 64 },
                whenBlocked: { enum: ['ignore-rings', 'busy-out'] },
                answerSupervision: { enum: ['polarity-reversal', 'none'] },
                limits,
              },
            },
          },
        },
      },
    },
    lineGroups: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'lines'],
        properties: {
          name,
          lines: { ...strings, minItems: 1 },
          hunt: { enum: ['first-free', 'round-robin', 'least-recently-used', 'random'] },
          limits,
        },
      },
    },
    sipTrunks: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'host'],
        properties: {
          name,
          host: name,
          port,
          transport: { enum: ['udp', 'tcp', 'tls'] },
          register: {
            type: 'object',
            additionalProperties: false,
            required: ['username', 'password'],
            properties: {
              username: name,
              password: { type: 'string' },
              expiry: { type: 'integer', minimum: 60, maximum: 86400 },
            },
          },
          allowedAddresses: { ...strings, minItems: 1 },
          outboundProxy: name,
          keepalive: {
            type: 'object',
            additionalProperties: false,
            required: ['interval'],
            properties: {
              interval: { type: 'integer', minimum: 1, maximum: 3600 },
              failures: { type: 'integer', minimum: 1, maximum: 100 },
            },
          },
          codecs,
          trusted: { type: 'boolean' },
          calledNumber: { enum: ['request-uri', 'to'] },
          srtp: { enum: ['off', 'optional', 'mandatory'] },
          ...sipSource,
        },
      },
    },
    routes: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['to'],
        properties: {
          name,
          from: {
            anyOf: [
              { enum: ['pstn', 'sip', 'any'] },
              {
                type: 'object',
                additionalProperties: false,
                minProperties: 1,
                properties: { trunks: names, users: names, lineGroups: names, lines: names },
              },
            ],
          },
          allow: classes,
          match: {
            type: 'object',
            additionalProperties: false,
            properties: { called: pattern, calling: pattern },
          },
          rewrite: {
            type: 'object',
            additionalProperties: false,
            properties: { called: rewrite, calling: rewrite },
          },
          to: {
            type: 'object',
            additionalProperties: false,
            properties: {
              trunks: { ...strings, minItems: 1 },
              lineGroup: name,
              prefer: { enum: ['sip', 'pstn'] },
              failover: { type: 'boolean' },
              reject: { type: 'integer', minimum: 1, maximum: 127 },
            },
          },
          recording: {
            type: 'object',
            additionalProperties: false,
            required: ['enabled', 'dir'],
            properties: {
              enabled: { type: 'boolean' },
              dir: { type: 'string', minLength: 1 },
              format: { enum: ['wav'] },
            },
          },
        },
      },
    },
    emergency: {
      type: 'object',
      additionalProperties: false,
      properties: {
        numbers: strings,
        lineGroup: name,
        trunks: strings,
        preempt: { type: 'boolean' },
      },
    },
    media: {
      type: 'object',
      additionalProperties: false,
      properties: {
        codecs,
        ptime: { enum: [10, 20, 30, 40, 60] },
        rtpPorts: {
          type: 'object',
          additionalProperties: false,
          required: ['min', 'max'],
          properties: { min: port, max: port },
        },
        opus: {
          type: 'object',
          additionalProperties: false,
          properties: {
            bitrate: { type: 'integer', minimum: 6000, maximum: 510000 },
            complexity: { type: 'integer', minimum: 0, maximum: 10 },
            fec: { type: 'boolean' },
          },
        },
      },
    },
    security: {
      type: 'object',
      additionalProperties: false,
      properties: {
        inbound: {
          type: 'object',
          additionalProperties: false,
          properties: { default: { enum: ['deny', 'allow'] } },
        },
        rateLimit: {
          type: 'object',
          additionalProperties: false,
          properties: {
            requestsPerSecond: { type: 'number', exclusiveMinimum: 0 },
            callsPerSecond: { type: 'number', exclusiveMinimum: 0 },
            burst: { type: 'integer', minimum: 1 },
          },
        },
        ban: {
          type: 'object',
          additionalProperties: false,
          properties: {
            failures: { type: 'integer', minimum: 1, maximum: 1000 },
            findTime: { type: 'integer', minimum: 1, maximum: 86400 },
            banTime: { type: 'integer', minimum: 1, maximum: 604800 },
          },
        },
        scanners: { ...strings, minItems: 1 },
        connections: {
          type: 'object',
          additionalProperties: false,
          properties: {
            max: { type: 'integer', minimum: 1, maximum: 100000 },
            perSource: { type: 'integer', minimum: 1, maximum: 10000 },
            idleTimeout: { type: 'integer', minimum: 1, maximum: 86400 },
          },
        },
        reject: { enum: [403, 'silent'] },
        realm: name,
        algorithm: { enum: ['MD5', 'SHA-256'] },
        users: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['username'],
            properties: {
              username: name,
              password: { type: 'string', minLength: 1 },
              ha1: { type: 'string', pattern: '^[0-9a-fA-F]{32}$' },
              ha1Sha256: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' },
              ...sipSource,
            },
          },
        },
      },
    },
    cdr: {
      type: 'object',
      additionalProperties: false,
      required: ['database'],
      properties: { database: name },
    },
    recording: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean' },
        directory: name,
        format: { enum: ['wav', 'pcap'] },
      },
    },
    sip: {
      type: 'object',
      additionalProperties: false,
      properties: {
        listen: { anyOf: [{ type: 'string', minLength: 1 }, port] },
        transport: { enum: ['udp', 'tcp', 'tls'] },
        ports: { type: 'object', additionalProperties: false, properties: { udp: port, tcp: port, tls: port } },
        timers: {
          type: 'object',
          additionalProperties: false,
          properties: {
            t1: { type: 'integer', minimum: 1, maximum: 60000 },
            t2: { type: 'integer', minimum: 1, maximum: 600000 },
            t4: { type: 'integer', minimum: 1, maximum: 600000 },
          },
        },
        advertisedHost: name,
        tls: {
          type: 'object',
          additionalProperties: false,
          properties: { certificate: name, key: name, ca: name, verify: { type: 'boolean' } },
        },
      },
    },
    calls: {
      type: 'object',
      additionalProperties: false,
      properties: {
        noAnswerTimeout: { type: 'number', exclusiveMinimum: 0, maximum: 600 },
        maxDuration: { type: 'integer', minimum: 1 },
      },
    },
    control: {
      type: 'object',
      additionalProperties: false,
      properties: { socket: name },
    },
    metrics: {
      type: 'object',
      additionalProperties: false,
      properties: { listen: { anyOf: [{ type: 'string', minLength: 1 }, port, { const: false }] } },
    },
    log: {
      type: 'object',
      additionalProperties: false,
      properties: { level: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] } },
    },
    traces: {
      type: 'object',
      additionalProperties: false,
      properties: {
        directory: name,
        maxFileSize: { type: 'integer', minimum: 4096 },
        maxFiles: { type: 'integer', minimum: 1, maximum: 1000 },
        sip: { type: 'boolean' },
        dchannel: { type: 'boolean' },
        hep: {
          type: 'object',
          additionalProperties: false,
          required: ['collector'],
          properties: {
            collector: name,
            captureId: { type: 'integer', minimum: 0, maximum: 4294967295 },
            password: { type: 'string' },
          },
        },
      },
    },
  },
} as const;
