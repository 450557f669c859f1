/**
 * Minimal protobuf wire-format reader for the OSM PBF schema: just varints, zigzag, packed
 * fields and length-delimited sub-messages. Numbers stay JavaScript doubles, exact up to 2^53,
 * which covers OSM ids and nano-degree offsets.
 */
export class ProtobufReader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  varint(): number {
    const b = this.buf;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new RangeError('protobuf: truncated varint');
      const byte = b[this.pos++];
      result += (byte & 0x7f) * mul;
      if (byte < 0x80) return result;
      mul *= 128;
    }
    throw new RangeError('protobuf: varint too long');
  }

  /** Interprets a varint as int64 two's complement (negative values use 10 bytes). */
  int64(): number {
    const v = this.varint();
    return v >= 2 ** 63 ? v - 2 ** 64 : v;
  }

  sint(): number {
    const v = this.varint();
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }

  /** Returns [start, end) of a length-delimited field. */
  bytes(): [number, number] {
    const len = this.varint();
    const start = this.pos;
    this.pos += len;
    if (this.pos > this.end)
      throw new RangeError('protobuf: length-delimited field runs past its message');
    return [start, this.pos];
  }

  string(): string {
    const [s, e] = this.bytes();
    return utf8.decode(this.buf.subarray(s, e));
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        return;
      case 2:
        this.bytes();
        return;
      case 5:
        this.pos += 4;
        return;
      default:
        throw new RangeError(`protobuf: unsupported wire type ${wireType}`);
    }
  }

  /** Reads a packed repeated varint field, applying `map` to each value. */
  packed(read: (r: ProtobufReader) => number, out: number[]): void {
    const [s, e] = this.bytes();
    const sub = new ProtobufReader(this.buf, s, e);
    while (sub.pos < e) out.push(read(sub));
  }
}

const utf8 = new TextDecoder('utf-8');

export const readVarint = (r: ProtobufReader): number => r.varint();
export const readSint = (r: ProtobufReader): number => r.sint();
