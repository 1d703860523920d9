// sendNotify: one datagram to an AF_UNIX socket as sd_notify(3) sends it,
// received by socat on a socket path and in the abstract namespace.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sendNotify } from '../../src/hw/notify-socket.js';
import { NotifyReceiver } from '../ops/notify-receiver.js';

describe('notify socket (AF_UNIX datagrams from the addon)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipline-notify-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('delivers a message to a socket path, fields intact', async () => {
    const r = await NotifyReceiver.open(join(dir, 'notify.sock'));
    try {
      sendNotify(r.socket, 'READY=1\nSTATUS=spans 1/1 up\n');
      sendNotify(r.socket, 'STOPPING=1\n');
      await r.waitFor((l) => l === 'STOPPING=1', 'STOPPING=1');
      assert.deepEqual(r.lines, ['READY=1', 'STATUS=spans 1/1 up', 'STOPPING=1']);
    } finally {
      r.close();
    }
  });

  it('delivers to an @abstract socket (no file)', async () => {
    const name = `@sipline-test-${process.pid}-${Date.now()}`;
    const r = await NotifyReceiver.open(name);
    try {
      sendNotify(name, 'WATCHDOG=1\n');
      await r.waitFor((l) => l === 'WATCHDOG=1', 'WATCHDOG=1');
    } finally {
      r.close();
    }
  });

  it('throws errors naming the socket and the errno: nobody listening, not a socket, a relative or too long path', () => {
    const code = (fn: () => void): string => {
      try {
        fn();
      } catch (err) {
        assert.ok(err instanceof Error);
        return `${(err as NodeJS.ErrnoException).code}: ${err.message}`;
      }
      return 'no error';
    };
    assert.match(code(() => sendNotify(join(dir, 'none.sock'), 'READY=1')), /^ENOENT: sendto .*none\.sock/);
    writeFileSync(join(dir, 'plain'), '');
    assert.match(code(() => sendNotify(join(dir, 'plain'), 'READY=1')), /^ECONNREFUSED: sendto .*plain/);
    assert.match(code(() => sendNotify('run/notify', 'READY=1')), /^EINVAL: notify socket 'run\/notify' must be an absolute path or an @abstract name/);
    assert.match(code(() => sendNotify(`/${'x'.repeat(120)}`, 'READY=1')), /^ENAMETOOLONG: /);
    assert.match(code(() => sendNotify('@sipline-nobody-listens-here', 'READY=1')), /^ECONNREFUSED: /);
  });
});
