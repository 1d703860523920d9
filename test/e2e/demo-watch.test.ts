// `sipline demo` in one tmux window, `sipline status --watch` against its
// socket in another: the watch screen shows the span, its channels ringing,
// talking (with levels) and hanging up; q leaves with the terminal restored.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from './demo-process.js';

const PROMPT = 'demo-test$ ';

class Tmux {
  constructor(readonly socket: string) {}
  run(...args: string[]): string {
    return execFileSync('tmux', ['-S', this.socket, ...args], { encoding: 'utf8' });
  }
  capture(target: string): string {
    return this.run('capture-pane', '-p', '-t', target);
  }
  flag(target: string, name: string): string {
    return this.run('display-message', '-p', '-t', target, `#{${name}}`).trim();
  }
  keys(target: string, ...keys: string[]): void {
    this.run('send-keys', '-t', target, ...keys);
  }
  async until(target: string, what: string, test: (screen: string) => boolean, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let screen = '';
    while (Date.now() < deadline) {
      screen = this.capture(target);
      if (test(screen)) return screen;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${target} never showed ${what}; last screen:\n${screen}`);
  }
}

describe('sipline demo watched with sipline status --watch in tmux @slow', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipline-demo-watch-'));
  const socket = join(dir, 'control.sock');
  const tmux = new Tmux(join(dir, 'tmux.sock'));
  const shell = ['env', `PS1=${PROMPT}`, 'TERM=xterm-256color', `XDG_RUNTIME_DIR=${dir}`, 'bash', '--norc', '--noprofile'];

  before(async () => {
    if (spawnSync('tmux', ['-V']).status !== 0) throw new Error('tmux is not installed: apt-get install tmux');
    tmux.run('-f', '/dev/null', 'new-session', '-d', '-s', 'd', '-n', 'demo', '-x', '170', '-y', '45', '-c', process.cwd(), ...shell);
    tmux.run('new-window', '-d', '-t', 'd:', '-n', 'watch', '-c', process.cwd(), ...shell);
    await tmux.until('d:demo', 'the prompt', (s) => s.includes(PROMPT.trimEnd()));
    await tmux.until('d:watch', 'the prompt', (s) => s.includes(PROMPT.trimEnd()));
  });
  after(() => {
    try {
      tmux.run('kill-server');
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('tells how to watch it', async () => {
    tmux.keys('d:demo', `node ${CLI} demo --socket ${socket}`, 'Enter');
    const screen = await tmux.until('d:demo', 'the watch hint', (s) => s.includes('in another terminal: sipline status --watch'));
    assert.ok(screen.includes(`sipline status --watch --socket ${socket}`), screen);
    assert.match(screen, /^calls: the PBX calls out through the gateway to the SIP trunk/m);
  });

  it('shows the span, channels ringing and talking with levels, and calls ending', async function () {
    this.timeout(120_000);
    tmux.keys('d:watch', `node ${CLI} status --watch --socket ${socket}`, 'Enter');
    let screen = await tmux.until('d:watch', 'the span up', (s) => /^pri1 +T1 +ESF +B8ZS +OK +up +23/m.test(s));
    assert.equal(tmux.flag('d:watch', 'alternate_on'), '1', 'runs on the alternate screen');
    screen = await tmux.until('d:watch', 'a call talking with levels both ways', (s) =>
      /^pri1:\d+ +pri +- +pri-net N10 +connected +\d+ -> \d+ .*\d+:\d\d +█*░* -\d+\.\d +█*░* -\d+\.\d/m.test(s),
    );
    assert.match(screen, /^pri1:\d+ +pri .*connected +(5551000 -> 2125550199|2125550142 -> 5551234|5551001 -> 2125550177) +PCMU /m, 'caller and callee of a scripted call');
    await tmux.until('d:watch', 'a line ringing', (s) => /^pri1:\d+ +pri +- +pri-net N\d +alerting +\d+ -> \d+/m.test(s));
    // The central office's call on an FXO port: the row shows the loop off hook and audio both ways (office and trunk each play a tone).
    screen = await tmux.until('d:watch', 'an FXO port off hook talking with levels both ways', (s) =>
      /^fxo\d +555010\d +fxo +off-hook +fxo-loopstart answered +connected +2125550123 -> 5550100 +PCMU +\d+:\d\d +█+░* +-\d+\.\d +█+░* +-\d+\.\d/m.test(s),
    40_000);
    const fxo = /^fxo\d +\d+ +fxo +off-hook .* (-\d+\.\d) +█+░* +(-\d+\.\d) /m.exec(screen)!;
    assert.ok(Number(fxo[1]) > -40 && Number(fxo[2]) > -40, `non-silent levels both ways: rx ${fxo[1]}, tx ${fxo[2]}`);
    // The trunk calls a phone on an FXS port: the row shows the phone ringing, then off hook talking both ways.
    await tmux.until('d:watch', 'an FXS port ringing its phone', (s) => /^fxs\d +55502\d\d +fxs +ringing +fxs-loopstart ringing +alerting +2125550188 -> 5550201/m.test(s), 40_000);
    screen = await tmux.until('d:watch', 'an FXS port off hook talking with levels both ways', (s) =>
      /^fxs\d +55502\d\d +fxs +off-hook +fxs-loopstart call +connected +2125550188 -> 5550201 +PCMU +\d+:\d\d +█+░* +-\d+\.\d +█+░* +-\d+\.\d/m.test(s),
    20_000);
    const fxs = /^fxs\d +\d+ +fxs +off-hook .* (-\d+\.\d) +█+░* +(-\d+\.\d) /m.exec(screen)!;
    assert.ok(Number(fxs[1]) > -40 && Number(fxs[2]) > -40, `non-silent levels both ways: rx ${fxs[1]}, tx ${fxs[2]}`);
    await tmux.until('d:watch', 'a call hung up', (s) => /calls \d+ \(\d+ connected, [1-9]\d* ended\)/.test(s));
  });

  it('leaves on q with the terminal restored', async () => {
    tmux.keys('d:watch', 'q');
    const screen = await tmux.until('d:watch', 'the prompt after q', (s) => s.trimEnd().endsWith(PROMPT.trimEnd()) && tmux.flag('d:watch', 'alternate_on') === '0');
    assert.equal(tmux.flag('d:watch', 'cursor_flag'), '1', 'cursor visible');
    assert.ok(!screen.includes('CHANNELS'), 'the status screen is gone');
  });

  it('stops the demo on Ctrl-C, back to the prompt', async () => {
    tmux.keys('d:demo', 'C-c');
    const screen = await tmux.until('d:demo', 'the prompt after the demo stopped', (s) => /stopped\n+\s*demo-test\$\s*$/.test(s.trimEnd() + '\n'));
    assert.match(screen, /SIGINT: stopping; releasing calls/);
  });
});
