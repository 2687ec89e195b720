// A multipart/related body (RFC 2046) read as it arrives, part by part: a series' pixel data
// comes as one answer of a hundred megabytes, and each frame is wanted as soon as it is in.
// A part that names its Content-Length is copied out as it comes, without searching its bytes
// for the boundary; one that does not is searched (other archives).
import i18n from '../i18n';

export interface StreamPart {
  headers: Record<string, string>; // names in lower case
  bytes: Uint8Array;
}

const CR = 13;
const LF = 10;
const DASH = 45;
const encoder = new TextEncoder();
const decoder = new TextDecoder('latin1');

// The boundary parameter of a multipart Content-Type, or null.
export function boundaryOf(contentType: string | null): string | null {
  if (!/^multipart\//i.test(contentType ?? '')) return null;
  return /boundary\s*=\s*"?([^";]+)"?/i.exec(contentType!)?.[1]?.trim() || null;
}

// Where `token` starts in `data` at or after `from`, or -1 (the first byte found natively).
export function findBytes(data: Uint8Array, token: Uint8Array, from = 0): number {
  const last = data.length - token.length;
  for (let i = data.indexOf(token[0], from); i !== -1 && i <= last; i = data.indexOf(token[0], i + 1)) {
    let j = 1;
    while (j < token.length && data[i + j] === token[j]) j++;
    if (j === token.length) return i;
  }
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

type State = 'preamble' | 'headers' | 'body' | 'search' | 'delimiter' | 'done';

export class MultipartStream {
  private readonly dashBoundary: Uint8Array; // "--" boundary
  private readonly delimiter: Uint8Array; // CRLF "--" boundary
  private state: State = 'preamble';
  private carry = new Uint8Array(0); // undecided bytes from the last piece
  private searchedTo = 0; // of carry, while searching a part's bytes for the delimiter
  private headers: Record<string, string> = {};
  private body: Uint8Array = new Uint8Array(0);
  private filled = 0;
  private held = false; // a part read whole, given out when the delimiter after it is seen

  // `allocate`: where a part with a Content-Length is copied to (shared memory, for the viewer).
  constructor(boundary: string, private readonly allocate: (n: number) => Uint8Array = (n) => new Uint8Array(n)) {
    this.dashBoundary = encoder.encode(`--${boundary}`);
    this.delimiter = encoder.encode(`\r\n--${boundary}`);
  }

  // Whether the closing delimiter has been read.
  get done(): boolean {
    return this.state === 'done';
  }

  // The parts completed by this piece of the body. Throws on a body that is not multipart.
  push(piece: Uint8Array): StreamPart[] {
    const parts: StreamPart[] = [];
    const data = concat(this.carry, piece);
    this.carry = new Uint8Array(0);
    let pos = 0;
    const keep = (from: number) => {
      this.carry = data.slice(from);
    };
    while (pos < data.length && this.state !== 'done') {
      if (this.state === 'body') {
        const take = Math.min(this.body.length - this.filled, data.length - pos);
        this.body.set(data.subarray(pos, pos + take), this.filled);
        this.filled += take;
        pos += take;
        if (this.filled < this.body.length) break;
        this.state = 'delimiter'; // given out once the delimiter shows it ends where it said
        continue;
      }
      if (this.state === 'preamble') {
        const at = findBytes(data, this.dashBoundary, pos);
        if (at < 0) {
          keep(Math.max(pos, data.length - this.dashBoundary.length));
          break;
        }
        const next = this.afterDelimiter(data, at + this.dashBoundary.length);
        if (next === null) {
          keep(at);
          break;
        }
        pos = next;
        continue;
      }
      if (this.state === 'delimiter') {
        if (data.length - pos < this.delimiter.length) {
          keep(pos);
          break;
        }
        for (let j = 0; j < this.delimiter.length; j++)
          if (data[pos + j] !== this.delimiter[j]) throw new Error(i18n.t('viewer.image.partTooLong'));
        if (this.held) parts.push({ headers: this.headers, bytes: this.body });
        this.held = false;
        const next = this.afterDelimiter(data, pos + this.delimiter.length);
        if (next === null) {
          keep(pos);
          break;
        }
        pos = next;
        continue;
      }
      if (this.state === 'headers') {
        const end = findBytes(data, encoder.encode('\r\n\r\n'), pos);
        const blank = data[pos] === CR && data[pos + 1] === LF; // a part with no headers
        if (end < 0 && !blank) {
          if (data.length - pos > 16384) throw new Error(i18n.t('viewer.image.headersTooLong'));
          keep(pos);
          break;
        }
        this.headers = blank ? {} : parseHeaders(decoder.decode(data.subarray(pos, end)));
        pos = blank ? pos + 2 : end + 4;
        const length = Number(this.headers['content-length']);
        if (this.headers['content-length'] !== undefined && Number.isSafeInteger(length) && length >= 0) {
          this.body = this.allocate(length);
          this.filled = 0;
          this.held = true;
          this.state = length === 0 ? 'delimiter' : 'body';
        } else {
          this.state = 'search';
          this.searchedTo = 0;
        }
        continue;
      }
      // search: the part's bytes run from `pos` to the next delimiter (what was searched
      // before is not searched again)
      const at = findBytes(data, this.delimiter, pos + this.searchedTo);
      if (at < 0) {
        this.searchedTo = Math.max(0, data.length - pos - this.delimiter.length + 1);
        keep(pos);
        break;
      }
      this.body = data.slice(pos, at);
      this.held = true;
      pos = at;
      this.state = 'delimiter';
    }
    return parts;
  }

  // After a delimiter at `at`: "--" closes the body; otherwise optional padding and CRLF lead
  // to the next part's headers. The position after it, or null when more bytes are needed.
  private afterDelimiter(data: Uint8Array, at: number): number | null {
    if (data.length - at < 2) return null;
    if (data[at] === DASH && data[at + 1] === DASH) {
      this.state = 'done';
      return data.length;
    }
    const eol = findBytes(data, encoder.encode('\r\n'), at);
    if (eol < 0) return null;
    this.state = 'headers';
    return eol + 2;
  }
}

function parseHeaders(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) out[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return out;
}
