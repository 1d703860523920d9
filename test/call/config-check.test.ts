import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { checkConfig, checkConfigFile, formatConfigError } from '../../src/call/config-check.js';

const cli = 'dist/src/cli/main.js';

function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
const examples = 'src/call/examples';
const exampleTexts = readdirSync(examples)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => readFileSync(join(examples, f), 'utf8'));

// A small valid configuration; each broken case edits some of its lines.
const base = [
  'cards:', // 1
  '  - name: card0', // 2
  '    profile: sim-t1', // 3
  '    spans:', // 4
  '      - name: pri1', // 5
  '        span: 1', // 6
  '        signalling: pri', // 7
  '        side: user', // 8
  '        switchType: national', // 9
  '    ports:', // 10
  '      - name: fxo1', // 11
  '        port: 1', // 12
  '        signalling: fxo', // 13
  'lineGroups:', // 14
  '  - name: lines', // 15
  '    lines: [pri1, fxo1]', // 16
  'sipTrunks:', // 17
  '  - name: carrier', // 18
  '    host: sip.example.net', // 19
  '    register: { username: u, password: p }', // 20
  'routes:', // 21
  '  - from: pstn', // 22 (the route's name is left out to name its sources on this line)
  '    match: { called: "_NXXXXXX" }', // 23
  '    to: { trunks: [carrier] }', // 24
];

/** Replaces line `at` (1-based) by `lines`, deleting `remove` lines there. */
function edit(at: number, remove: number, ...lines: string[]): string {
  const out = [...base];
  out.splice(at - 1, remove, ...lines);
  return out.join('\n') + '\n';
}

type Expected = [line: number, column: number, message: string];
const broken: { name: string; text: string; errors: Expected[] }[] = [
  {
    name: 'wrong type (string for an integer)',
    text: edit(6, 1, '        span: one'),
    errors: [[6, 15, 'cards[0].spans[0].span: expected an integer, got the string "one"']],
  },
  {
    name: 'unknown key, with the key it resembles',
    text: edit(9, 1, '        swichType: national'),
    errors: [
      [5, 9, "cards[0].spans[0]: missing required key 'switchType'"],
      [9, 9, "cards[0].spans[0].swichType: unknown key 'swichType' (did you mean 'switchType'?); expected one of: name, span, signalling, side, switchType, framing, coding, destination, limits"],
    ],
  },
  {
    name: 'value not in the allowed set',
    text: edit(8, 1, '        side: both'),
    errors: [[8, 15, 'cards[0].spans[0].side: the string "both" is not allowed; expected one of: user, network']],
  },
  {
    name: 'bad pattern',
    text: edit(23, 1, '    match: { called: "N1XX[" }'),
    errors: [[23, 22, "routes[0].match.called: 'N1XX[' is not a valid pattern: unclosed '['"]],
  },
  {
    name: 'bad regular expression in a list of patterns',
    text: edit(23, 1, '    match: { called: ["_X.", "/(/"] }'),
    errors: [[23, 30, "routes[0].match.called[1]: '/(/' is not a valid pattern: bad regular expression (/(/u: Unterminated group)"]],
  },
  {
    name: 'route recording in a format other than WAV',
    text: edit(24, 1, '    to: { trunks: [carrier] }', '    recording: { enabled: true, dir: rec, format: mp3 }'),
    errors: [[25, 51, 'routes[0].recording.format: the string "mp3" is not allowed; expected one of: wav']],
  },
  {
    name: 'route recording without its directory, enabled not a boolean',
    text: edit(24, 1, '    to: { trunks: [carrier] }', '    recording: { enabled: yes }'),
    errors: [
      [25, 16, "routes[0].recording: missing required key 'dir'"],
      [25, 27, 'routes[0].recording.enabled: expected true or false, got the string "yes"'],
    ],
  },
  {
    name: 'duplicate port',
    text: edit(14, 0, '      - name: fxo2', '        port: 1', '        signalling: fxo'),
    errors: [[15, 15, "cards[0].ports[1].port: duplicate port number on card 'card0': 1 (first at line 12)"]],
  },
  {
    name: 'duplicate span and line name',
    text: edit(10, 0, '      - { name: pri1, span: 1, signalling: pri, side: user, switchType: dms100 }'),
    errors: [
      [10, 17, 'cards[0].spans[1].name: duplicate line name "pri1" (first at line 5)'],
      [10, 29, "cards[0].spans[1].span: duplicate span number on card 'card0': 1 (first at line 6)"],
    ],
  },
  {
    name: 'route names a missing trunk',
    text: edit(24, 1, '    to: { trunks: [carrrier] }'),
    errors: [[24, 20, "routes[0].to.trunks[0]: no SIP trunk is named 'carrrier' (did you mean 'carrier'?)"]],
  },
  {
    name: 'route names a missing line group',
    text: edit(24, 1, '    to: { lineGroup: nowhere }'),
    errors: [[24, 22, "routes[0].to.lineGroup: no line group is named 'nowhere' (known: lines)"]],
  },
  {
    name: 'line group names a missing line',
    text: edit(16, 1, '    lines: [pri1, fxo9]'),
    errors: [[16, 19, "lineGroups[0].lines[1]: no span or port is named 'fxo9' (did you mean 'fxo1'?)"]],
  },
  {
    name: 'duplicate YAML key',
    text: edit(4, 0, '    profile: sim-e1'),
    errors: [[4, 5, 'YAML: Map keys must be unique']],
  },
  {
    name: 'RTP port range upside down and odd',
    text: edit(25, 0, 'media:', '  rtpPorts: { min: 20001, max: 20000 }'),
    errors: [
      [26, 20, 'media.rtpPorts.min: 20001 is odd; RTP ports start on an even number (RFC 3550 §11)'],
      [26, 32, 'media.rtpPorts.max: 20000 is not above min 20001'],
    ],
  },
  {
    name: 'trunk port out of range',
    text: edit(20, 0, '    port: 70000'),
    errors: [[20, 11, 'sipTrunks[0].port: 70000 is out of range: must be <= 65535']],
  },
  {
    name: 'trunk both registers and is IP-authenticated',
    text: edit(21, 0, '    allowedAddresses: [10.0.0.1]'),
    errors: [[21, 5, "sipTrunks[0].allowedAddresses: a trunk either registers ('register') or is IP-authenticated ('allowedAddresses'), not both"]],
  },
  {
    name: 'trunk with neither registration nor allowed addresses',
    text: edit(20, 1),
    errors: [[18, 5, "sipTrunks[0]: missing 'register' (username, password) or 'allowedAddresses' (IP authentication)"]],
  },
  {
    name: 'bad CIDR prefix',
    text: edit(20, 1, '    allowedAddresses: [10.0.0.0/33]'),
    errors: [[20, 24, "sipTrunks[0].allowedAddresses[0]: '10.0.0.0/33' is not an IP address or CIDR prefix (like 203.0.113.0/24)"]],
  },
  {
    name: 'unknown country for E.164 normalisation',
    text: edit(24, 0, '    rewrite: { called: { e164: XX } }'),
    errors: [[24, 32, "routes[0].rewrite.called.e164: 'XX' is not a country code (ISO 3166 alpha-2, like US or DE)"]],
  },
  {
    name: 'missing routes',
    text: edit(21, 4),
    errors: [[1, 1, "missing required key 'routes'"]],
  },
  {
    name: 'route without a destination',
    text: edit(24, 1, '    to: {}'),
    errors: [[24, 9, "routes[0].to: no destination: give 'trunks', 'lineGroup' or 'reject'"]],
  },
  {
    name: 'misspelt top-level key',
    text: edit(25, 0, 'tonezone: us'),
    errors: [[25, 1, "tonezone: unknown key 'tonezone' (did you mean 'toneZone'?); expected one of: version, toneZone, country, cards, lineGroups, sipTrunks, routes, emergency, media, security, cdr, recording, sip, calls, control, metrics, log, traces"]],
  },
  {
    name: 'FXO setting on an FXS port',
    text: edit(13, 1, '        signalling: fxs', '        answerOnRing: 2'),
    errors: [[14, 9, "cards[0].ports[0].answerOnRing: only an FXO port has 'answerOnRing' (this port is FXS)"]],
  },
  {
    name: 'an analog port whose own number is not a number, and an empty caller name',
    text: edit(13, 1, '        signalling: fxs', '        number: "555-0201"', '        callerName: ""'),
    errors: [
      [14, 17, "cards[0].ports[0].number: '555-0201' is not a number (digits 0-9, *, #, a leading +)"],
      [15, 21, 'cards[0].ports[0].callerName: must not be empty'],
    ],
  },
  {
    name: 'a caller name without a number on an FXS port',
    text: edit(13, 1, '        signalling: fxs', '        callerName: Lobby'),
    errors: [[14, 9, "cards[0].ports[0].callerName: an FXS port's 'callerName' needs its 'number' (a call without a number leaves as anonymous, without the name)"]],
  },
  {
    name: 'FXO-only blocking and answer supervision on an FXS port',
    text: edit(13, 1, '        signalling: fxs', '        whenBlocked: busy-out'),
    errors: [[14, 9, "cards[0].ports[0].whenBlocked: only an FXO port has 'whenBlocked' (this port is FXS)"]],
  },
  {
    name: 'T1 framing with E1 line coding',
    text: edit(10, 0, '        framing: esf', '        coding: hdb3'),
    errors: [[11, 17, 'cards[0].spans[0].coding: hdb3 line coding does not go with esf framing (T1: esf/d4 with b8zs/ami; E1: crc4/cas with hdb3)']],
  },
  {
    name: 'a list where a mapping belongs, and an emergency number with dashes',
    text: edit(25, 0, 'emergency: { numbers: ["9-1-1"] }', 'security: [deny]'),
    errors: [
      [25, 24, "emergency.numbers[0]: '9-1-1' is not a number (digits 0-9, *, #, a leading +)"],
      [26, 11, 'security: expected a mapping (key: value lines), got a list'],
    ],
  },
  {
    name: 'traces: no files kept, a HEP collector without a port',
    text: edit(25, 0, 'traces: { maxFiles: 0, hep: { collector: homer } }'),
    errors: [
      [25, 21, 'traces.maxFiles: 0 is out of range: must be >= 1'],
      [25, 42, "traces.hep.collector: 'homer' is not host:port of a HEP collector (like 10.0.0.5:9060 or [2001:db8::5]:9060)"],
    ],
  },
];

describe('gateway.yaml checker', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sipline-check-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts the base configuration the broken cases start from', () => {
    const r = checkConfig(base.join('\n'));
    assert.ok(r.ok, r.ok ? '' : r.errors.map(formatConfigError).join('\n'));
  });

  it(`finds every error of ${broken.length} broken configs at its line and column`, () => {
    assert.ok(broken.length >= 20);
    for (const c of broken) {
      const r = checkConfig(c.text, 'gateway.yaml');
      assert.ok(!r.ok, c.name);
      assert.deepEqual(
        r.errors.map(formatConfigError),
        c.errors.map(([l, col, msg]) => `gateway.yaml:${l}:${col}: ${msg}`),
        c.name,
      );
    }
  });

  it(`sipline check prints them all and exits 1 (${broken.length} broken configs)`, async function () {
    this.timeout(90000);
    const one = async (i: number) => {
      const c = broken[i]!;
      const file = join(dir, `broken-${i}.yaml`);
      writeFileSync(file, c.text);
      const r = await run([cli, 'check', '--config', file]);
      assert.equal(r.status, 1, `${c.name}: exit status`);
      const want = c.errors.map(([l, col, msg]) => `${file}:${l}:${col}: ${msg}`);
      want.push(`${file}: ${c.errors.length} error${c.errors.length === 1 ? '' : 's'}`);
      assert.deepEqual(r.stderr.trimEnd().split('\n'), want, c.name);
      assert.equal(r.stdout, '', c.name);
    };
    // Four at a time: each is a whole node start-up.
    for (let i = 0; i < broken.length; i += 4) {
      await Promise.all(broken.slice(i, i + 4).map((_, k) => one(i + k)));
    }
  });

  it('passes the three shipped examples with a summary (sipline check exits 0)', function () {
    this.timeout(60000);
    const files = readdirSync(examples).filter((f) => f.endsWith('.yaml')).sort();
    assert.deepEqual(files, ['fxo-to-ip-pbx.yaml', 'mixed.yaml', 'pri-pbx-to-sip.yaml']);
    const summaries: Record<string, string> = {
      'fxo-to-ip-pbx.yaml': '1 card, 0 spans, 4 ports, 1 line group, 1 SIP trunk, 3 routes',
      'mixed.yaml': '2 cards, 1 span, 2 ports, 2 line groups, 3 SIP trunks, 3 routes',
      'pri-pbx-to-sip.yaml': '1 card, 1 span, 0 ports, 1 line group, 1 SIP trunk, 3 routes',
    };
    for (const f of files) {
      const path = join(examples, f);
      const r = spawnSync(process.execPath, [cli, 'check', '--config', path], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `${path}: OK: ${summaries[f]}\n`);
    }
  });

  it('points at the alias, not the anchor, when a reused node is the problem', () => {
    const text = ['cards:', '  - &c { name: a, profile: p }', '  - *c', 'routes: []', ''].join('\n');
    const r = checkConfig(text);
    assert.ok(!r.ok);
    assert.deepEqual(r.errors.map(formatConfigError), ['gateway.yaml:3:5: cards[1].name: duplicate card name "a" (first at line 2)']);
  });

  it('reports a mapping used as a key as an unknown key, without a process warning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    const r = checkConfig('? [a, b]\n: 1\ncards: []\nroutes: []\n');
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    assert.ok(!r.ok);
    assert.match(formatConfigError(r.errors[0]!), /^gateway\.yaml:1:1: \["\[ a, b \]"\]: unknown key '\[ a, b \]'/);
    assert.deepEqual(warnings, []);
  });

  it('names an unknown hw-profile when it knows which profiles exist', () => {
    const r = checkConfig(base.join('\n'), 'gateway.yaml', { profiles: ['sim-t1x', 'sim-e1'] });
    assert.ok(!r.ok);
    assert.deepEqual(r.errors.map(formatConfigError), ["gateway.yaml:3:14: cards[0].profile: no hw-profile is named 'sim-t1' (did you mean 'sim-t1x'?)"]);
    assert.ok(checkConfig(base.join('\n'), 'gateway.yaml', { profiles: ['sim-t1'] }).ok);
  });

  it('reports a missing file as one error instead of a crash', () => {
    const r = checkConfigFile(join(dir, 'nope.yaml'), 'nope.yaml');
    assert.ok(!r.ok);
    assert.deepEqual(r.errors.map(formatConfigError), ['nope.yaml:1:1: cannot read the file: no such file']);
  });

  it('never crashes on random YAML, and every error has a line and column inside the file (property)', () => {
    const yamlish = fc.stringMatching(/^[a-z0-9:\-[\]{}'"&*!|>#,. \n]{0,80}$/);
    const doc = fc.oneof(
      yamlish,
      fc.anything().map((v) => {
        try {
          return stringify(v) ?? '';
        } catch {
          return '';
        }
      }),
      // Real structure with random leaves: the checker's semantic pass sees odd types.
      fc
        .record({ cards: fc.anything(), routes: fc.anything(), sipTrunks: fc.anything(), lineGroups: fc.anything(), media: fc.anything() }, { requiredKeys: [] })
        .map((v) => stringify(v) ?? ''),
      fc.nat({ max: base.length }).chain((cut) => fc.constant(base.slice(0, cut).join('\n'))),
      // A shipped example with a few characters replaced, deleted or inserted.
      fc
        .tuple(
          fc.constantFrom(...exampleTexts),
          fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.nat({ max: 3 }), fc.stringMatching(/^[a-z0-9:\-[\]{}"&*, \n]{0,3}$/)), { minLength: 1, maxLength: 4 }),
        )
        .map(([text, edits]) =>
          edits.reduce((t, [at, del, ins]) => {
            const i = Math.floor(at * t.length);
            return t.slice(0, i) + ins + t.slice(i + del);
          }, text),
        ),
    );
    fc.assert(
      fc.property(doc, (text) => {
        const r = checkConfig(text, 'g.yaml');
        if (r.ok) return;
        const lines = text.split('\n').length;
        assert.ok(r.errors.length > 0);
        for (const e of r.errors) {
          assert.ok(e.line >= 1 && e.line <= lines + 1, `${formatConfigError(e)} in ${JSON.stringify(text)}`);
          assert.ok(e.column >= 1, formatConfigError(e));
          assert.ok(e.message.length > 0);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
