// What src/sip/sipjs-adapter.ts relies on inside sip.js. Each test fails when
// a sip.js upgrade moves what one of its functions reaches into.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { UserAgent } from 'sip.js';
import { deliverRequest, hasDialog, hasMandatoryHeaders, hasServerTransaction, parseRequest } from '../../src/sip/sipjs-adapter.js';
import { SipEndpoint } from '../../src/sip/sip-endpoint.js';
import { BoundRtpPort } from './bound-rtp-port.js';

const media = (): Promise<BoundRtpPort> => BoundRtpPort.open();

function text(method: string, more: string[] = []): string {
  return [
    `${method} sip:2000@127.0.0.1:5060 SIP/2.0`,
    'Via: SIP/2.0/UDP 127.0.0.9:5060;branch=z9hG4bKadapter1',
    'Max-Forwards: 70',
    'From: <sip:a@127.0.0.9>;tag=from1',
    'To: <sip:2000@127.0.0.1;tag=uri-param>',
    'Call-ID: adapter-1',
    `CSeq: 1 ${method}`,
    ...more,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

describe('sip.js internals the adapter uses', () => {
  it("parses with sip.js's grammar: a tag inside the To URI is no To tag", async () => {
    const endpoint = await SipEndpoint.start({ transport: { protocol: 'udp' }, trunks: [], media });
    const ua = (endpoint as unknown as { ua: UserAgent }).ua;
    await endpoint.stop();
    const m = parseRequest(ua, text('INVITE'));
    assert.ok(m, 'parsed');
    assert.equal(m.method, 'INVITE');
    assert.equal(m.callId, 'adapter-1');
    assert.equal(m.fromTag, 'from1');
    assert.equal(m.toTag, undefined);
    assert.equal(m.viaBranch, 'z9hG4bKadapter1');
    assert.equal(hasMandatoryHeaders(m), true);
    assert.equal(parseRequest(ua, 'SIP/2.0 200 OK\r\n\r\n'), undefined, 'a response is not a request');
    assert.equal(hasMandatoryHeaders(parseRequest(ua, text('OPTIONS').replace(/^Call-ID:.*\r\n/m, ''))!), false);
  });

  it("sees sip.js's dialogs and server transactions of a live call, and none once it ended", async () => {
    const b = await SipEndpoint.start({ transport: { protocol: 'udp' }, trunks: [], inbound: { allowAddresses: ['127.0.0.1'] }, media });
    const a = await SipEndpoint.start({ transport: { protocol: 'udp' }, trunks: [{ name: 'b', host: '127.0.0.1', port: b.port }], media });
    try {
      const incoming = once(b, 'incoming');
      const call = a.call('b', { digits: '1' }, { digits: '2' });
      call.invite();
      const [callee] = (await incoming) as [import('../../src/sip/sip-call.js').SipCall];
      const invite = (callee.session as unknown as { request: { viaBranch: string } }).request;
      const bUa = (b as unknown as { ua: UserAgent }).ua;
      assert.equal(hasServerTransaction(bUa, invite.viaBranch), true, 'the INVITE transaction is held while it rings');
      callee.answer();
      await once(call, 'answered');
      const d = (callee.session as unknown as { dialog: { callId: string; localTag: string; remoteTag: string } }).dialog;
      assert.equal(hasDialog(bUa, d.callId, d.localTag, d.remoteTag), true);
      assert.equal(hasDialog(bUa, d.callId, d.remoteTag, d.localTag), false, 'tags the other way round are another dialog');
      const ended = once(callee, 'released');
      call.release(16);
      await ended;
      assert.equal(hasDialog(bUa, d.callId, d.localTag, d.remoteTag), false);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('hands a request to the core, returning what sip.js throws instead of throwing it', async () => {
    const b = await SipEndpoint.start({ transport: { protocol: 'udp' }, trunks: [], media });
    try {
      const bUa = (b as unknown as { ua: UserAgent }).ua;
      // sip.js 0.21 throws on a PRACK outside a dialog (a method it allows but does not expect there).
      const error = deliverRequest(bUa, parseRequest(bUa, text('PRACK').replace(';tag=uri-param', ''))!);
      assert.ok(error instanceof Error, 'the throw came back as a value');
      assert.match(error.message, /PRACK/);
      assert.equal(deliverRequest(bUa, parseRequest(bUa, text('OPTIONS').replace(';tag=uri-param', ''))!), undefined, 'OPTIONS goes through');
    } finally {
      await b.stop();
    }
  });
});
