import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ConfigError,
  DEFAULT_CONTROL_SOCKET,
  configChanges,
  formatListenAddress,
  parseDaemonConfig,
  parseListenAddress,
} from '../../src/ops/daemon-config.js';

const file = '/etc/sipline/gateway.yaml';

function configError(text: string): string {
  try {
    parseDaemonConfig(text, file);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.message;
  }
  assert.fail(`accepted ${JSON.stringify(text)}`);
}

describe('daemon config (control, metrics, log sections of gateway.yaml)', () => {
  it('reads socket, metrics address and log level; leaves other sections to their owners', () => {
    const c = parseDaemonConfig(
      'control:\n  socket: /run/gw/c.sock\nmetrics:\n  listen: "[::1]:9464"\nlog:\n  level: debug\ntrunks:\n  - name: carrier\n',
      file,
    );
    assert.deepEqual(c, { controlSocket: '/run/gw/c.sock', metrics: { host: '::1', port: 9464 }, logLevel: 'debug' });
  });

  it('defaults to the standard socket, no metrics endpoint and level info', () => {
    assert.deepEqual(parseDaemonConfig('', file), { controlSocket: DEFAULT_CONTROL_SOCKET, metrics: null, logLevel: 'info' });
    assert.equal(parseDaemonConfig('metrics:\n  listen: 9464\n', file).metrics?.host, '127.0.0.1');
    assert.equal(parseDaemonConfig('metrics:\n  listen: false\n', file).metrics, null);
  });

  it('resolves a relative socket path against the config file folder', () => {
    assert.equal(parseDaemonConfig('control:\n  socket: run/c.sock\n', file).controlSocket, '/etc/sipline/run/c.sock');
  });

  it('names file, line and key of each mistake', () => {
    assert.equal(configError('log:\n  level: loud\n'), `${file}:2: log.level: "loud" is not one of fatal, error, warn, info, debug, trace, silent`);
    assert.equal(configError('control:\n  sock: /x\n'), `${file}:2: control.sock: unknown setting (known: socket)`);
    assert.match(configError('metrics:\n  listen: "::1:80"\n'), /:2: metrics\.listen: "::1:80" is an IPv6 address without brackets/);
    assert.match(configError('control: [1]\n'), /:1: control: must be a mapping with socket/);
    assert.match(configError('control:\n  socket: 5\n'), /:2: control\.socket: must be a non-empty string/);
    assert.match(configError('a: [\n'), /gateway\.yaml:\d+: not valid YAML/);
    assert.match(configError('- 1\n'), /must be a mapping of sections/);
  });

  it('lists what changed between two configs', () => {
    const a = parseDaemonConfig('log:\n  level: info\n', file);
    const b = parseDaemonConfig('log:\n  level: warn\nmetrics:\n  listen: 127.0.0.1:9000\n', file);
    assert.deepEqual(configChanges(a, b), [
      { key: 'metrics.listen', from: 'off', to: '127.0.0.1:9000' },
      { key: 'log.level', from: 'info', to: 'warn' },
    ]);
    assert.deepEqual(configChanges(a, a), []);
  });

  it('property: any text either parses or fails with a ConfigError naming the file', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom('control:', 'metrics:', 'log:', '  ', 'level: ', 'listen: ', 'socket: ', '\n', '[', '-', '"', ':', 'x', '9') })), (text) => {
        try {
          parseDaemonConfig(text, file);
        } catch (err) {
          return err instanceof ConfigError && err.message.startsWith(file);
        }
        return true;
      }),
      { numRuns: 2000 },
    );
  });

  it('property: any generated config reads back what was written', () => {
    const level = fc.constantFrom('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent' as const);
    const socket = fc.stringMatching(/^\/[a-z0-9_.-]{1,20}(\/[a-z0-9_.-]{1,20}){0,3}$/).filter((p) => !/(^|\/)\.\.?(\/|$)/.test(p));
    fc.assert(
      fc.property(socket, fc.ipV4(), fc.integer({ min: 0, max: 65535 }), level, (sock, host, port, lvl) => {
        const c = parseDaemonConfig(`control:\n  socket: "${sock}"\nmetrics:\n  listen: "${host}:${port}"\nlog:\n  level: ${lvl}\n`, file);
        assert.deepEqual(c, { controlSocket: sock, metrics: { host, port }, logLevel: lvl });
      }),
    );
  });
});

describe('listen address (metrics.listen)', () => {
  it('reads host:port, [v6]:port and a bare port', () => {
    assert.deepEqual(parseListenAddress('0.0.0.0:9464', 'x'), { host: '0.0.0.0', port: 9464 });
    assert.deepEqual(parseListenAddress('[::]:0', 'x'), { host: '::', port: 0 });
    assert.deepEqual(parseListenAddress('localhost:1', 'x'), { host: 'localhost', port: 1 });
    assert.deepEqual(parseListenAddress('9464', 'x'), { host: '127.0.0.1', port: 9464 });
  });

  it('property: formatting then parsing gives the same address back', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), fc.integer({ min: 0, max: 65535 }), (host, port) => {
        assert.deepEqual(parseListenAddress(formatListenAddress({ host, port }), 'x'), { host, port });
      }),
    );
  });

  it('property: any string parses to a valid port or throws a ConfigError naming where', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (text) => {
        try {
          const a = parseListenAddress(text, 'metrics.listen');
          return Number.isInteger(a.port) && a.port >= 0 && a.port <= 65535 && a.host !== '';
        } catch (err) {
          return err instanceof ConfigError && err.message.startsWith('metrics.listen: ');
        }
      }),
      { numRuns: 3000 },
    );
  });
});
