/**
 * `effect-wal inspect <dir>`: what is in a WAL directory, segment by
 * segment, read-only (no lock, nothing written), safe beside a live writer.
 *
 * For every listed segment (ascending id): its file name, id, base LSN,
 * sealed flag, size in bytes, number of readable records and of committed
 * transactions (TxCommit records); with `records: true`, every record's
 * offset, length, kind, LSN, slot and event count.
 *
 * Each segment is read up to its first unreadable record (a torn tail:
 * Truncated, CrcMismatch, UnknownKind, Decode). Unlike replay, inspection
 * goes on with the next segment, so a corrupt sealed segment does not hide
 * the ones after it. `tornTail` is the first unreadable record in log order —
 * where replay (and an open) stops. Beside a live writer, a record being
 * written at the end of the active segment shows as a torn tail at that
 * moment; a segment being created (shorter than its 32-byte header) is
 * waited for, about 100 ms at most.
 *
 * @module
 */
import { Effect } from "effect"
import { LW1Codec } from "../event/LW1.js"
import type { JsonObject, JsonValue } from "../event/Json.js"
import type { MutationEvent } from "../event/MutationEvent.js"
import { type Frame, RECORD_KIND_NAMES, type RecordKindName, type WalRecord } from "../format/Record.js"
import { FileIo } from "../io/FileIo.js"
import { readSegmentHeader } from "../SegmentDir.js"
import { scanSegmentFile } from "../segment/SegmentReader.js"
import type { Io, RecordDecodeError } from "../WalError.js"
import { listSegmentsSettled, LocatedError, u64Text } from "./Common.js"

/** One record as `inspect --records` shows it. */
export interface InspectRecord {
  /** Byte offset of the record in its segment file. */
  readonly offset: number
  /** The record's length prefix: the whole record in bytes, framing and CRC included. */
  readonly length: number
  readonly kind: RecordKindName
  readonly lsn: bigint
  /**
   * The record's slot (bytes 13–20): the TxBegin LSN of the owning
   * transaction for Mutation, MutationBatch, TxCommit and TxAbort; the
   * snapshot LSN for a Checkpoint; 0 (ignored) for TxBegin.
   */
  readonly txBeginLsn: bigint
  /** Events in the record: 1 for Mutation, n for MutationBatch, 0 for markers. */
  readonly eventCount: number
}

/** Where a segment stops being readable. */
export interface InspectFailure {
  /** Byte offset where the unreadable record starts. */
  readonly offset: number
  readonly error: RecordDecodeError
}

/** One segment file. */
export interface InspectSegment {
  /** File name as listed. */
  readonly file: string
  /** Directory joined with the file name. */
  readonly path: string
  readonly id: bigint
  readonly baseLsn: bigint
  /** Header flag bit 0. */
  readonly sealed: boolean
  /** File size in bytes when read. */
  readonly sizeBytes: number
  /** Readable records (before the first unreadable one). */
  readonly recordCount: number
  /** TxCommit records among them. */
  readonly transactionCount: number
  /** Every readable record, when asked for (else empty). */
  readonly records: ReadonlyArray<InspectRecord>
  /** The first unreadable record of this segment, if any. */
  readonly failure: InspectFailure | undefined
}

/** The first unreadable record in log order. */
export interface InspectTornTail {
  readonly file: string
  readonly path: string
  readonly offset: number
  readonly error: RecordDecodeError
}

/** What `inspect` found. */
export interface InspectReport {
  readonly dir: string
  readonly segments: ReadonlyArray<InspectSegment>
  readonly tornTail: InspectTornTail | undefined
}

/** Options of {@link inspectDirectory}. */
export interface InspectOptions {
  /** Collect every record (default false: counts only, memory independent of the log size). */
  readonly records?: boolean
}

/**
 * Inspects the WAL directory `dir` read-only. Fails with `Io` (listing or
 * reading) or `BadSegmentHeader` (a header that does not decode; the error
 * is wrapped with the file in a `LocatedError`).
 */
export const inspectDirectory = (
  dir: string,
  options: InspectOptions = {}
): Effect.Effect<InspectReport, Io | LocatedError, FileIo> =>
  Effect.gen(function* () {
    const io = yield* FileIo
    const keep = options.records === true
    const listed = yield* listSegmentsSettled(io, dir)
    const segments: Array<InspectSegment> = []
    let tornTail: InspectTornTail | undefined
    for (const seg of listed) {
      const header = yield* readSegmentHeader(io, seg.path).pipe(
        Effect.mapError((error) => (error._tag === "BadSegmentHeader" ? new LocatedError(seg.path, error) : error))
      )
      const records: Array<InspectRecord> = []
      let recordCount = 0
      let transactionCount = 0
      const visit = (r: WalRecord<MutationEvent>, f: Frame): undefined => {
        recordCount++
        if (r._tag === "TxCommit") transactionCount++
        if (keep) {
          records.push({
            offset: f.offset,
            length: f.length,
            kind: RECORD_KIND_NAMES[f.kind] as RecordKindName,
            lsn: f.lsn,
            txBeginLsn: f.slot,
            eventCount: r._tag === "Mutation" ? 1 : r._tag === "MutationBatch" ? r.events.length : 0
          })
        }
        return undefined
      }
      const scan = yield* scanSegmentFile<MutationEvent, never>(io, seg.path, LW1Codec, visit)
      const failure = scan.failure === undefined ? undefined : { offset: scan.failure.offset, error: scan.failure.error }
      if (failure !== undefined && tornTail === undefined) {
        tornTail = { file: seg.name, path: seg.path, offset: failure.offset, error: failure.error }
      }
      segments.push({
        file: seg.name,
        path: seg.path,
        id: seg.id,
        baseLsn: header.baseLsn,
        sealed: header.sealed,
        sizeBytes: scan.fileSize,
        recordCount,
        transactionCount,
        records,
        failure
      })
    }
    return { dir, segments, tornTail }
  })

/**
 * The documented JSON form of a report (`inspect --json`):
 *
 * ```
 * { "segments": [ { "file", "id", "baseLsn", "sealed", "sizeBytes", "recordCount", "transactionCount",
 *                   "records": [ { "offset", "length", "kind", "lsn", "txBeginLsn", "eventCount" } ] } ],
 *   "tornTail": null | { "file", "offset", "error" } }
 * ```
 *
 * u64 values (`id`, `baseLsn`, `lsn`, `txBeginLsn`) are decimal strings;
 * offsets, lengths, sizes and counts are numbers. `records` is always
 * present and empty unless records were collected. `tornTail.error` is the
 * WalError message.
 */
export const inspectToJson = (report: InspectReport): JsonObject => ({
  segments: report.segments.map((s): JsonValue => ({
    file: s.file,
    id: u64Text(s.id),
    baseLsn: u64Text(s.baseLsn),
    sealed: s.sealed,
    sizeBytes: s.sizeBytes,
    recordCount: s.recordCount,
    transactionCount: s.transactionCount,
    records: s.records.map((r): JsonValue => ({
      offset: r.offset,
      length: r.length,
      kind: r.kind,
      lsn: u64Text(r.lsn),
      txBeginLsn: u64Text(r.txBeginLsn),
      eventCount: r.eventCount
    }))
  })),
  tornTail:
    report.tornTail === undefined
      ? null
      : { file: report.tornTail.file, offset: report.tornTail.offset, error: report.tornTail.error.message }
})

/** The human-readable form of a report: a line per segment, then (with records) a line per record. */
export const renderInspect = (report: InspectReport): ReadonlyArray<string> => {
  const lines: Array<string> = []
  const n = report.segments.length
  lines.push(`${report.dir}: ${n} segment${n === 1 ? "" : "s"}`)
  for (const s of report.segments) {
    lines.push(
      `${s.file}  id ${s.id}  base LSN ${s.baseLsn}  ${s.sealed ? "sealed" : "unsealed"}  ${s.sizeBytes} bytes  ` +
        `${s.recordCount} records  ${s.transactionCount} transactions`
    )
    const w = String(s.sizeBytes).length
    for (const r of s.records) {
      const slot = r.kind === "Checkpoint" ? `snapshot ${r.txBeginLsn}` : r.kind === "TxBegin" ? "" : `tx ${r.txBeginLsn}`
      const events = r.kind === "Mutation" || r.kind === "MutationBatch" ? `${r.eventCount} event${r.eventCount === 1 ? "" : "s"}` : ""
      lines.push(
        `  @${String(r.offset).padEnd(w)}  ${r.kind.padEnd(13)}  lsn ${r.lsn}  len ${r.length}${slot ? `  ${slot}` : ""}${events ? `  ${events}` : ""}`
      )
    }
    if (s.failure !== undefined) lines.push(`  @${String(s.failure.offset).padEnd(w)}  unreadable: ${s.failure.error.message}`)
  }
  if (report.tornTail !== undefined) {
    lines.push(`torn tail: ${report.tornTail.path} at offset ${report.tornTail.offset}: ${report.tornTail.error.message}`)
  }
  return lines
}
