/**
 * Record framing (lora-wal 0.15, spec §3). No I/O.
 *
 * ```
 * off        size        field
 *   0           4        length   u32 LE: the whole record, prefix and CRC included
 *   4           1        kind     u8: 1 Mutation, 2 TxBegin, 3 TxCommit, 4 TxAbort, 5 Checkpoint, 6 MutationBatch
 *   5           8        lsn      u64 LE
 *  13           8        slot     u64 LE: TxBegin LSN of the owning transaction
 *                                 (Checkpoint: the snapshot LSN; TxBegin: 0, ignored on decode)
 *  21  length − 25       payload  event codec bytes (kinds 1 and 6), empty for markers
 *  length − 4   4        crc      CRC-32 of bytes [0, length − 4)
 * ```
 *
 * Limits: 25 ≤ length ≤ 268,435,456 (256 MiB, framing included).
 *
 * Decoding is split in two so replay can stream: {@link decodeFrame} checks
 * the framing (steps 1–8 of spec §3.3: length bounds before the body is
 * needed, kind before CRC, empty marker payloads) and {@link decodeRecord}
 * decodes the payload with the log's {@link EventCodec} (step 9).
 *
 * @module
 */
import { Schema } from "effect"
import type { EventCodec } from "../EventCodec.js"
import { type Lsn, Lsn as LsnSchema } from "../Lsn.js"
import { CrcMismatch, Decode, Encode, Truncated, UnknownKind, type WalError } from "../WalError.js"
import { type ByteWriter, CodecFailure } from "./Bytes.js"
import { crc32 } from "./Crc32.js"

/** Bytes before the payload: length (4) + kind (1) + lsn (8) + slot (8). */
export const RECORD_PREFIX = 21
/** The CRC trailer. */
export const RECORD_TRAILER = 4
/** The smallest record: a marker with an empty payload. */
export const MIN_RECORD_LEN = 25
/** The largest record, framing included: 256 MiB. */
export const MAX_RECORD_LEN = 268_435_456

/** Record kind bytes (stable numbering). */
export const RecordKind = {
  Mutation: 1,
  TxBegin: 2,
  TxCommit: 3,
  TxAbort: 4,
  Checkpoint: 5,
  MutationBatch: 6
} as const
export type RecordKind = (typeof RecordKind)[keyof typeof RecordKind]
/** Kind names by byte value. */
export const RECORD_KIND_NAMES = ["", "Mutation", "TxBegin", "TxCommit", "TxAbort", "Checkpoint", "MutationBatch"] as const
export type RecordKindName = "Mutation" | "TxBegin" | "TxCommit" | "TxAbort" | "Checkpoint" | "MutationBatch"

// ---------------------------------------------------------------------------
// Schemas

const TxBegin = Schema.TaggedStruct("TxBegin", { lsn: LsnSchema })
const TxCommit = Schema.TaggedStruct("TxCommit", { lsn: LsnSchema, txBeginLsn: LsnSchema })
const TxAbort = Schema.TaggedStruct("TxAbort", { lsn: LsnSchema, txBeginLsn: LsnSchema })
const Checkpoint = Schema.TaggedStruct("Checkpoint", { lsn: LsnSchema, snapshotLsn: LsnSchema })

/**
 * The Schema of a decoded record for events described by `event`: a tagged
 * union of the six kinds. `Mutation` carries one event, `MutationBatch` an
 * ordered list, the markers none.
 */
export const makeWalRecordSchema = <S extends Schema.Top>(event: S) =>
  Schema.Union([
    Schema.TaggedStruct("Mutation", { lsn: LsnSchema, txBeginLsn: LsnSchema, event }),
    TxBegin,
    TxCommit,
    TxAbort,
    Checkpoint,
    Schema.TaggedStruct("MutationBatch", { lsn: LsnSchema, txBeginLsn: LsnSchema, events: Schema.Array(event) })
  ])

/** A decoded record carrying events of type `E`. */
export type WalRecord<E> =
  | { readonly _tag: "Mutation"; readonly lsn: Lsn; readonly txBeginLsn: Lsn; readonly event: E }
  | { readonly _tag: "TxBegin"; readonly lsn: Lsn }
  | { readonly _tag: "TxCommit"; readonly lsn: Lsn; readonly txBeginLsn: Lsn }
  | { readonly _tag: "TxAbort"; readonly lsn: Lsn; readonly txBeginLsn: Lsn }
  | { readonly _tag: "Checkpoint"; readonly lsn: Lsn; readonly snapshotLsn: Lsn }
  | { readonly _tag: "MutationBatch"; readonly lsn: Lsn; readonly txBeginLsn: Lsn; readonly events: ReadonlyArray<E> }

// ---------------------------------------------------------------------------
// Encoding

const U64_MAX = 0xffff_ffff_ffff_ffffn

const begin = (w: ByteWriter, kind: number, lsn: bigint, slot: bigint): number => {
  const start = w.length
  w.ensure(RECORD_PREFIX)
  w.length += 4 // length, patched in finish()
  w.buf[w.length++] = kind
  w.view.setBigUint64(w.length, lsn, true)
  w.view.setBigUint64(w.length + 8, slot, true)
  w.length += 16
  return start
}

const finish = (w: ByteWriter, start: number): number => {
  const total = w.length - start + RECORD_TRAILER
  if (total > MAX_RECORD_LEN) {
    w.truncate(start)
    throw new CodecFailure("Encode", `record length ${total} exceeds maximum ${MAX_RECORD_LEN}`)
  }
  w.patchU32(start, total)
  const crc = crc32(w.buf, start, w.length)
  w.u32(crc)
  return total
}

const checkU64 = (n: bigint, what: string): void => {
  if (typeof n !== "bigint" || n < 0n || n > U64_MAX) throw new CodecFailure("Encode", `${what} is not a u64: ${String(n)}`)
}

/**
 * Appends a marker record (TxBegin, TxCommit, TxAbort, Checkpoint: empty
 * payload) to `w`. Returns the record length (25). Throws
 * `CodecFailure("Encode")` for a non-u64 LSN or slot.
 */
export const writeMarker = (w: ByteWriter, kind: 2 | 3 | 4 | 5, lsn: bigint, slot: bigint): number => {
  checkU64(lsn, "lsn")
  checkU64(slot, "slot")
  return finish(w, begin(w, kind, lsn, slot))
}

/**
 * Appends a Mutation record (kind 1) holding `event`. On any failure `w` is
 * left as it was and `CodecFailure("Encode")` is thrown (e.g.
 * `record length <n> exceeds maximum 268435456`).
 */
export const writeMutation = <E>(w: ByteWriter, codec: EventCodec<E>, lsn: bigint, txBeginLsn: bigint, event: E): number => {
  checkU64(lsn, "lsn")
  checkU64(txBeginLsn, "txBeginLsn")
  const start = begin(w, RecordKind.Mutation, lsn, txBeginLsn)
  try {
    codec.writeSingle(w, event)
  } catch (e) {
    w.truncate(start)
    throw toCodecFailure(e, "Encode")
  }
  return finish(w, start)
}

/**
 * Appends a MutationBatch record (kind 6) holding `events` (at least one:
 * otherwise `mutation batch must contain at least one event`). On failure `w`
 * is unchanged and `CodecFailure("Encode")` is thrown.
 */
export const writeMutationBatch = <E>(
  w: ByteWriter,
  codec: EventCodec<E>,
  lsn: bigint,
  txBeginLsn: bigint,
  events: ReadonlyArray<E>
): number => {
  if (events.length === 0) throw new CodecFailure("Encode", "mutation batch must contain at least one event")
  checkU64(lsn, "lsn")
  checkU64(txBeginLsn, "txBeginLsn")
  const start = begin(w, RecordKind.MutationBatch, lsn, txBeginLsn)
  try {
    codec.writeBatch(w, events)
  } catch (e) {
    w.truncate(start)
    throw toCodecFailure(e, "Encode")
  }
  return finish(w, start)
}

/**
 * Appends any {@link WalRecord} to `w` (a MutationBatch with zero events is
 * written as is — decodable, though the runtime never writes one). Returns
 * the record length. Throws `CodecFailure("Encode")`.
 */
export const writeRecord = <E>(w: ByteWriter, codec: EventCodec<E>, r: WalRecord<E>): number => {
  switch (r._tag) {
    case "TxBegin":
      return writeMarker(w, RecordKind.TxBegin, r.lsn, 0n)
    case "TxCommit":
      return writeMarker(w, RecordKind.TxCommit, r.lsn, r.txBeginLsn)
    case "TxAbort":
      return writeMarker(w, RecordKind.TxAbort, r.lsn, r.txBeginLsn)
    case "Checkpoint":
      return writeMarker(w, RecordKind.Checkpoint, r.lsn, r.snapshotLsn)
    case "Mutation":
      return writeMutation(w, codec, r.lsn, r.txBeginLsn, r.event)
    case "MutationBatch": {
      if (r.events.length > 0) return writeMutationBatch(w, codec, r.lsn, r.txBeginLsn, r.events)
      checkU64(r.lsn, "lsn")
      checkU64(r.txBeginLsn, "txBeginLsn")
      const start = begin(w, RecordKind.MutationBatch, r.lsn, r.txBeginLsn)
      try {
        codec.writeBatch(w, r.events)
      } catch (e) {
        w.truncate(start)
        throw toCodecFailure(e, "Encode")
      }
      return finish(w, start)
    }
  }
}

const toCodecFailure = (e: unknown, kind: "Encode" | "Decode"): CodecFailure => {
  if (e instanceof CodecFailure) return e
  if (e instanceof RangeError) return new CodecFailure(kind, `${kind === "Encode" ? "event" : "payload"} nests too deeply`)
  return new CodecFailure(kind, String(e instanceof Error ? e.message : e))
}

/** Maps a thrown codec failure (or anything else thrown by a codec) into `WalError.Encode` / `Decode`. */
export const codecFailureToWalError = (e: unknown, kind: "Encode" | "Decode" = "Decode"): Encode | Decode => {
  const f = toCodecFailure(e, kind)
  return f.kind === "Encode" ? new Encode({ reason: f.reason }) : new Decode({ reason: f.reason })
}

// ---------------------------------------------------------------------------
// Decoding

/** A record whose framing checked out: its kind, LSN, slot and where its payload lies in the buffer. */
export interface Frame {
  readonly kind: RecordKind
  readonly lsn: Lsn
  /** TxBegin LSN of the owning transaction, or the snapshot LSN for a Checkpoint (0 for TxBegin). */
  readonly slot: Lsn
  /** Record length in bytes (the u32 prefix). */
  readonly length: number
  /** Offset of the record in the buffer. */
  readonly offset: number
  readonly payloadStart: number
  readonly payloadEnd: number
}

/** Outcome of reading one record: a frame, a clean end of input, or the failure (spec §3.3). */
export type FrameResult =
  | { readonly _tag: "Frame"; readonly frame: Frame }
  | { readonly _tag: "End" }
  | { readonly _tag: "Failure"; readonly error: Decode | CrcMismatch | Truncated | UnknownKind }

const END: FrameResult = { _tag: "End" }

/**
 * Reads the length prefix at `offset` without needing the body: returns the
 * record length, `0` for a clean end (no bytes left), or the framing error of
 * steps 2–4 (short prefix, length < 25, length > 256 MiB). Lets a streaming
 * reader know how many bytes to fetch before allocating.
 */
export const peekRecordLength = (
  buf: Uint8Array,
  offset: number,
  end: number = buf.length
): number | Decode | Truncated => {
  const avail = end - offset
  if (avail <= 0) return 0
  if (avail < 4) return new Truncated({ expected: 4, actual: avail })
  const length = (buf[offset]! | (buf[offset + 1]! << 8) | (buf[offset + 2]! << 16) | (buf[offset + 3]! << 24)) >>> 0
  if (length < MIN_RECORD_LEN) return new Decode({ reason: `record length ${length} smaller than fixed framing` })
  if (length > MAX_RECORD_LEN) return new Decode({ reason: `record length ${length} exceeds maximum ${MAX_RECORD_LEN}` })
  return length
}

/**
 * Checks the framing of the record at `buf[offset, end)`, in the reference's
 * order: clean end; `Truncated { expected: 4 }`; length bounds; `Truncated {
 * expected: length − 4, actual }`; `UnknownKind` (before the CRC);
 * `CrcMismatch { lsn, expected: stored, actual: computed }`; a marker with a
 * payload (`<Kind> has unexpected payload`). Never throws.
 */
export const decodeFrame = (buf: Uint8Array, offset: number, end: number = buf.length): FrameResult => {
  const length = peekRecordLength(buf, offset, end)
  if (length === 0) return END
  if (typeof length !== "number") return { _tag: "Failure", error: length }
  const body = end - offset - 4
  if (body < length - 4) return { _tag: "Failure", error: new Truncated({ expected: length - 4, actual: body }) }
  const kind = buf[offset + 4]!
  if (kind < 1 || kind > 6) return { _tag: "Failure", error: new UnknownKind({ kind }) }
  const view = new DataView(buf.buffer, buf.byteOffset + offset, length)
  const stored = view.getUint32(length - 4, true)
  const computed = crc32(buf, offset, offset + length - 4)
  const lsn = view.getBigUint64(5, true) as Lsn
  if (stored !== computed) {
    return { _tag: "Failure", error: new CrcMismatch({ lsn, expected: stored, actual: computed }) }
  }
  if (kind !== RecordKind.Mutation && kind !== RecordKind.MutationBatch && length !== MIN_RECORD_LEN) {
    return { _tag: "Failure", error: new Decode({ reason: `${RECORD_KIND_NAMES[kind]} has unexpected payload` }) }
  }
  return {
    _tag: "Frame",
    frame: {
      kind: kind as RecordKind,
      lsn,
      slot: view.getBigUint64(13, true) as Lsn,
      length,
      offset,
      payloadStart: offset + RECORD_PREFIX,
      payloadEnd: offset + length - RECORD_TRAILER
    }
  }
}

/**
 * Decodes the payload of a checked frame into a {@link WalRecord} with
 * `codec`. Returns the record or the codec's `Decode` error (step 9). Never
 * throws.
 */
export const decodeRecord = <E>(buf: Uint8Array, frame: Frame, codec: EventCodec<E>): WalRecord<E> | Decode => {
  const { lsn, slot } = frame
  switch (frame.kind) {
    case RecordKind.TxBegin:
      return { _tag: "TxBegin", lsn }
    case RecordKind.TxCommit:
      return { _tag: "TxCommit", lsn, txBeginLsn: slot }
    case RecordKind.TxAbort:
      return { _tag: "TxAbort", lsn, txBeginLsn: slot }
    case RecordKind.Checkpoint:
      return { _tag: "Checkpoint", lsn, snapshotLsn: slot }
    case RecordKind.Mutation:
      try {
        return { _tag: "Mutation", lsn, txBeginLsn: slot, event: codec.readSingle(buf, frame.payloadStart, frame.payloadEnd) }
      } catch (e) {
        return codecFailureToWalError(e, "Decode") as Decode
      }
    case RecordKind.MutationBatch:
      try {
        return {
          _tag: "MutationBatch",
          lsn,
          txBeginLsn: slot,
          events: codec.readBatch(buf, frame.payloadStart, frame.payloadEnd)
        }
      } catch (e) {
        return codecFailureToWalError(e, "Decode") as Decode
      }
  }
}

/** One record decoded from a buffer: the record and its length, a clean end, or the error. */
export type RecordResult<E> =
  | { readonly _tag: "Record"; readonly record: WalRecord<E>; readonly frame: Frame }
  | { readonly _tag: "End" }
  | { readonly _tag: "Failure"; readonly error: Decode | CrcMismatch | Truncated | UnknownKind }

/** {@link decodeFrame} then {@link decodeRecord}: the full spec §3.3 decode of one record. Never throws. */
export const decodeRecordAt = <E>(
  buf: Uint8Array,
  offset: number,
  codec: EventCodec<E>,
  end: number = buf.length
): RecordResult<E> => {
  const f = decodeFrame(buf, offset, end)
  if (f._tag !== "Frame") return f
  const r = decodeRecord(buf, f.frame, codec)
  if (r instanceof Decode) return { _tag: "Failure", error: r }
  return { _tag: "Record", record: r, frame: f.frame }
}

/** True for the errors that make a record unreadable (replay's torn tail). */
export const isRecordDecodeError = (e: WalError): e is Decode | CrcMismatch | Truncated | UnknownKind =>
  e._tag === "Decode" || e._tag === "CrcMismatch" || e._tag === "Truncated" || e._tag === "UnknownKind"
