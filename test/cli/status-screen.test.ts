import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BAR_WIDTH, formatDuration, levelBar, renderStatus, screenPorts } from '../../src/cli/status-screen.js';
import { splitKeys } from '../../src/cli/status-watch.js';
import type { GatewayStatus, PortStatus } from '../../src/ops/status-model.js';

function port(name: string, span: string | null, channel: number, extra: Partial<PortStatus> = {}): PortStatus {
  return {
    name,
    kind: span ? 'pri' : 'fxs',
    span,
    channel,
    hook: 'none',
    signalling: 'pri-cpe',
    signallingState: 'U0',
    callState: 'idle',
    blocked: false,
    callId: null,
    levelRxDbm0: null,
    levelTxDbm0: null,
    ...extra,
  };
}

const status: GatewayStatus = {
  gateway: { version: '1.2.3', pid: 42, startedAt: '2026-01-01T00:00:00.000Z', uptimeS: 3725, controlSocket: '/run/s.sock', metrics: null },
  security: null,
  spans: [{ name: 'a', type: 'E1', framing: 'CRC4', lineCoding: 'HDB3', alarms: [], dchannel: 'up', counters: {}, channels: 30 }],
  ports: [
    port('a:2', 'a', 2, { callState: 'connected', levelRxDbm0: -30 }),
    port('a:10', 'a', 10, { levelRxDbm0: -5 }),
    port('fxs1', null, 1, { blocked: true, callState: 'blocked', number: '5550201' }),
  ],
  trunks: [],
  calls: [
    { id: 'k', direction: 'sip-to-pstn', port: 'a:2', trunk: null, calling: '', called: '200', state: 'connected', codec: null, startedAt: '2026-01-01T00:00:00.000Z', answeredAt: null, durationS: 61, jitterMs: null, lossPct: null },
  ],
  totals: { spans: 1, spansInAlarm: 0, ports: 3, portsBusy: 1, portsBlocked: 1, calls: 1, callsConnected: 1, trunks: 0, trunksUp: 0, callsEnded: 4 },
};

describe('status screen', () => {
  it('draws a level bar from -60 dBm0 (empty) to +3 dBm0 (full)', () => {
    assert.equal(levelBar(-60), '░'.repeat(BAR_WIDTH));
    assert.equal(levelBar(3), '█'.repeat(BAR_WIDTH));
    assert.equal(levelBar(-28.5), '█████░░░░░');
    fc.assert(
      fc.property(fc.double({ min: -200, max: 50, noNaN: true }), fc.double({ min: -200, max: 50, noNaN: true }), (x, y) => {
        const [lo, hi] = x < y ? [x, y] : [y, x];
        const count = (s: string): number => [...s].filter((c) => c === '█').length;
        assert.equal([...levelBar(lo)].length, BAR_WIDTH);
        assert.ok(count(levelBar(lo)) <= count(levelBar(hi)), 'louder is never shorter');
      }),
    );
  });

  it('shows what the gateway listens on, what it refused and who is banned', () => {
    const secured: GatewayStatus = {
      ...status,
      security: {
        listening: [
          { service: 'sip', transport: 'udp', address: '0.0.0.0', port: '5060' },
          { service: 'control', transport: 'unix', address: '/run/s.sock', port: '' },
        ],
        unknownSources: 'silent',
        trunks: [{ name: 'carrier', sources: ['192.0.2.1'] }],
        users: ['alice'],
        bans: [{ address: '198.51.100.7', until: '2026-01-01T01:00:00.000Z' }],
        counts: { refused: 12, rateLimited: 3, scanners: 40, authFailures: 5, bans: 1 },
      },
    };
    const text = renderStatus(secured, { color: false, width: 200 }).join('\n');
    assert.match(text, /listening: sip udp 0\.0\.0\.0:5060, control unix \/run\/s\.sock/);
    assert.match(text, /strangers get no answer {2}users 1 {2}refused 12 {2}rate-limited 3 {2}scanners 40 {2}auth failures 5/);
    assert.match(text, /banned: 198\.51\.100\.7 until 01:00:00/);
  });

  it('formats call time as m:ss and h:mm:ss', () => {
    assert.equal(formatDuration(61.9), '1:01');
    assert.equal(formatDuration(3725), '1:02:05');
  });

  it('orders channels by span and channel number, or by state, time or level', () => {
    assert.deepEqual(screenPorts(status).map((p) => p.name), ['a:2', 'a:10', 'fxs1']);
    assert.deepEqual(screenPorts(status, 'level').map((p) => p.name), ['a:10', 'a:2', 'fxs1']);
    assert.deepEqual(screenPorts(status, 'state').map((p) => p.name), ['a:2', 'a:10', 'fxs1']);
    assert.deepEqual(screenPorts(status, 'port', 'a').map((p) => p.name), ['a:2', 'a:10']);
  });

  it('shows unknown parties as ?, blocked channels as blocked, and cuts lines to the width', () => {
    const lines = renderStatus(status, { color: false, width: 200 });
    assert.match(lines.join('\n'), /^a:2 .* connected +\? -> 200 +1:01/m);
    assert.match(lines.join('\n'), /^fxs1 5550201 .* blocked/m, 'an analog port shows its own number');
    assert.match(lines[0] ?? '', /up 1:02:05/);
    assert.match(lines.join('\n'), /calls 1 \(1 connected, 4 ended\)/);
    const narrow = renderStatus(status, { color: true, width: 20 });
    // eslint-disable-next-line no-control-regex -- strips the colour codes
    for (const l of narrow) assert.ok(l.replace(/\u001b\[[0-9;]*m/g, '').length <= 20, l);
  });
});

describe('status screen scrolling', () => {
  const many: GatewayStatus = {
    ...status,
    ports: Array.from({ length: 60 }, (_, i) => port(`a:${i + 1}`, 'a', i + 1)),
    calls: [],
  };

  it('shows a window of channels around the selected one, with where it is', () => {
    const lines = renderStatus(many, { color: false, width: 200, selected: 'a:40', channelRows: 11 });
    const shown = lines.filter((l) => /^a:\d+ /.test(l)).map((l) => l.split(' ')[0]);
    assert.equal(shown.length, 10);
    assert.ok(shown.includes('a:40'));
    assert.deepEqual([shown[0], shown.at(-1)], ['a:35', 'a:44']);
    assert.ok(lines.includes('channels 35-44 of 60 (↑/↓ scrolls)'));
  });

  it('property: the selected channel is always in the window, and the window is full', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 2, max: 70 }), (sel, rows) => {
        const lines = renderStatus(many, { color: false, width: 200, selected: `a:${sel}`, channelRows: rows });
        const shown = lines.filter((l) => /^a:\d+ /.test(l)).map((l) => l.split(' ')[0]);
        assert.ok(shown.includes(`a:${sel}`));
        assert.equal(shown.length, Math.min(60, rows >= 60 ? 60 : rows - 1));
      }),
    );
  });
});

describe('watch keys', () => {
  it('splits typed-ahead keys and keeps arrow sequences whole', () => {
    assert.deepEqual(splitKeys('\u001bffs'), ['\u001b', 'f', 'f', 's']);
    assert.deepEqual(splitKeys('j\u001b[Bq'), ['j', '\u001b[B', 'q']);
    assert.deepEqual(splitKeys('\u001bOA\u0003'), ['\u001bOA', '\u0003']);
  });

  it('property: keys put back together give the input, and no key is empty', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('\u001b', '[', 'O', 'A', '1', ';', 'q', 'é', '\u0003') }), (s) => {
        const keys = splitKeys(s);
        assert.equal(keys.join(''), s);
        assert.ok(keys.every((k) => k.length > 0));
      }),
    );
  });
});
