/**
 * Replay: rebuild the committed transactions of a WAL directory (lora-wal
 * 0.15, spec §5).
 *
 * One forward pass over all listed segments in ascending id order, with a
 * fence `checkpointLsn` (the snapshot's LSN; 0 = no snapshot):
 *
 * 1. Per segment: the header must decode (hard error otherwise); its base
 *    LSN must be greater than the previous segment's base and than the last
 *    record LSN seen (`Malformed`).
 * 2. Per record: LSN ≥ segment base and strictly greater than the previous
 *    record's LSN (`Malformed`); then, if LSN ≤ fence, the record is skipped
 *    (a fenced TxCommit/TxAbort only drops the matching pending bucket);
 *    otherwise TxBegin opens a bucket, Mutation/MutationBatch append to it,
 *    TxCommit emits it (commit order), TxAbort drops it, Checkpoint is
 *    observed (must not point to the future nor regress).
 * 3. The first record that fails to decode ends the whole replay: its
 *    segment and offset are the torn tail. Transactions open at the end are
 *    discarded.
 *
 * The state machine ({@link ReplayMachine}) is pure and synchronous; the
 * directory walk ({@link replayDirectory}) streams each segment with bounded
 * memory and hands every committed transaction to a callback as soon as its
 * TxCommit is read, so a large log never has to fit in memory (only the
 * events of transactions still open are buffered).
 *
 * @module
 */
import { Effect } from "effect"
import type { EventCodec } from "./EventCodec.js"
import type { FileIoShape } from "./io/FileIo.js"
import { type Lsn, ZERO } from "./Lsn.js"
import type { Frame, WalRecord } from "./format/Record.js"
import { SEGMENT_HEADER_SIZE } from "./format/SegmentHeader.js"
import { listSegments, readSegmentHeader, type SegmentEntry } from "./SegmentDir.js"
import { scanSegmentFile } from "./segment/SegmentReader.js"
import { type BadSegmentHeader, type CrcMismatch, type Decode, type Io, Malformed, type Truncated, type UnknownKind } from "./WalError.js"

/** A committed transaction as replay emits it. */
export interface CommittedTransaction<E> {
  /** LSN of its TxBegin record. */
  readonly beginLsn: Lsn
  /** LSN of its TxCommit record. */
  readonly commitLsn: Lsn
  /** Its events, in append order. */
  readonly events: ReadonlyArray<E>
}

/** Where replay stopped on an unreadable record. */
export interface TornTail {
  /** Path of the segment holding the failing record (directory joined with file name). */
  readonly segmentPath: string
  /** The segment's id. */
  readonly segmentId: bigint
  /** Byte offset where the failing record starts. */
  readonly lastGoodOffset: number
  /** Why the record could not be read. */
  readonly cause: Decode | CrcMismatch | Truncated | UnknownKind | Io
}

/** The result of a replay (spec §5.4). */
export interface ReplayOutcome {
  /** Highest LSN among all successfully decoded records (0 when none). */
  readonly maxLsn: Lsn
  readonly tornTail: TornTail | undefined
  /** Snapshot LSN of the last non-fenced Checkpoint record, if any. */
  readonly checkpointLsnObserved: Lsn | undefined
  /** Offset just past the last well-formed record of the last segment walked (32 when none). */
  readonly lastGoodOffset: number
  /** The segments listed, ascending. */
  readonly segments: ReadonlyArray<SegmentEntry>
  /** Base LSN of each listed segment that was walked, by id. */
  readonly baseLsns: ReadonlyMap<bigint, Lsn>
  /** Committed transactions / events emitted. */
  readonly transactionCount: number
  readonly eventCount: number
  /** True when replay stopped at `untilLsn` (point-in-time recovery). */
  readonly reachedUntil: boolean
}

/**
 * The pure replay state machine. Feed it segment starts and records in log
 * order; it returns a `Malformed` error for structural violations and calls
 * `onCommit` for every committed transaction.
 */
export class ReplayMachine<E> {
  private readonly pending = new Map<bigint, Array<E>>()
  private prevBase: bigint | undefined = undefined
  private lastLsn: bigint = 0n
  maxLsn: Lsn = ZERO
  checkpointObserved: Lsn | undefined = undefined
  private segBase: bigint = 0n
  private path = ""
  transactions = 0
  events = 0

  constructor(
    readonly fence: bigint,
    private readonly onCommit: (tx: CommittedTransaction<E>) => void
  ) {}

  /** Starts a segment with header base LSN `base`. */
  beginSegment(base: bigint, path: string): Malformed | undefined {
    if (this.prevBase !== undefined && base <= this.prevBase) {
      return new Malformed({ reason: `segment base_lsn ${base} is not greater than previous base_lsn ${this.prevBase} (${path})` })
    }
    if (this.lastLsn !== 0n && base <= this.lastLsn) {
      return new Malformed({ reason: `segment base_lsn ${base} is not greater than previous record lsn ${this.lastLsn} (${path})` })
    }
    this.prevBase = base
    this.segBase = base
    this.path = path
    return undefined
  }

  /** Applies one decoded record. */
  apply(r: WalRecord<E>): Malformed | undefined {
    const lsn = r.lsn as bigint
    if (lsn < this.segBase) {
      return new Malformed({ reason: `record lsn ${lsn} is below segment base_lsn ${this.segBase} (${this.path})` })
    }
    if (this.lastLsn !== 0n && lsn <= this.lastLsn) {
      return new Malformed({ reason: `record lsn ${lsn} is not greater than previous lsn ${this.lastLsn} (${this.path})` })
    }
    this.lastLsn = lsn
    if (lsn > this.maxLsn) this.maxLsn = r.lsn
    if (lsn <= this.fence) {
      if (r._tag === "TxCommit" || r._tag === "TxAbort") this.pending.delete(r.txBeginLsn)
      return undefined
    }
    switch (r._tag) {
      case "TxBegin":
        if (this.pending.has(lsn)) return new Malformed({ reason: `duplicate tx begin at lsn ${lsn}` })
        this.pending.set(lsn, [])
        return undefined
      case "Mutation": {
        const b = this.pending.get(r.txBeginLsn)
        if (!b) return new Malformed({ reason: `mutation at lsn ${lsn} references missing tx begin ${r.txBeginLsn}` })
        b.push(r.event)
        return undefined
      }
      case "MutationBatch": {
        const b = this.pending.get(r.txBeginLsn)
        if (!b) return new Malformed({ reason: `mutation batch at lsn ${lsn} references missing tx begin ${r.txBeginLsn}` })
        if (b.length === 0) this.pending.set(r.txBeginLsn, r.events as Array<E>)
        else for (const e of r.events) b.push(e)
        return undefined
      }
      case "TxCommit": {
        const b = this.pending.get(r.txBeginLsn)
        if (!b) return new Malformed({ reason: `commit at lsn ${lsn} references missing tx begin ${r.txBeginLsn}` })
        this.pending.delete(r.txBeginLsn)
        this.transactions++
        this.events += b.length
        this.onCommit({ beginLsn: r.txBeginLsn, commitLsn: r.lsn, events: b })
        return undefined
      }
      case "TxAbort":
        if (!this.pending.delete(r.txBeginLsn)) {
          return new Malformed({ reason: `abort at lsn ${lsn} references missing tx begin ${r.txBeginLsn}` })
        }
        return undefined
      case "Checkpoint": {
        const s = r.snapshotLsn as bigint
        if (s > lsn) return new Malformed({ reason: `checkpoint at lsn ${lsn} points to future snapshot lsn ${s}` })
        if (this.checkpointObserved !== undefined && s < this.checkpointObserved) {
          return new Malformed({ reason: `checkpoint snapshot lsn ${s} regressed below previous checkpoint ${this.checkpointObserved}` })
        }
        this.checkpointObserved = r.snapshotLsn
        return undefined
      }
    }
  }
}

/** Options of {@link replayDirectory}. */
export interface ReplayOptions<E, R, X = never> {
  readonly io: FileIoShape
  readonly dir: string
  readonly codec: EventCodec<E>
  /** The fence: records at or below it are skipped (0 = none). */
  readonly checkpointLsn?: bigint
  /**
   * Called for each committed transaction, in commit order, as replay goes
   * (committed transactions are handed over as soon as `drainEvery` events
   * wait — by default at once — and before each read of the next chunk, so
   * memory stays bounded). A failure stops replay with that error. Default: nothing
   * (counts only).
   */
  readonly onTransaction?: (tx: CommittedTransaction<E>) => Effect.Effect<void, X, R>
  /** Read buffer size in bytes (default 4 MiB). */
  readonly chunkBytes?: number
  /**
   * Hand committed transactions to `onTransaction` once this many events are
   * waiting (default 1: each transaction as soon as its TxCommit is read — the
   * fastest and the smallest memory footprint, as measured by the replay
   * benchmark: decoded transactions die young instead of being promoted).
   */
  readonly drainEvery?: number
  /** Segments to walk (default: a fresh listing of `dir`). */
  readonly segments?: ReadonlyArray<SegmentEntry>
  /**
   * Point-in-time recovery: replay stops (cleanly) at the first record whose
   * LSN is above this one, so only transactions committed at or below it are
   * emitted. Default: replay everything.
   */
  readonly untilLsn?: bigint
}

/**
 * Replays the directory `dir` read-only (no lock, nothing truncated): the
 * `replay_dir` of lora-wal. Fails with `Malformed` (structure), `BadSegmentHeader`
 * or `Io` (header read, listing); an unreadable record is reported as
 * `tornTail`, not as a failure.
 */
export const replayDirectory = <E, R = never, X = never>(
  options: ReplayOptions<E, R, X>
): Effect.Effect<ReplayOutcome, Malformed | BadSegmentHeader | Io | X, R> =>
  Effect.gen(function* () {
    const { codec, dir, io } = options
    const segments = options.segments ?? (yield* listSegments(io, dir))
    let batch: Array<CommittedTransaction<E>> = []
    let batchEvents = 0
    const drainEvery = Math.max(1, options.drainEvery ?? 1)
    const machine = new ReplayMachine<E>(options.checkpointLsn ?? 0n, (tx) => {
      batch.push(tx)
      batchEvents += tx.events.length
    })
    const onTx = options.onTransaction
    const drain: Effect.Effect<void, X, R> = onTx === undefined
      ? Effect.sync(() => {
        batch = []
        batchEvents = 0
      })
      : Effect.suspend(() => {
        const txs = batch
        batch = []
        batchEvents = 0
        return Effect.forEach(txs, (tx) => onTx(tx), { discard: true })
      })
    const shouldDrain = () => batchEvents >= drainEvery || batch.length >= drainEvery
    const baseLsns = new Map<bigint, Lsn>()
    // One read buffer for the whole replay (a fresh 4 MiB buffer per segment left ~100 MB of garbage).
    const scratch = { buf: new Uint8Array(0) }
    let lastGoodOffset = SEGMENT_HEADER_SIZE
    let tornTail: TornTail | undefined
    const until = options.untilLsn
    let reachedUntil = false
    const STOP = "until" as const
    for (const seg of segments) {
      const header = yield* readSegmentHeader(io, seg.path)
      const bad = machine.beginSegment(header.baseLsn, seg.path)
      if (bad) return yield* bad
      baseLsns.set(seg.id, header.baseLsn)
      // Hand transactions to the callback every ~chunk: the visitor collects, we drain between reads.
      const scan = yield* scanSegmentFile(
        io,
        seg.path,
        codec,
        (record: WalRecord<E>, _frame: Frame) =>
          until !== undefined && record.lsn > until ? STOP : machine.apply(record),
        { drain, shouldDrain, scratch, ...(options.chunkBytes !== undefined ? { chunkBytes: options.chunkBytes } : {}) }
      ).pipe(
        Effect.catchIf((e): e is typeof STOP => e === STOP, () => {
          reachedUntil = true
          return Effect.succeed(undefined)
        })
      )
      yield* drain
      if (scan === undefined) break
      lastGoodOffset = scan.lastGoodOffset
      if (scan.failure) {
        tornTail = { segmentPath: seg.path, segmentId: seg.id, lastGoodOffset: scan.failure.offset, cause: scan.failure.error }
        break
      }
    }
    return {
      maxLsn: machine.maxLsn,
      tornTail,
      checkpointLsnObserved: machine.checkpointObserved,
      lastGoodOffset,
      segments,
      baseLsns,
      transactionCount: machine.transactions,
      eventCount: machine.events,
      reachedUntil
    }
  })
