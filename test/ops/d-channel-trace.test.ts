import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DChannelTrace, LINKTYPE_LINUX_LAPD } from '../../src/ops/d-channel-trace.js';
import {
  MaintenanceMessageType,
  MessageType,
  ProgressDescription,
  SWITCH_VARIANTS,
  bChannel,
  calledPartyNumberFor,
  callingNameIes,
  callingPartyNumberFor,
  causeIe,
  encodeMessage,
  progressIndicatorFor,
  setupChannelFor,
  variantProfile,
  type InformationElement,
  type Q931Message,
  type SwitchVariant,
} from '../../src/isdn/q931.js';
import { tsharkVerbose } from '../peers/tshark.js';

/**
 * A Q.921 I-frame (clause 3.2-3.4): address SAPI 0 / TEI 0 with the C/R bit a
 * command from this side carries (clause 3.3.2: network 1, user 0), then
 * N(S), N(R) with P = 0.
 */
function iFrame(fromNetwork: boolean, ns: number, nr: number, info: Uint8Array): Uint8Array {
  const sapi = 0;
  const tei = 0;
  const cr = fromNetwork ? 1 : 0;
  return Uint8Array.from([(sapi << 2) | (cr << 1), (tei << 1) | 1, ns << 1, nr << 1, ...info]);
}

interface Step {
  fromNetwork: boolean;
  messageType: number;
  ies: InformationElement[];
  protocolDiscriminator?: number;
  global?: boolean;
  /** The variant the message is coded for, when it differs from the trace's. */
  variant?: SwitchVariant;
}

/** Writes the steps as I-frames seen from our (user) side and returns the file. */
async function writeCall(dir: string, steps: Step[], variant: SwitchVariant): Promise<string> {
  const path = join(dir, 'd-channel.pcap');
  const trace = new DChannelTrace({ path, side: 'user' });
  const seq = { user: 0, network: 0 };
  let t = Date.UTC(2026, 0, 1, 12, 0, 0);
  for (const s of steps) {
    const msg: Q931Message = {
      protocolDiscriminator: s.protocolDiscriminator ?? 0x08,
      // We (user) allocated call reference 1: flag 0 on our messages, 1 on the network's.
      callReference: { value: s.global ? 0 : 1, flag: s.fromNetwork ? 1 : 0, length: 2 },
      messageType: s.messageType,
      ies: s.ies,
    };
    const ns = s.fromNetwork ? seq.network++ : seq.user++;
    const nr = s.fromNetwork ? seq.user : seq.network;
    trace.write(iFrame(s.fromNetwork, ns % 128, nr % 128, encodeMessage(msg, s.variant ?? variant)), s.fromNetwork ? 'rx' : 'tx', (t += 20));
  }
  await trace.close();
  return path;
}

/** The Q.931 message type lines tshark printed, in frame order. */
function messageTypes(text: string): string[] {
  return [...text.matchAll(/^\s+(?:Maintenance )?[Mm]essage type: ([A-Z ]+?) \(0x[0-9a-f]+\)$/gm)].map((m) => m[1] ?? '');
}

describe('D-channel pcap trace decoded by tshark @slow', function () {
  this.timeout(60000);
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sipline-dtrace-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const speech: InformationElement = { kind: 'bearer-capability', codingStandard: 0, transferCapability: 0, transferMode: 0, transferRate: 0x10, layer1Protocol: 2 };

  it('decodes a whole NI-2 call, SETUP to RELEASE COMPLETE, with no malformed frame', async () => {
    const file = await writeCall(
      dir,
      [
        { fromNetwork: false, messageType: MessageType.SETUP, ies: [speech, bChannel(1, true), ...callingNameIes('ACME', 'national'), callingPartyNumberFor('2125551212', 'national'), calledPartyNumberFor('3125551234', 'national')] },
        { fromNetwork: true, messageType: MessageType.CALL_PROCEEDING, ies: [bChannel(1, true)] },
        { fromNetwork: true, messageType: MessageType.ALERTING, ies: [progressIndicatorFor(ProgressDescription.INBAND_AVAILABLE, 'national')] },
        { fromNetwork: true, messageType: MessageType.CONNECT, ies: [] },
        { fromNetwork: false, messageType: MessageType.CONNECT_ACKNOWLEDGE, ies: [] },
        { fromNetwork: false, messageType: MessageType.DISCONNECT, ies: [causeIe(16, 0)] },
        { fromNetwork: true, messageType: MessageType.RELEASE, ies: [causeIe(16, 2)] },
        { fromNetwork: false, messageType: MessageType.RELEASE_COMPLETE, ies: [] },
      ],
      'national',
    );
    const head = readFileSync(file);
    assert.equal(head.readUInt32LE(20), LINKTYPE_LINUX_LAPD);
    const text = tsharkVerbose(file);
    assert.doesNotMatch(text, /Malformed|Expert Info \(Error/);
    assert.deepEqual(messageTypes(text), ['SETUP', 'CALL PROCEEDING', 'ALERTING', 'CONNECT', 'CONNECT ACKNOWLEDGE', 'DISCONNECT', 'RELEASE', 'RELEASE COMPLETE']);
    assert.match(text, /Calling party number: '2125551212'/);
    assert.match(text, /Called party number: '3125551234'/);
    assert.match(text, /Cause value: Normal call clearing \(16\)/);
    assert.match(text, /Indicated channel: Exclusive; only the indicated channel is acceptable/);
    // Q.921 clause 3.3.2: commands from the user carry C/R 0, from the network C/R 1;
    // tshark takes the direction from the pseudo-header.
    assert.deepEqual([...text.matchAll(/= C\/R: (\d)/g)].map((m) => m[1]), ['0', '1', '1', '1', '0', '0', '1', '0']);
    assert.deepEqual(
      [...text.matchAll(/\[Direction: (User->Network|Network->User)/g)].map((m) => m[1]),
      ['User->Network', 'Network->User', 'Network->User', 'Network->User', 'User->Network', 'User->Network', 'Network->User', 'User->Network'],
    );
  });

  it('decodes every other message type the codec sends, including restart and ETSI E1 channels', async () => {
    const file = await writeCall(
      dir,
      [
        { fromNetwork: true, messageType: MessageType.RESTART, global: true, ies: [bChannel(17, true), { kind: 'restart-indicator', restartClass: 0 }] },
        { fromNetwork: false, messageType: MessageType.RESTART_ACKNOWLEDGE, global: true, ies: [bChannel(17, true), { kind: 'restart-indicator', restartClass: 0 }] },
        { fromNetwork: false, messageType: MessageType.SETUP, ies: [{ ...speech, layer1Protocol: 3 }, bChannel(17, false), { kind: 'display', text: 'ACME' }, calledPartyNumberFor('1', 'euroisdn')] },
        { fromNetwork: true, messageType: MessageType.SETUP_ACKNOWLEDGE, ies: [bChannel(17, true)] },
        { fromNetwork: false, messageType: MessageType.INFORMATION, ies: [{ kind: 'sending-complete' }, calledPartyNumberFor('234', 'euroisdn')] },
        { fromNetwork: true, messageType: MessageType.PROGRESS, ies: [progressIndicatorFor(ProgressDescription.INBAND_AVAILABLE, 'euroisdn')] },
        { fromNetwork: true, messageType: MessageType.NOTIFY, ies: [{ kind: 'notification-indicator', description: 0 }] },
        { fromNetwork: true, messageType: MessageType.FACILITY, ies: [{ kind: 'facility', data: Uint8Array.from([0x91, 0xa1, 0x03, 0x02, 0x01, 0x01]) }] },
        { fromNetwork: false, messageType: MessageType.STATUS_ENQUIRY, ies: [] },
        { fromNetwork: true, messageType: MessageType.STATUS, ies: [causeIe(30, 2), { kind: 'call-state', codingStandard: 0, value: 3 }] },
        { fromNetwork: false, messageType: MessageType.RELEASE_COMPLETE, ies: [causeIe(16, 0)] },
      ],
      'euroisdn',
    );
    const text = tsharkVerbose(file);
    assert.doesNotMatch(text, /Malformed|Expert Info \(Error/);
    assert.deepEqual(messageTypes(text), [
      'RESTART',
      'RESTART ACKNOWLEDGE',
      'SETUP',
      'SETUP ACKNOWLEDGE',
      'INFORMATION',
      'PROGRESS',
      'NOTIFY',
      'FACILITY',
      'STATUS ENQUIRY',
      'STATUS',
      'RELEASE COMPLETE',
    ]);
    assert.match(text, /Restart indicator: Indicated channels/);
  });

  it('decodes a SETUP of every switch variant: typed display, codeset 6 name, NFAS interface, QSIG facility', async () => {
    const steps: Step[] = SWITCH_VARIANTS.map((v) => ({
      fromNetwork: false,
      messageType: MessageType.SETUP,
      variant: v,
      ies: [
        speech,
        setupChannelFor(2, v, variantProfile(v).interfaceIdentifier ? 1 : undefined),
        ...callingNameIes('ACME', v).filter((ie) => ie.kind === 'display' || ie.kind === 'facility'),
        callingPartyNumberFor('5551000', v),
        calledPartyNumberFor('5552000', v),
        ...callingNameIes('ACME', v).filter((ie) => ie.kind === 'shift' || ie.kind === 'opaque'),
      ],
    }));
    const file = await writeCall(dir, steps, 'national');
    const text = tsharkVerbose(file);
    assert.doesNotMatch(text, /Malformed|Expert Info \(Error/);
    assert.deepEqual(messageTypes(text), SWITCH_VARIANTS.map(() => 'SETUP'));
    assert.equal([...text.matchAll(/Interface identifier present: True/g)].length, 4);
    // NI-2 and DMS-100 put the display type octet (0xb1) first, which tshark prints as is.
    assert.equal([...text.matchAll(/Display information: .?ACME$/gmu)].length, 3);
    // 5ESS / 4ESS: codeset 6 display, which tshark knows as the Avaya (Lucent) display.
    assert.equal([...text.matchAll(/Non-locking shift to codeset 6/g)].length, 2);
    assert.equal([...text.matchAll(/Avaya Display: ACME$/gm)].length, 2);
    // QSIG: the ECMA-164 callingName operation.
    assert.match(text, /QSIG: callingName/);
    assert.match(text, /namePresentationAllowedSimple: ACME$/m);
  });

  it('decodes SERVICE / SERVICE ACKNOWLEDGE of AT&T switches (discriminator 0x03) and carries NI-2 ones (0x43) unmangled', async () => {
    const service = (v: SwitchVariant, messageType: number, fromNetwork: boolean): Step => ({
      fromNetwork,
      variant: v,
      protocolDiscriminator: variantProfile(v).maintenanceDiscriminator ?? 0,
      global: true,
      messageType,
      ies: [{ kind: 'change-status', channel: true, status: 2 }, bChannel(3, true)],
    });
    const file = await writeCall(
      dir,
      [
        service('5ess', MaintenanceMessageType.SERVICE, false),
        service('5ess', MaintenanceMessageType.SERVICE_ACKNOWLEDGE, true),
        service('national', MaintenanceMessageType.SERVICE, false),
        service('national', MaintenanceMessageType.SERVICE_ACKNOWLEDGE, true),
      ],
      '5ess',
    );
    const text = tsharkVerbose(file);
    assert.doesNotMatch(text, /Malformed/);
    // tshark names maintenance message types under 0x03 only; under 0x43 it shows the codes.
    assert.deepEqual(messageTypes(text).slice(0, 2), ['SERVICE', 'SERVICE ACKNOWLEDGE']);
    assert.equal([...text.matchAll(/Protocol discriminator: National use \(0x43\)/g)].length, 2);
    assert.equal([...text.matchAll(/New status: Out of Service \(2\)/g)].length, 4);
  });
});

describe('D-channel trace rotation', () => {
  it('rotates by size, keeps the configured number of files, and every file starts with a LAPD pcap header', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sipline-drotate-'));
    try {
      const path = join(dir, 'span1.pcap');
      const trace = new DChannelTrace({ path, side: 'network', maxBytes: 1000, keep: 2 });
      const frame = new Uint8Array(100).fill(0x41);
      for (let i = 0; i < 40; i++) trace.write(frame, i % 2 ? 'rx' : 'tx', 1_700_000_000_000 + i);
      await trace.close();
      assert.deepEqual(readdirSync(dir).sort(), ['span1.pcap', 'span1.pcap.1', 'span1.pcap.2']);
      for (const f of readdirSync(dir)) {
        const b = readFileSync(join(dir, f));
        assert.ok(b.length <= 1000, `${f} has ${b.length} octets`);
        assert.equal(b.readUInt32LE(0), 0xa1b2c3d4);
        assert.equal(b.readUInt32LE(20), LINKTYPE_LINUX_LAPD);
      }
      // 40 records of 132 octets, 7 per file: the current file holds the last 40 - 35 = 5.
      assert.equal(readFileSync(path).length, 24 + 5 * 132);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never throws when the file cannot be written: the error names the file and is reported once, not per frame', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sipline-dfail-'));
    try {
      const path = join(dir, 'missing-dir', 'span1.pcap');
      const errors: Error[] = [];
      const trace = new DChannelTrace({ path, side: 'user', onError: (e) => errors.push(e) });
      trace.write(new Uint8Array([0, 1, 3]), 'rx');
      await trace.flush();
      trace.write(new Uint8Array([0, 1, 3]), 'tx');
      await trace.close();
      assert.match(trace.lastError?.message ?? '', /D-channel trace .*missing-dir\/span1\.pcap: ENOENT/);
      assert.equal(errors.length, 1, errors.map((e) => e.message).join('\n'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps a frame longer than Q.921 allows (a broken peer) instead of refusing it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sipline-dlong-'));
    try {
      const path = join(dir, 'span1.pcap');
      const trace = new DChannelTrace({ path, side: 'network' });
      trace.write(new Uint8Array(300).fill(7), 'rx', 0);
      await trace.close();
      assert.equal(trace.lastError, null);
      const b = readFileSync(path);
      assert.equal(b.length, 24 + 16 + 16 + 300);
      assert.equal(b.readUInt32LE(24 + 12), 316);
      assert.equal(b.readUInt8(24 + 16 + 6), 1, 'network side flag in the pseudo-header');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a size limit smaller than one frame, naming both sizes', () => {
    assert.throws(() => new DChannelTrace({ path: 'x.pcap', side: 'user', maxBytes: 100 }), /maxBytes 100 is below 320/);
  });
});
