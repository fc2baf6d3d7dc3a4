/**
 * Streaming read of one segment file: header, then records one by one, with
 * bounded memory (a read buffer of `chunkBytes`, grown only for a record
 * larger than that). The reader knows record framing and hands each decoded
 * record with its frame (offset, length, kind) to a visitor; it knows no
 * event types (the codec is a parameter).
 *
 * Stops at the first record that fails to decode — Truncated, CrcMismatch,
 * UnknownKind, Decode (framing or payload), or an I/O error while reading —
 * and reports where that record starts (spec §5.3): the caller decides
 * whether that is a torn tail (active segment) or corruption.
 *
 * @module
 */
import { Effect } from "effect"
import type { EventCodec } from "../EventCodec.js"
import type { FileHandle, FileIoShape } from "../io/FileIo.js"
import { decodeRecord, decodeFrame, type Frame, peekRecordLength, type WalRecord } from "../format/Record.js"
import { SEGMENT_HEADER_SIZE } from "../format/SegmentHeader.js"
import type { CrcMismatch, Decode, Io, Truncated, UnknownKind } from "../WalError.js"
import { Decode as DecodeError } from "../WalError.js"

/** Why reading stopped before the end of the file. */
export interface ReadFailure {
  /** Byte offset where the failing record starts (= the last good offset). */
  readonly offset: number
  readonly error: Decode | CrcMismatch | Truncated | UnknownKind | Io
}

/** The outcome of scanning a segment's records. */
export interface ScanOutcome {
  /** Offset just past the last well-formed record (32 when there is none). */
  readonly lastGoodOffset: number
  /** Present when a record failed to decode. */
  readonly failure?: ReadFailure
  /** Number of records visited. */
  readonly records: number
  /** The file's size when scanned. */
  readonly fileSize: number
}

/**
 * A visitor: called for every decoded record, in file order, with the buffer
 * holding it and its frame. Return `undefined` to go on or a value to stop
 * the scan at once (that value becomes the scan's result error). Synchronous
 * so that replay runs without per-record Effect allocations.
 */
export type RecordVisitor<E, X> = (record: WalRecord<E>, frame: Frame, buf: Uint8Array) => X | undefined

/** Options of {@link scanSegment}. */
export interface ScanOptions<XD = never, RD = never> {
  /**
   * Run between records whenever `shouldDrain()` says so (and before each
   * refill of the read buffer): lets a consumer hand off what the visitor
   * collected, so memory stays bounded by what it lets accumulate.
   */
  readonly drain?: Effect.Effect<void, XD, RD>
  readonly shouldDrain?: () => boolean
  /** Read buffer size in bytes (default 4 MiB). */
  readonly chunkBytes?: number
  /**
   * A read buffer to reuse across scans (replay of many segments): the scan
   * uses `scratch.buf` when it is large enough and leaves a grown buffer there.
   * Safe because decoded events never point into the read buffer.
   */
  readonly scratch?: { buf: Uint8Array }
  /** When false, payloads are not decoded: Mutation/MutationBatch arrive with empty events (inspection). Default true. */
  readonly decodePayloads?: boolean
}

const NO_EVENTS: ReadonlyArray<never> = []

/**
 * Scans the records of an open segment from offset 32 to the end of file (or
 * the first failure). Fails only with the visitor's stop value `X`.
 */
export const scanSegment = <E, X, XD = never, RD = never>(
  handle: FileHandle,
  codec: EventCodec<E>,
  visit: RecordVisitor<E, X>,
  options: ScanOptions<XD, RD> = {}
): Effect.Effect<ScanOutcome, X | XD, RD> =>
  Effect.gen(function* () {
    const chunk = Math.max(64 * 1024, options.chunkBytes ?? 4 * 1024 * 1024)
    const decodePayloads = options.decodePayloads ?? true
    const drain = options.drain
    const shouldDrain = options.shouldDrain
    const sizeResult = yield* Effect.result(handle.size)
    if (sizeResult._tag === "Failure") {
      return { lastGoodOffset: SEGMENT_HEADER_SIZE, failure: { offset: SEGMENT_HEADER_SIZE, error: sizeResult.failure }, records: 0, fileSize: 0 }
    }
    const fileSize = sizeResult.success
    const wanted = Math.min(chunk, Math.max(0, fileSize - SEGMENT_HEADER_SIZE)) || 1
    const scratch = options.scratch
    let buf = scratch !== undefined && scratch.buf.length >= wanted ? scratch.buf : new Uint8Array(wanted)
    if (scratch !== undefined) scratch.buf = buf
    let bufFileOffset = SEGMENT_HEADER_SIZE // file offset of buf[0]
    let filled = 0
    let pos = 0 // position in buf
    let records = 0
    let eof = false

    // Refill: keep buf[pos..filled), read more after it; grow when `need` bytes do not fit.
    const refill = (need: number): Effect.Effect<void, Io> =>
      Effect.gen(function* () {
        const keep = filled - pos
        if (need > buf.length) {
          const next = new Uint8Array(need)
          next.set(buf.subarray(pos, filled))
          buf = next
          if (scratch !== undefined) scratch.buf = next
        } else if (pos > 0) {
          buf.copyWithin(0, pos, filled)
        }
        bufFileOffset += pos
        pos = 0
        filled = keep
        while (filled < buf.length) {
          const n = yield* handle.read(buf, filled, buf.length - filled, bufFileOffset + filled)
          if (n === 0) {
            eof = true
            break
          }
          filled += n
        }
      })

    for (;;) {
      if (drain !== undefined && shouldDrain !== undefined && shouldDrain()) yield* drain
      // Make sure the length prefix is in the buffer.
      if (filled - pos < 4 && !eof) {
        if (drain !== undefined) yield* drain
        const r = yield* Effect.result(refill(Math.max(4, buf.length)))
        if (r._tag === "Failure") return { lastGoodOffset: bufFileOffset + pos, failure: { offset: bufFileOffset + pos, error: r.failure }, records, fileSize }
      }
      const len = peekRecordLength(buf, pos, filled)
      if (typeof len === "number" && len > filled - pos && !eof) {
        const r = yield* Effect.result(refill(Math.max(len, buf.length)))
        if (r._tag === "Failure") return { lastGoodOffset: bufFileOffset + pos, failure: { offset: bufFileOffset + pos, error: r.failure }, records, fileSize }
      }
      const offset = bufFileOffset + pos
      const f = decodeFrame(buf, pos, filled)
      if (f._tag === "End") return { lastGoodOffset: offset, records, fileSize }
      if (f._tag === "Failure") return { lastGoodOffset: offset, failure: { offset, error: f.error }, records, fileSize }
      let record: WalRecord<E> | DecodeError
      if (decodePayloads) record = decodeRecord(buf, f.frame, codec)
      else if (f.frame.kind === 1) record = { _tag: "Mutation", lsn: f.frame.lsn, txBeginLsn: f.frame.slot, event: undefined as E }
      else if (f.frame.kind === 6) record = { _tag: "MutationBatch", lsn: f.frame.lsn, txBeginLsn: f.frame.slot, events: NO_EVENTS }
      else record = decodeRecord(buf, f.frame, codec)
      if (record instanceof DecodeError) return { lastGoodOffset: offset, failure: { offset, error: record }, records, fileSize }
      const frame: Frame = { ...f.frame, offset }
      const stop = visit(record, frame, buf)
      if (stop !== undefined) return yield* Effect.fail(stop)
      records++
      pos += f.frame.length
    }
  })

/**
 * Opens `path` read-only, scans it with {@link scanSegment} and closes it.
 * The header is not checked here (see `readSegmentHeader`).
 */
export const scanSegmentFile = <E, X, XD = never, RD = never>(
  io: FileIoShape,
  path: string,
  codec: EventCodec<E>,
  visit: RecordVisitor<E, X>,
  options?: ScanOptions<XD, RD>
): Effect.Effect<ScanOutcome, X | XD | Io, RD> =>
  Effect.acquireUseRelease(io.open(path, "read"), (h) => scanSegment(h, codec, visit, options), (h) => h.close)
