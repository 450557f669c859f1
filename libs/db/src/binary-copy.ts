/** Microseconds between the Unix epoch and PostgreSQL's (2000-01-01T00:00:00Z). */
const PG_EPOCH_MS = 946_684_800_000;
const SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00];

const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[97 + i] = HEX[65 + i] = 10 + i;

/**
 * Rows in PostgreSQL's binary COPY format (`COPY … FROM … WITH (FORMAT binary)`), written field by
 * field in the table's column order. Each value goes in as its bytes (a float8 as its 8 bytes, a
 * uuid as its 16), so the server reads it without parsing text: the same value the text forms
 * would give (a float4 from a double rounds to nearest, as `float8::real` does).
 */
export class BinaryCopyWriter {
  private view: DataView;
  private bytes: Uint8Array;
  private at = 0;

  constructor(expectedBytes = 1024) {
    this.bytes = new Uint8Array(Math.max(64, expectedBytes + SIGNATURE.length + 10));
    this.view = new DataView(this.bytes.buffer);
    this.bytes.set(SIGNATURE, 0);
    this.at = SIGNATURE.length;
    this.int32(0); // flags
    this.int32(0); // header extension length
  }

  private room(n: number) {
    if (this.at + n <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.at + n));
    grown.set(this.bytes.subarray(0, this.at));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  private int32(v: number) {
    this.room(4);
    this.view.setInt32(this.at, v);
    this.at += 4;
  }

  /** Starts a row of `fields` values. */
  row(fields: number): this {
    this.room(2);
    this.view.setInt16(this.at, fields);
    this.at += 2;
    return this;
  }

  null(): this {
    this.int32(-1);
    return this;
  }

  /** A uuid in its text form (`8-4-4-4-12` hex digits, either case). */
  uuid(text: string): this {
    if (text.length !== 36) throw new Error(`not a uuid: ${text}`);
    this.int32(16);
    this.room(16);
    let k = 0;
    for (let i = 0; i < 36; i++) {
      const c = text.charCodeAt(i);
      if (c === 45 /* - */) continue;
      const hi = HEX[c] ?? -1;
      const lo = HEX[text.charCodeAt(++i)] ?? -1;
      if (hi < 0 || lo < 0) throw new Error(`not a uuid: ${text}`);
      this.bytes[this.at + k++] = (hi << 4) | lo;
    }
    if (k !== 16) throw new Error(`not a uuid: ${text}`);
    this.at += 16;
    return this;
  }

  /** A timestamptz from milliseconds since the Unix epoch (integer). */
  timestampMs(ms: number): this {
    if (!Number.isSafeInteger(ms)) throw new Error(`not a whole millisecond: ${ms}`);
    this.int32(8);
    this.room(8);
    this.view.setBigInt64(this.at, BigInt(ms - PG_EPOCH_MS) * 1000n);
    this.at += 8;
    return this;
  }

  float8(v: number): this {
    this.int32(8);
    this.room(8);
    this.view.setFloat64(this.at, v);
    this.at += 8;
    return this;
  }

  /** A real, or null. */
  float4(v: number | null): this {
    if (v === null) return this.null();
    this.int32(4);
    this.room(4);
    this.view.setFloat32(this.at, v);
    this.at += 4;
    return this;
  }

  int2(v: number): this {
    this.int32(2);
    this.room(2);
    this.view.setInt16(this.at, v);
    this.at += 2;
    return this;
  }

  /** The COPY data, with its trailer. The writer is spent. */
  finish(): Uint8Array {
    this.room(2);
    this.view.setInt16(this.at, -1);
    this.at += 2;
    return this.bytes.subarray(0, this.at);
  }
}
