// Our Contact names the transport a message leaves over (RFC 3261 §8.1.1.8,
// §26.2): the rewrite each listening transport applies to what sip.js wrote.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { contactForTransport } from '../../src/sip/node-transport.js';

const ours = { user: 'sipline', host: '127.0.0.1', port: 5061, protocol: 'tls' as const };
const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
const param = fc.tuple(token, fc.option(token, { nil: undefined })).filter(([k]) => k !== 'transport').map(([k, v]) => (v === undefined ? `;${k}` : `;${k}=${v}`));

describe('Contact for the transport used', () => {
  it('writes our port and ;transport=tls right after the host, keeping the other parameters', () => {
    assert.equal(contactForTransport('<sip:sipline@127.0.0.1:5060;transport=udp;ob>', ours), '<sip:sipline@127.0.0.1:5061;transport=tls;ob>');
    assert.equal(contactForTransport('"Gw" <sip:sipline@[::1];transport=udp>;expires=60', { ...ours, host: '::1', protocol: 'tcp' }), '"Gw" <sip:sipline@[::1]:5061;transport=tcp>;expires=60');
  });

  it("leaves another party's Contact alone", () => {
    assert.equal(contactForTransport('<sip:alice@127.0.0.1:5060;transport=udp>', ours), '<sip:alice@127.0.0.1:5060;transport=udp>');
    assert.equal(contactForTransport('<sip:sipline@192.0.2.1:5060>', ours), '<sip:sipline@192.0.2.1:5060>');
    assert.equal(contactForTransport('*', ours), '*');
  });

  it('our Contact with any parameters: exactly one transport parameter, ours, and the rest kept in order (property)', () => {
    fc.assert(
      fc.property(fc.array(param, { maxLength: 4 }), fc.constantFrom('', ';transport=udp', ';transport=TCP'), fc.constantFrom('', ':5060', ':1'), fc.constantFrom('udp', 'tcp', 'tls'), (params, old, port, protocol) => {
        const out = contactForTransport(`<sip:sipline@127.0.0.1${port}${old}${params.join('')}>`, { ...ours, protocol });
        assert.equal(out, `<sip:sipline@127.0.0.1:5061;transport=${protocol}${params.join('')}>`);
        assert.equal(out.match(/;transport=/gi)?.length, 1);
      }),
    );
  });

  it('never throws on any header value, and changes only our own Contact (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (value) => {
        const out = contactForTransport(value, ours);
        if (out !== value) assert.match(out, /<sip:sipline@127\.0\.0\.1:5061;transport=tls/);
      }),
    );
  });
});
