/**
 * The 32-byte segment header (lora-wal 0.15, spec §2.1). No I/O.
 *
 * ```
 * off size field           encoding
 *   0    8 magic           "LORAWAL\0" = 4C 4F 52 41 57 41 4C 00
 *   8    4 format_version  u32 LE, writers emit 1
 *  12    8 base_lsn        u64 LE, the first LSN the segment may hold
 *  20    4 flags           u32 LE, bit 0 = sealed; writers emit 0 or 1
 *  24    4 reserved        zeros on write, not checked on read
 *  28    4 header_crc      CRC-32 of bytes [0, 28)
 * ```
 *
 * Decoding checks, in this order (the reference's order, so error identity
 * matches): length ≥ 32 → magic → CRC → version (1 ..= 1). Other flag bits and
 * the reserved bytes are ignored but covered by the CRC. A bad header is never
 * a torn tail: it aborts replay.
 *
 * @module
 */
import { Effect, Schema, SchemaIssue, SchemaTransformation } from "effect"
import { type Lsn, Lsn as LsnSchema } from "../Lsn.js"
import { BadSegmentHeader, Truncated } from "../WalError.js"
import { crc32 } from "./Crc32.js"

/** Header size in bytes; records start at this offset. */
export const SEGMENT_HEADER_SIZE = 32
/** The magic bytes `LORAWAL\0`. */
export const SEGMENT_MAGIC: Uint8Array = new Uint8Array([0x4c, 0x4f, 0x52, 0x41, 0x57, 0x41, 0x4c, 0x00])
/** The format version writers emit, and the only one readers accept. */
export const FORMAT_VERSION = 1
/** Flag bit 0: the segment is sealed (no more appends). */
export const FLAG_SEALED = 1

/** A decoded segment header. */
export class SegmentHeader extends Schema.Class<SegmentHeader>("SegmentHeader")({
  formatVersion: Schema.Number,
  baseLsn: LsnSchema,
  /** Raw flags word (u32); bit 0 is `sealed`. */
  flags: Schema.Number,
  /** The 4 reserved bytes as read (zeros when written by lora-wal or effect-wal). */
  reserved: Schema.Uint8Array,
  /** The stored header CRC (u32). */
  crc: Schema.Number
}) {
  /** True when flag bit 0 is set. */
  get sealed(): boolean {
    return (this.flags & FLAG_SEALED) !== 0
  }
}

/**
 * Encodes a header with `flags` = 0 or 1 and zero reserved bytes.
 * `baseLsn` is a u64 LSN. Returns 32 bytes.
 */
export const encodeSegmentHeader = (baseLsn: Lsn, sealed: boolean): Uint8Array => {
  const b = new Uint8Array(SEGMENT_HEADER_SIZE)
  const v = new DataView(b.buffer)
  b.set(SEGMENT_MAGIC, 0)
  v.setUint32(8, FORMAT_VERSION, true)
  v.setBigUint64(12, baseLsn, true)
  v.setUint32(20, sealed ? FLAG_SEALED : 0, true)
  v.setUint32(28, crc32(b, 0, 28), true)
  return b
}

/**
 * Decodes the first 32 bytes of `bytes`. Fails with `Truncated { expected: 32,
 * actual }` when fewer than 32 bytes are given (the file reader reports a
 * short file as `Io("failed to fill whole buffer")` instead, as lora-wal does),
 * `BadSegmentHeader("bad magic")`, `BadSegmentHeader("header crc mismatch")`
 * or `BadSegmentHeader("unsupported format version")`, in that order.
 */
export const decodeSegmentHeader = (bytes: Uint8Array): SegmentHeader | BadSegmentHeader | Truncated => {
  if (bytes.length < SEGMENT_HEADER_SIZE) return new Truncated({ expected: SEGMENT_HEADER_SIZE, actual: bytes.length })
  for (let i = 0; i < 8; i++) {
    if (bytes[i] !== SEGMENT_MAGIC[i]) return new BadSegmentHeader({ reason: "bad magic" })
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, SEGMENT_HEADER_SIZE)
  const stored = v.getUint32(28, true)
  if (stored !== crc32(bytes, 0, 28)) return new BadSegmentHeader({ reason: "header crc mismatch" })
  const formatVersion = v.getUint32(8, true)
  if (formatVersion < FORMAT_VERSION || formatVersion > FORMAT_VERSION) {
    return new BadSegmentHeader({ reason: "unsupported format version" })
  }
  return new SegmentHeader({
    formatVersion,
    baseLsn: v.getBigUint64(12, true) as Lsn,
    flags: v.getUint32(20, true),
    reserved: bytes.slice(24, 28),
    crc: stored
  })
}

/**
 * Schema transformation: 32 bytes ↔ {@link SegmentHeader}. Decoding applies
 * {@link decodeSegmentHeader}'s checks (the issue message is the `WalError`
 * text); encoding writes flags and reserved bytes as given and recomputes the
 * CRC.
 */
export const SegmentHeaderFromBytes = Schema.Uint8Array.pipe(
  Schema.decodeTo(
    SegmentHeader,
    SchemaTransformation.transformEffect({
      decode: (bytes: Uint8Array) => {
        const h = decodeSegmentHeader(bytes)
        return h instanceof SegmentHeader
          ? Effect.succeed({
            formatVersion: h.formatVersion,
            baseLsn: h.baseLsn as bigint,
            flags: h.flags,
            reserved: h.reserved,
            crc: h.crc
          })
          : Effect.fail(new SchemaIssue.InvalidValue({ message: h.message }, bytes))
      },
      encode: (h: typeof SegmentHeader.Encoded) =>
        Effect.sync(() => {
          const b = new Uint8Array(SEGMENT_HEADER_SIZE)
          const v = new DataView(b.buffer)
          b.set(SEGMENT_MAGIC, 0)
          v.setUint32(8, h.formatVersion, true)
          v.setBigUint64(12, h.baseLsn, true)
          v.setUint32(20, h.flags, true)
          b.set(h.reserved.subarray(0, 4), 24)
          v.setUint32(28, crc32(b, 0, 28), true)
          return b
        })
    })
  )
)
