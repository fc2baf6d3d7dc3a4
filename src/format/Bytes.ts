/**
 * Little-endian byte writer and reader used by every codec in the format
 * layer (segment header, record framing, LW1 payloads, the store codec).
 * No I/O. Both are plain synchronous classes: the hot paths (encode, CRC,
 * decode) run without Effect allocations, and failures are thrown as
 * {@link CodecFailure}, which the layer above turns into a `WalError`.
 *
 * lora-wal conventions (spec §0): little-endian everywhere, no varints, no
 * padding; every count and byte length is a u64 (`len`); strings are `len` +
 * UTF-8 bytes.
 *
 * @module
 */

/** Why a codec stopped: becomes `WalError.Encode(reason)` / `WalError.Decode(reason)`. */
export class CodecFailure extends Error {
  constructor(
    readonly kind: "Encode" | "Decode",
    readonly reason: string
  ) {
    super(reason)
    this.name = "CodecFailure"
  }
}

/** Throws a decode failure with `reason` (spec §4.10 wording). */
export const decodeFailure = (reason: string): never => {
  throw new CodecFailure("Decode", reason)
}

/** Throws an encode failure with `reason`. */
export const encodeFailure = (reason: string): never => {
  throw new CodecFailure("Encode", reason)
}

const textEncoder = new TextEncoder()
const U64_MAX = 0xffff_ffff_ffff_ffffn

/**
 * A growable little-endian buffer. `length` is the number of bytes written;
 * `bytes()` returns a view of them (no copy). `truncate(n)` rolls back to an
 * earlier length, which is how a failed record encode leaves nothing behind.
 */
export class ByteWriter {
  buf: Uint8Array
  view: DataView
  length = 0

  constructor(initialCapacity = 4096) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity))
    this.view = new DataView(this.buf.buffer)
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.length + n
    if (need <= this.buf.length) return
    let cap = this.buf.length * 2
    while (cap < need) cap *= 2
    const next = new Uint8Array(cap)
    next.set(this.buf.subarray(0, this.length))
    this.buf = next
    this.view = new DataView(next.buffer)
  }

  /** The written bytes, as a view into the internal buffer (valid until the next write). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length)
  }

  /** A copy of the written bytes. */
  toUint8Array(): Uint8Array {
    return this.buf.slice(0, this.length)
  }

  /** Drops everything after the first `n` bytes. */
  truncate(n: number): void {
    this.length = n
  }

  /** Empties the writer, keeping its capacity (or shrinking it back when it grew past `keepCapacity`). */
  reset(keepCapacity = 1 << 20): void {
    this.length = 0
    if (this.buf.length > keepCapacity) {
      this.buf = new Uint8Array(keepCapacity)
      this.view = new DataView(this.buf.buffer)
    }
  }

  u8(v: number): void {
    this.ensure(1)
    this.buf[this.length++] = v
  }

  u16(v: number): void {
    this.ensure(2)
    this.view.setUint16(this.length, v, true)
    this.length += 2
  }

  i16(v: number): void {
    this.ensure(2)
    this.view.setInt16(this.length, v, true)
    this.length += 2
  }

  u32(v: number): void {
    this.ensure(4)
    this.view.setUint32(this.length, v, true)
    this.length += 4
  }

  i32(v: number): void {
    this.ensure(4)
    this.view.setInt32(this.length, v, true)
    this.length += 4
  }

  u64(v: bigint): void {
    this.ensure(8)
    this.view.setBigUint64(this.length, v, true)
    this.length += 8
  }

  i64(v: bigint): void {
    this.ensure(8)
    this.view.setBigInt64(this.length, v, true)
    this.length += 8
  }

  /** A `len` (u64) from a JS number count; counts here are always < 2^53. */
  len(n: number): void {
    this.ensure(8)
    this.view.setUint32(this.length, n >>> 0, true)
    this.view.setUint32(this.length + 4, Math.floor(n / 0x1_0000_0000), true)
    this.length += 8
  }

  f64(v: number): void {
    this.ensure(8)
    this.view.setFloat64(this.length, v, true)
    this.length += 8
  }

  f32(v: number): void {
    this.ensure(4)
    this.view.setFloat32(this.length, v, true)
    this.length += 4
  }

  /** Raw bytes, no length prefix. */
  raw(b: Uint8Array): void {
    this.ensure(b.length)
    this.buf.set(b, this.length)
    this.length += b.length
  }

  /** `bytes`: `len` + raw bytes. */
  lenBytes(b: Uint8Array): void {
    this.len(b.length)
    this.raw(b)
  }

  /**
   * `str`: `len` (UTF-8 byte count) + UTF-8 bytes. The caller guarantees a
   * well-formed string (lone surrogates would be replaced by U+FFFD).
   */
  str(s: string): void {
    this.strChecked(s)
  }

  /**
   * Like {@link str} but refuses a string that is not well-formed UTF-16 (a
   * lone surrogate would silently become U+FFFD): returns false and writes
   * nothing. ASCII strings (the common case) are copied in one pass, which is
   * also their well-formedness check.
   */
  strChecked(s: string): boolean {
    const n = s.length
    if (n < 64) {
      // One pass: copy while the string is ASCII; fall back at the first other unit.
      this.ensure(8 + n)
      const b = this.buf
      const start = this.length + 8
      let i = 0
      for (; i < n; i++) {
        const c = s.charCodeAt(i)
        if (c > 0x7f) break
        b[start + i] = c
      }
      if (i === n) {
        this.len(n)
        this.length += n
        return true
      }
    }
    if (!s.isWellFormed()) return false
    // Reserve the worst case (3 bytes per UTF-16 unit), encode in place, then patch the length.
    this.ensure(8 + n * 3)
    const at = this.length
    this.length += 8
    const { written } = textEncoder.encodeInto(s, this.buf.subarray(this.length))
    this.length += written
    this.view.setUint32(at, written >>> 0, true)
    this.view.setUint32(at + 4, Math.floor(written / 0x1_0000_0000), true)
    return true
  }

  /** Overwrites a u32 at `pos` (used to back-patch record lengths). */
  patchU32(pos: number, v: number): void {
    this.view.setUint32(pos, v, true)
  }
}

/** The wording a codec uses for the reader's generic failures (spec §4.10 vs the store codec). */
export interface ReaderMessages {
  readonly truncated: string
  readonly overflow: string
  readonly countExceeds: (label: string, n: bigint) => string
  readonly invalidUtf8: (detail: string) => string
}

/** LW1 payload wording (spec §4.10). */
export const LW1_MESSAGES: ReaderMessages = {
  truncated: "truncated WAL mutation payload",
  overflow: "WAL mutation payload offset overflow",
  countExceeds: (label, n) => `${label} count ${n} exceeds remaining WAL payload`,
  invalidUtf8: (detail) => `invalid UTF-8 in WAL payload: ${detail}`
}

/** lora-store codec wording (spec §4.9/§4.10). */
export const STORE_MESSAGES: ReaderMessages = {
  truncated: "truncated input",
  overflow: "offset overflow",
  countExceeds: (label, n) => `${label} count ${n} exceeds remaining input`,
  invalidUtf8: (detail) => `invalid UTF-8 string: ${detail}`
}

const utf8Decoder = new TextDecoder("utf-8", { fatal: true })

type Latin1Slicer = { latin1Slice?: (start: number, end: number) => string }
/** `buf[start, end)` as latin1 (Node's native slice; `toString("latin1")` where that is missing). */
const latin1 = (buf: Buffer, start: number, end: number): string => {
  const slice = (buf as unknown as Latin1Slicer).latin1Slice
  return slice !== undefined ? slice.call(buf, start, end) : buf.toString("latin1", start, end)
}

/**
 * Rust's `Utf8Error` detail for `b[start, end)`: `invalid utf-8 sequence of
 * <n> bytes from index <i>` or `incomplete utf-8 byte sequence from index <i>`,
 * or `undefined` when the bytes are valid UTF-8.
 */
export const utf8ErrorDetail = (b: Uint8Array, start: number, end: number): string | undefined => {
  let i = start
  while (i < end) {
    const c = b[i]!
    if (c < 0x80) {
      i++
      continue
    }
    const at = i - start
    let need: number
    let lo = 0x80
    let hi = 0xbf
    if (c >= 0xc2 && c <= 0xdf) need = 1
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2
      if (c === 0xe0) lo = 0xa0
      else if (c === 0xed) hi = 0x9f
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3
      if (c === 0xf0) lo = 0x90
      else if (c === 0xf4) hi = 0x8f
    } else return `invalid utf-8 sequence of 1 bytes from index ${at}`
    // Continuation bytes: the first has the special range, the rest 80..BF.
    for (let k = 1; k <= need; k++) {
      if (i + k >= end) return `incomplete utf-8 byte sequence from index ${at}`
      const cc = b[i + k]!
      const okLo = k === 1 ? lo : 0x80
      const okHi = k === 1 ? hi : 0xbf
      if (cc < okLo || cc > okHi) return `invalid utf-8 sequence of ${k} bytes from index ${at}`
    }
    i += need + 1
  }
  return undefined
}

/**
 * A bounds-checked little-endian reader over `bytes[pos, end)`. Every read
 * past `end` throws `CodecFailure("Decode", messages.truncated)`.
 * `origin` is the offset that payload offsets are counted from (for the
 * overflow check of spec §4.10: the first byte after the LW1 magic).
 */
export class ByteReader {
  readonly view: DataView
  pos: number

  constructor(
    readonly bytes: Uint8Array,
    readonly messages: ReaderMessages,
    pos = 0,
    readonly end = bytes.length,
    readonly origin = pos
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    this.pos = pos
  }

  get remaining(): number {
    return this.end - this.pos
  }

  private need(n: number): number {
    const p = this.pos
    if (this.end - p < n) decodeFailure(this.messages.truncated)
    this.pos = p + n
    return p
  }

  u8(): number {
    return this.bytes[this.need(1)]!
  }

  u16(): number {
    return this.view.getUint16(this.need(2), true)
  }

  i16(): number {
    return this.view.getInt16(this.need(2), true)
  }

  u32(): number {
    return this.view.getUint32(this.need(4), true)
  }

  i32(): number {
    return this.view.getInt32(this.need(4), true)
  }

  u64(): bigint {
    return this.view.getBigUint64(this.need(8), true)
  }

  i64(): bigint {
    return this.view.getBigInt64(this.need(8), true)
  }

  f64(): number {
    return this.view.getFloat64(this.need(8), true)
  }

  /** The raw bits of an f64 (to keep NaN payloads). */
  f64Bits(): bigint {
    return this.view.getBigUint64(this.need(8), true)
  }

  f32(): number {
    return this.view.getFloat32(this.need(4), true)
  }

  /**
   * A byte length for a `bytes`/`str` body: fails with the overflow message
   * when offset + length passes 2^64 − 1, and with the truncated message when
   * it passes the end of input. Returns the length as a number.
   */
  bodyLength(): number {
    const p = this.need(8)
    const lo = this.view.getUint32(p, true)
    const hi = this.view.getUint32(p + 4, true)
    // Fast path (every real length): the high word is 0, so neither overflow nor a huge value is possible.
    if (hi === 0) {
      if (lo > this.end - this.pos) decodeFailure(this.messages.truncated)
      return lo
    }
    const n = (BigInt(hi) << 32n) | BigInt(lo)
    const offset = BigInt(this.pos - this.origin)
    if (offset + n > U64_MAX) decodeFailure(this.messages.overflow)
    return decodeFailure(this.messages.truncated)
  }

  /**
   * A bounded element count (spec §4.10): fails with
   * `<label> count <n> exceeds remaining …` when n is larger than the number
   * of unread bytes.
   */
  count(label: string): number {
    const p = this.need(8)
    const lo = this.view.getUint32(p, true)
    const hi = this.view.getUint32(p + 4, true)
    if (hi === 0 && lo <= this.end - this.pos) return lo
    return decodeFailure(this.messages.countExceeds(label, (BigInt(hi) << 32n) | BigInt(lo)))
  }

  /** `bytes`: a view (no copy) of the next `len`-prefixed body. */
  lenBytes(): Uint8Array {
    const n = this.bodyLength()
    const p = this.pos
    this.pos = p + n
    return this.bytes.subarray(p, p + n)
  }

  /** `str`: a `len`-prefixed UTF-8 string, validated with Rust's error wording. */
  str(): string {
    const n = this.bodyLength()
    const p = this.pos
    this.pos = p + n
    const b = this.bytes
    const end = p + n
    // ASCII fast paths (keys, labels, most values): a tiny string is built by hand, a longer one
    // is checked for ASCII and then sliced natively (latin1 = ASCII for bytes ≤ 0x7f).
    if (n <= 8) {
      let s = ""
      for (let i = p; i < end; i++) {
        const c = b[i]!
        if (c > 0x7f) return this.utf8(p, end)
        s += String.fromCharCode(c)
      }
      return s
    }
    if (n < 256) {
      for (let i = p; i < end; i++) if (b[i]! > 0x7f) return this.utf8(p, end)
      return latin1(this.buffer(), p, end)
    }
    return this.utf8(p, end)
  }

  private buf: Buffer | undefined = undefined
  private buffer(): Buffer {
    return (this.buf ??= Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength))
  }

  /** Strict UTF-8 decode of `bytes[p, end)` with Rust's error wording. */
  private utf8(p: number, end: number): string {
    const b = this.bytes
    try {
      return utf8Decoder.decode(b.subarray(p, end))
    } catch {
      return decodeFailure(
        this.messages.invalidUtf8(utf8ErrorDetail(b, p, end) ?? `invalid utf-8 sequence of 1 bytes from index 0`)
      )
    }
  }
}
