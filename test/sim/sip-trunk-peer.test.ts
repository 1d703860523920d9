// The simulated SIP trunk peer against SIPp: it answers a call with a tone
// over RTP, and places a call with caller ID, sending DTMF as RFC 4733 events.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createSocket, type Socket } from 'node:dgram';
import { g711Decode } from '../../src/hw/g711.js';
import type { SipCall } from '../../src/sip/sip-call.js';
import { SipTrunkPeer } from '../../src/sim/sip-trunk-peer.js';
import { startSipp } from '../peers/sipp.js';
import { reservePort } from '../support/ports.js';
import { eventually } from '../support/waiting.js';

/** An RTP receiver standing in for SIPp's media: keeps every packet. */
async function rtpSink(): Promise<{ socket: Socket; port: number; packets: Buffer[] }> {
  const socket = createSocket('udp4');
  const packets: Buffer[] = [];
  socket.on('message', (m) => packets.push(m));
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  return { socket, port: socket.address().port, packets };
}

/** RMS level in dBm0 (G.711: a full-scale sine is +3.17 dBm0) of PCMU payloads (RFC 3551 PT 0). */
function pcmuLevel(packets: Buffer[]): number {
  let sum = 0;
  let n = 0;
  for (const p of packets) {
    if ((p[1]! & 0x7f) !== 0) continue;
    const s = g711Decode('PCMU', p.subarray(12), new Int16Array(p.length - 12));
    for (const x of s) sum += x * x;
    n += s.length;
  }
  const rms = Math.sqrt(sum / Math.max(1, n));
  return 20 * Math.log10(rms / (32767 / Math.SQRT2)) + 3.17;
}

describe('sim: SIP trunk peer against SIPp @slow', () => {
  let peer: SipTrunkPeer | undefined;
  let sink: Awaited<ReturnType<typeof rtpSink>> | undefined;
  afterEach(async () => {
    await peer?.stop();
    sink?.socket.close();
    peer = undefined;
    sink = undefined;
  });

  it('answers a call after ringing and plays its tone at about -16 dBm0 over PCMU', async () => {
    peer = await SipTrunkPeer.start({ answerAfterMs: 300 });
    sink = await rtpSink();
    const incoming = once(peer, 'incoming');
    const sipp = await startSipp({
      scenario: 'uac-call-trunk-peer.xml',
      transport: 'udp',
      remote: `127.0.0.1:${peer.port}`,
      service: '5551000',
      keys: { rtp_port: String(sink.port) },
    });
    const [call] = (await Promise.race([incoming, sipp.done.then((r) => Promise.reject(new Error(`SIPp ended before the call arrived:\n${r.output}`)))])) as [SipCall];
    assert.equal(call.from.digits, '2125550142', 'caller ID from the From header');
    assert.equal(call.to.digits, '5551000');
    const r = await sipp.done;
    assert.equal(r.code, 0, r.output);
    const audio = sink.packets.filter((p) => (p[1]! & 0x7f) === 0);
    assert.ok(audio.length > 40, `${audio.length} PCMU packets in 1.5 s, expected about 75`);
    const level = pcmuLevel(audio);
    assert.ok(Math.abs(level - -16) < 1.5, `tone at ${level.toFixed(1)} dBm0, expected -16`);
  });

  it('calls a DID with caller ID, sends DTMF 5 as RFC 4733 events and hangs up with BYE', async () => {
    sink = await rtpSink();
    const sipPort = await reservePort();
    const sipp = await startSipp({ scenario: 'uas-answer-trunk-peer.xml', transport: 'udp', port: sipPort, keys: { rtp_port: String(sink.port) } });
    peer = await SipTrunkPeer.start({ gateway: { host: '127.0.0.1', port: sipPort } });
    const call = peer.call('5551000', { digits: '2125550142' });
    await Promise.race([once(call, 'answered'), sipp.done.then((r) => Promise.reject(new Error(`SIPp ended before the answer:\n${r.output}`)))]);
    await eventually('audio at the sink before the digit', () => sink!.packets.filter((p) => (p[1]! & 0x7f) === 0).length >= 10);
    peer.sendDigits(call, '5');
    // RFC 4733 §2.5.1.4: the event ends with three end packets (E bit).
    await eventually('the digit\'s end packets at the sink', () => sink!.packets.filter((p) => (p[1]! & 0x7f) === 101 && (p[13]! & 0x80) !== 0).length >= 3);
    await eventually('audio at the sink after the digit', () => sink!.packets.filter((p) => (p[1]! & 0x7f) === 0).length > 20);
    const released = once(call, 'released');
    peer.hangup(call);
    await released;
    const r = await sipp.done;
    assert.equal(r.code, 0, r.output);
    // RFC 4733 §2.3: payload octet 0 is the event code (5 for digit 5), octet 1 has the E bit.
    const events = sink.packets.filter((p) => (p[1]! & 0x7f) === 101);
    assert.ok(events.length >= 3, `${events.length} telephone-event packets`);
    assert.ok(events.every((p) => p[12] === 5), 'every event is digit 5');
    assert.ok(events.some((p) => (p[13]! & 0x80) !== 0), 'an end-of-event packet');
    assert.ok(sink.packets.filter((p) => (p[1]! & 0x7f) === 0).length > 20, 'audio before and after the digit');
  });
});
