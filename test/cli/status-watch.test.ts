import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { CLI, startDaemon, type Daemon } from '../ops/daemon-harness.js';

const PROMPT = 'watch-test$ ';

/** A tmux server of our own (own socket file), one pane running bash. */
class Pane {
  constructor(readonly socket: string) {}

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-S', this.socket, ...args], { encoding: 'utf8' });
  }
  capture(): string {
    return this.tmux('capture-pane', '-p', '-t', 'w');
  }
  flag(name: string): string {
    return this.tmux('display-message', '-p', '-t', 'w', `#{${name}}`).trim();
  }
  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', 'w', ...keys);
  }
  async until(what: string, test: (screen: string) => boolean, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let screen = '';
    while (Date.now() < deadline) {
      screen = this.capture();
      if (test(screen)) return screen;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`pane never showed ${what}; last screen:\n${screen}`);
  }
}

describe('sipline status --watch in a terminal (tmux) @slow', () => {
  let d: Daemon;
  let pane: Pane;

  before(async function () {
    if (spawnSync('tmux', ['-V']).status !== 0) throw new Error('tmux is not installed: apt-get install tmux');
    d = await startDaemon('fixture');
    pane = new Pane(join(d.dir, 'tmux.sock'));
    pane.tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'w', '-x', '160', '-y', '50', '-c', process.cwd(), 'env', `PS1=${PROMPT}`, 'TERM=xterm-256color', 'bash', '--norc', '--noprofile');
    await pane.until('the shell prompt', (s) => s.includes(PROMPT.trimEnd()));
  });
  after(() => {
    try {
      pane?.tmux('kill-server');
    } catch {
      // already gone
    }
    d?.cleanup();
  });

  const startWatch = async (): Promise<string> => {
    pane.keys('clear', 'Enter');
    pane.keys(`node ${resolve(CLI)} status --watch --socket ${d.socket}`, 'Enter');
    return pane.until('the status screen', (s) => s.includes('TRUNKS') && s.includes('span1:1'));
  };

  it('shows spans, channels with level bars and calls, and redraws every second', async () => {
    const screen = await startWatch();
    assert.equal(pane.flag('alternate_on'), '1', 'runs on the alternate screen');
    assert.equal(pane.flag('cursor_flag'), '0', 'cursor hidden');
    assert.match(screen, /^span2 +T1 +ESF +B8ZS +RED +down/m);
    assert.match(screen, /^span1:1 .*connected +5551234 -> 18005550100 +PCMA +\d+:\d\d +█{8}░{2} -12\.5 +█{7}░{3} -18\.3 +2\.5ms +0\.4%/m);
    assert.match(screen, /^fxo1 .*█{3}░{7} -41\.0 +- *$/m);
    assert.match(screen, /^carrier +registered/m);
    assert.match(screen, /q quit/);
    const colours = pane.tmux('capture-pane', '-e', '-p', '-t', 'w');
    /* eslint-disable no-control-regex -- the colour codes are what is checked */
    assert.match(colours, /\u001b\[[0-9;]*31m(\u001b\[[0-9;]*m)*RED/, 'the alarm in red');
    assert.match(colours, /\u001b\[[0-9;]*32m(\u001b\[[0-9;]*m)*█{8}░{2} -12\.5/, 'a healthy level in green');
    /* eslint-enable no-control-regex */
    const time = (s: string): string => /^span1:1 .*PCMA +(\d+:\d\d)/m.exec(s)?.[1] ?? '';
    const before = time(screen);
    const later = await pane.until('the call timer advancing', (s) => time(s) !== '' && time(s) !== before, 4000);
    assert.notEqual(time(later), before);
  });

  it('filters by span with f, sorts with s and shows the selected channel events with e', async () => {
    pane.keys('f');
    let screen = await pane.until('the span1 filter', (s) => /CHANNELS +span span1/.test(s));
    assert.ok(!/^fxo1 /m.test(screen), 'fxo1 is not on span1');
    assert.ok(!/^span2:1 /m.test(screen));
    pane.keys('e');
    screen = await pane.until('the events of span1:1', (s) => /EVENTS span1:1/.test(s) && s.includes('call.answered'));
    assert.match(screen, /call\.incoming +call c1 from 5551234 to 18005550100/);
    pane.keys('Down');
    screen = await pane.until('the events of the next channel', (s) => /EVENTS span1:2/.test(s));
    assert.match(screen, /EVENTS span1:2\s+no events yet/);
    pane.keys('Escape');
    pane.keys('f', 'f', 's');
    screen = await pane.until('sorting by state', (s) => /sorted by state/.test(s) && !/EVENTS/.test(s));
    const order = [...screen.matchAll(/^(span\d:\d|fxo1) /gm)].map((m) => m[1]);
    assert.deepEqual(order.slice(0, 2), ['span1:1', 'fxo1'], 'connected, then alerting first');
  });

  it('leaves on q with the terminal restored: normal screen, cursor visible, prompt back', async () => {
    pane.keys('q');
    const screen = await pane.until('the prompt after quitting', (s) => s.trimEnd().endsWith(PROMPT.trimEnd()) && pane.flag('alternate_on') === '0');
    assert.equal(pane.flag('cursor_flag'), '1', 'cursor visible');
    assert.ok(!screen.includes('TRUNKS'), 'status screen gone from the normal screen');
    pane.keys('stty -a | grep -o " -\\?icanon " ; echo rc=$?', 'Enter');
    const after = await pane.until('stty output', (s) => /rc=\d/.test(s));
    assert.match(after, /^ icanon$/m, 'terminal back in canonical (cooked) mode');
  });

  it('leaves on Ctrl-C just as cleanly', async () => {
    await startWatch();
    pane.keys('C-c');
    await pane.until('the prompt after Ctrl-C', (s) => s.trimEnd().endsWith(PROMPT.trimEnd()) && pane.flag('alternate_on') === '0');
    assert.equal(pane.flag('cursor_flag'), '1');
  });

  it('restores the terminal and says why when the gateway stops under it', async () => {
    await startWatch();
    d.child.kill('SIGTERM');
    assert.equal(await d.waitForExit(), 0);
    const screen = await pane.until('the prompt after the gateway stopped', (s) => s.trimEnd().endsWith(PROMPT.trimEnd()) && pane.flag('alternate_on') === '0');
    assert.match(screen, /sipline: the gateway closed the control socket \(stopped\?\)/);
    assert.equal(pane.flag('cursor_flag'), '1');
  });
});
