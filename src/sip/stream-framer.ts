// Cuts a TCP or TLS byte stream into SIP messages (RFC 3261 §18.3): the
// header ends at the first empty line, the body is Content-Length bytes.
import { longHeaderName } from './sip-message.js';

/** Largest message we accept on a stream; longer means a broken or hostile peer. */
export const MAX_STREAM_MESSAGE = 65536;

export type FramerOutput = { message: string } | { error: string };

export class SipStreamFramer {
  private buffer: Buffer = Buffer.alloc(0);

  /** Adds bytes and returns every complete message (or one error, after which the stream should close). */
  push(chunk: Buffer): FramerOutput[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const out: FramerOutput[] = [];
    for (;;) {
      // RFC 5626 §3.5.1 keepalives: CRLF on their own between messages are skipped.
      let skip = 0;
      while (skip + 1 < this.buffer.length && this.buffer[skip] === 0x0d && this.buffer[skip + 1] === 0x0a) skip += 2;
      if (skip) this.buffer = this.buffer.subarray(skip);
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) {
        if (this.buffer.length > MAX_STREAM_MESSAGE) return [...out, this.fail(`no end of headers within ${MAX_STREAM_MESSAGE} bytes`)];
        return out;
      }
      const head = this.buffer.subarray(0, end).toString('utf8');
      let length: number | undefined;
      for (const line of head.split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon > 0 && longHeaderName(line.slice(0, colon)) === 'content-length') {
          const v = line.slice(colon + 1).trim();
          length = /^\d{1,6}$/.test(v) ? Number(v) : NaN;
        }
      }
      // RFC 3261 §18.3: "In the case of stream-oriented transports such as TCP,
      // the Content-Length header field indicates the size of the body ... MUST be used".
      if (length === undefined) return [...out, this.fail('message on a stream without Content-Length')];
      if (Number.isNaN(length) || end + 4 + length > MAX_STREAM_MESSAGE) return [...out, this.fail('bad or oversized Content-Length')];
      if (this.buffer.length < end + 4 + length) return out;
      out.push({ message: this.buffer.subarray(0, end + 4 + length).toString('utf8') });
      this.buffer = this.buffer.subarray(end + 4 + length);
    }
  }

  private fail(error: string): FramerOutput {
    this.buffer = Buffer.alloc(0);
    return { error };
  }
}
