/**
 * The `Wal` service: a durable write-ahead log over a directory of segment
 * files, byte-compatible with LoraDB's `lora-wal` 0.15 and with its
 * semantics (spec §5–§7), plus durable acknowledgements with group commit.
 *
 * ## Mental model
 *
 * - A log is a directory of segments (`0000000001.wal`, …). Records get
 *   strictly increasing LSNs. The highest-id segment is the *active* one;
 *   older ones are sealed.
 * - An application commits transactions of events (`commitTx`). Each commit
 *   is three consecutive records in one segment: TxBegin, MutationBatch,
 *   TxCommit. Replay returns only committed transactions, whole, in commit
 *   order.
 * - Bytes move: encode into the in-memory *pending* buffer → write to the OS
 *   (`writtenLsn`) → fsync (`durableLsn`). The sync mode says when each step
 *   happens (see {@link SyncMode}).
 * - Opening recovers: lock the directory, replay with the checkpoint fence,
 *   cut a torn tail in the active segment, hand the committed events to the
 *   caller, then accept writes.
 *
 * ## Layers
 *
 * `Wal.layer(config)` builds the service for LoraDB `MutationEvent`s on real
 * files; `Wal.layerWith(config)` does the same on any provided `FileIo`
 * (the in-memory disk in tests); {@link makeWal} is the generic constructor
 * for any {@link EventCodec}. The log lives as long as the layer's scope:
 * closing it does a final fsync, stops the group flusher and releases the
 * directory lock, in that order (lora-wal's drop order).
 *
 * ## Concurrency
 *
 * The mutable state (`nextLsn`, `writtenLsn`, `durableLsn`, active and
 * oldest segment, the active writer and its pending buffer, the failure
 * latch) is held in a `Ref` and changed only under a one-permit semaphore
 * (`stateLock`), so LSN order on disk is allocation order and a
 * transaction's records are contiguous even with many fibers committing at
 * once. fsyncs are serialised by a second semaphore (`syncLock`, always taken
 * before `stateLock`): a committer waiting for durability either finds its
 * LSN already covered or performs one write + one fsync for everything
 * pending — so concurrent committers share fsyncs (group commit).
 *
 * @module
 */
import { Context, Duration, Effect, Exit, Layer, Option, Ref, Schedule, type Scope, Semaphore } from "effect"
import { acquireDirLock } from "./DirLock.js"
import type { EventCodec } from "./EventCodec.js"
import { LW1Codec } from "./event/LW1.js"
import type { MutationEvent } from "./event/MutationEvent.js"
import { ByteWriter, CodecFailure } from "./format/Bytes.js"
import { codecFailureToWalError, RecordKind, writeMarker, writeMutation, writeMutationBatch } from "./format/Record.js"
import { encodeSegmentHeader, SEGMENT_HEADER_SIZE } from "./format/SegmentHeader.js"
import { FileIo, type FileHandle, type FileIoShape } from "./io/FileIo.js"
import { FIRST_SEGMENT, type Lsn, nextSegmentId, type SegmentId, U64_MAX } from "./Lsn.js"
import { type CommittedTransaction, replayDirectory, type TornTail } from "./Replay.js"
import { listSegments, readSegmentHeader, type SegmentEntry, segmentFileName, segmentPath } from "./SegmentDir.js"
import { BadSegmentHeader, Encode, type Io, Malformed, Poisoned, type WalError } from "./WalError.js"

// ---------------------------------------------------------------------------
// Configuration

/**
 * When commits reach the disk.
 *
 * - `GroupSync({ interval })` — lora-wal's only mode and its default (50 ms).
 *   A commit writes its bytes to the OS before it returns (they survive a
 *   crash of the process, not of the machine); a background *group flusher*
 *   fsyncs every `interval` and then advances `durableLsn`. A commit becomes
 *   power-loss durable at the next tick; `awaitDurable(lsn)` tells when, and
 *   `commitTx(events, { durability: "durable" })` waits for it (triggering an
 *   fsync at once instead of waiting for the tick).
 * - `PerCommit` — a commit returns only after an fsync that covers it:
 *   survives a crash of the machine. Concurrent committers share fsyncs
 *   (group commit), so N committers cost far fewer than N fsyncs.
 * - `None` — no fsync ever (tests, scratch data). A commit writes to the OS;
 *   `durableLsn` follows what was written. Survives a process crash only.
 */
export type SyncMode =
  | { readonly _tag: "GroupSync"; readonly interval: Duration.Duration }
  | { readonly _tag: "PerCommit" }
  | { readonly _tag: "None" }

export const SyncMode = {
  /** Group sync with the given flusher interval (default 50 ms; 0 is treated as 1 ms, as in lora-wal). */
  GroupSync: (options: { readonly interval?: Duration.Input } = {}): SyncMode => {
    const d = Duration.fromInputUnsafe(options.interval ?? 50)
    return { _tag: "GroupSync", interval: Duration.isZero(d) ? Duration.millis(1) : d }
  },
  /** fsync before every commit returns (shared between concurrent committers). */
  PerCommit: { _tag: "PerCommit" } as SyncMode,
  /** Never fsync. */
  None: { _tag: "None" } as SyncMode
} as const

/** Which system call makes data durable. `fdatasync` skips metadata not needed to read the data back. */
export type SyncMethod = "fsync" | "fdatasync"

/** Configuration of a log. */
export interface WalConfig<E = MutationEvent> {
  /** The WAL directory (created, with parents, when missing). */
  readonly dir: string
  /** Default `SyncMode.GroupSync({ interval: 50 })`, as LoraDB. */
  readonly syncMode?: SyncMode
  /** Rotate the active segment at a transaction boundary once it holds this many bytes. Default 8 MiB (8,388,608). */
  readonly segmentTargetBytes?: number
  /** The checkpoint fence: records at or below this LSN are skipped by recovery. Default 0 (none). */
  readonly checkpointLsn?: bigint
  /** The event codec. Default: LoraDB's LW1 codec for `MutationEvent`. */
  readonly codec?: EventCodec<E>
  /**
   * Bounded-memory recovery: called for every committed transaction during
   * open, in commit order, before any write is accepted. When given, the
   * recovered events are not collected in `recovery.events`.
   */
  readonly onRecover?: (tx: CommittedTransaction<E>) => Effect.Effect<void>
  /** Default `fdatasync`. */
  readonly syncMethod?: SyncMethod
}

/** What an open recovered. */
export interface RecoveryReport<E> {
  /** Committed events in commit order (empty when `onRecover` was given). */
  readonly events: ReadonlyArray<E>
  readonly eventCount: number
  readonly transactionCount: number
  /** Highest LSN found (0 when the log was empty). */
  readonly maxLsn: Lsn
  /** Snapshot LSN of the last checkpoint record above the fence, if any. */
  readonly checkpointLsnObserved: Lsn | undefined
  /** The torn tail that was cut, if any. */
  readonly tornTail: TornTail | undefined
  /** Files whose length the open changed (torn tail cut). Sizes in bytes. */
  readonly truncated: ReadonlyArray<{ readonly file: string; readonly fromBytes: number; readonly toBytes: number }>
  /** True when the directory held no segment and a fresh log was created. */
  readonly fresh: boolean
}

/** The outcome of a commit. */
export type CommitResult =
  | {
    readonly _tag: "Committed"
    /** LSN of the TxBegin record. */
    readonly beginLsn: Lsn
    /** LSN of the MutationBatch record (beginLsn + 1). */
    readonly batchLsn: Lsn
    /** LSN of the TxCommit record (beginLsn + 2). */
    readonly commitLsn: Lsn
  }
  /** The event list was empty: nothing was written, no LSN used (lora-wal's `WroteCommit::No`). */
  | { readonly _tag: "Empty" }

/** Per-commit options. */
export interface CommitOptions {
  /**
   * `"durable"`: return only after an fsync covers the commit (any sync
   * mode; under `None` durability is what was written). `"written"`: return
   * once the bytes are handed to the OS. Default: `"durable"` under
   * `PerCommit`, `"written"` otherwise.
   */
  readonly durability?: "durable" | "written"
}

/** What `truncateUpTo` did. */
export interface TruncateResult {
  /** Ids of the segment files deleted, ascending. */
  readonly removed: ReadonlyArray<SegmentId>
  readonly oldestSegmentId: SegmentId
}

/** A snapshot of the log's positions and health (like LoraDB's admin status). */
export interface WalStatus {
  readonly dir: string
  readonly nextLsn: Lsn
  /** Highest LSN whose bytes were handed to the OS. */
  readonly writtenLsn: Lsn
  /** Highest LSN known fsynced. */
  readonly durableLsn: Lsn
  readonly activeSegmentId: SegmentId
  readonly oldestSegmentId: SegmentId
  /** Bytes in the active segment, written plus pending. */
  readonly activeSegmentBytes: number
  /** Encoded bytes not yet written to the OS. */
  readonly pendingBytes: number
  readonly bgFailure: string | undefined
  readonly syncMode: SyncMode["_tag"]
}

/** The log's operations. Every method fails with a {@link WalError}; LSNs are u64 bigints, sizes are bytes. */
export interface WalService<E> {
  /** What the open recovered. */
  readonly recovery: RecoveryReport<E>
  /**
   * Commits `events` as one transaction: TxBegin (lsn b), MutationBatch
   * (b + 1) and TxCommit (b + 2), contiguous in one segment, possibly after a
   * rotation. An empty list writes nothing and returns `{ _tag: "Empty" }`
   * (after the health check). Errors: `Poisoned`; `Encode` for an event that
   * fails its codec or a record over 256 MiB (nothing is written and no LSN
   * is used); `Malformed("WAL LSN space is exhausted")`; `Io`.
   */
  readonly commitTx: (events: ReadonlyArray<E>, options?: CommitOptions) => Effect.Effect<CommitResult, WalError>
  /** Low level: appends a TxBegin; returns its LSN (the transaction id). May rotate first. */
  readonly begin: Effect.Effect<Lsn, WalError>
  /** Low level: appends a Mutation record (one event) to transaction `tx`. */
  readonly append: (tx: Lsn, event: E) => Effect.Effect<Lsn, WalError>
  /** Low level: appends a MutationBatch record; an empty list fails with `Encode("mutation batch must contain at least one event")`. */
  readonly appendBatch: (tx: Lsn, events: ReadonlyArray<E>) => Effect.Effect<Lsn, WalError>
  /** Low level: appends a TxCommit for `tx` and writes it to the OS (and waits for durability under `PerCommit`). */
  readonly commit: (tx: Lsn, options?: CommitOptions) => Effect.Effect<Lsn, WalError>
  /** Low level: appends a TxAbort for `tx`. */
  readonly abort: (tx: Lsn) => Effect.Effect<Lsn, WalError>
  /** Appends a Checkpoint record stamped with `snapshotLsn` (must be ≤ its own LSN for replay to accept it). */
  readonly checkpointMarker: (snapshotLsn: bigint) => Effect.Effect<Lsn, WalError>
  /** Writes pending bytes to the OS (no fsync; `durableLsn` unchanged except under `None`). */
  readonly flush: Effect.Effect<void, WalError>
  /** Writes pending bytes and fsyncs the active segment; `durableLsn` becomes `nextLsn − 1`. */
  readonly forceFsync: Effect.Effect<void, WalError>
  /** Waits until `durableLsn ≥ lsn`, triggering an fsync when needed. Fails with `Poisoned` if the log is or becomes poisoned. */
  readonly awaitDurable: (lsn: bigint) => Effect.Effect<void, WalError>
  /**
   * Deletes sealed segments whose every LSN is ≤ `fenceLsn` (segment i goes
   * when base(i + 1) − 1 ≤ fence); never the active segment nor the one whose
   * id is one less. Not gated by poisoning (lora-wal §6.7).
   */
  readonly truncateUpTo: (fenceLsn: bigint) => Effect.Effect<TruncateResult, WalError>
  readonly nextLsn: Effect.Effect<Lsn>
  readonly writtenLsn: Effect.Effect<Lsn>
  readonly durableLsn: Effect.Effect<Lsn>
  readonly activeSegmentId: Effect.Effect<SegmentId>
  readonly oldestSegmentId: Effect.Effect<SegmentId>
  /** The latched failure text (`bg fsync failed: …`), if the log is poisoned. */
  readonly bgFailure: Effect.Effect<Option.Option<string>>
  readonly status: Effect.Effect<WalStatus>
}

// ---------------------------------------------------------------------------
// State

/** The active segment: its file, how many bytes the file holds, and the pending (unwritten) records. */
interface ActiveSegment {
  readonly id: SegmentId
  readonly path: string
  readonly handle: FileHandle
  readonly baseLsn: Lsn
  /** Bytes in the file (header included). */
  fileBytes: number
  /** Records encoded but not yet written. */
  readonly pending: ByteWriter
  /** Set once sealed (rotation failed half-way): appends then fail with `Poisoned`. */
  sealed: boolean
}

interface WalState {
  readonly nextLsn: Lsn
  readonly writtenLsn: Lsn
  readonly durableLsn: Lsn
  readonly oldestSegmentId: SegmentId
  readonly active: ActiveSegment
  readonly bgFailure: string | undefined
}

const DEFAULT_TARGET = 8 * 1024 * 1024
const lsnExhausted = () => new Malformed({ reason: "WAL LSN space is exhausted" })
const segmentIdExhausted = () => new Malformed({ reason: "WAL segment id space is exhausted" })

/** Creates segment `id` with base `baseLsn`: exclusive create, header, fsync (the caller fsyncs the directory). */
const createSegment = (io: FileIoShape, dir: string, id: SegmentId, baseLsn: Lsn, method: SyncMethod) =>
  Effect.gen(function* () {
    const path = segmentPath(dir, id)
    const handle = yield* io.open(path, "create")
    yield* handle.write(encodeSegmentHeader(baseLsn, false), 0).pipe(
      Effect.andThen(method === "fsync" ? handle.sync : handle.datasync),
      Effect.tapError(() => handle.close)
    )
    const seg: ActiveSegment = {
      id,
      path,
      handle,
      baseLsn,
      fileBytes: SEGMENT_HEADER_SIZE,
      pending: new ByteWriter(64 * 1024),
      sealed: false
    }
    return seg
  })

/**
 * Opens (recovering) the log in `config.dir` for the lifetime of the current
 * scope. Generic in the event type through `config.codec`.
 *
 * Errors: `AlreadyOpen` (another live handle, LoraDB included), `Io`,
 * `BadSegmentHeader`, `Malformed` (structure; a torn tail in a sealed
 * segment; LSN space exhausted). A failing open changes no file.
 */
export const makeWal = <E = MutationEvent>(
  config: WalConfig<E>
): Effect.Effect<WalService<E>, WalError, Scope.Scope | FileIo> =>
  Effect.gen(function* () {
    const io = yield* FileIo
    const codec = (config.codec ?? LW1Codec) as EventCodec<E>
    const dir = config.dir
    const syncMode = config.syncMode ?? SyncMode.GroupSync()
    const method: SyncMethod = config.syncMethod ?? "fdatasync"
    const target = config.segmentTargetBytes ?? DEFAULT_TARGET
    const fence = config.checkpointLsn ?? 0n

    // 1. Directory and lock.
    yield* io.mkdirp(dir)
    yield* acquireDirLock(dir)

    // 2. Replay.
    const collected: Array<E> = []
    const onRecover = config.onRecover
    const outcome = yield* replayDirectory<E>({
      io,
      dir,
      codec,
      checkpointLsn: fence,
      onTransaction: onRecover ?? ((tx) =>
        Effect.sync(() => {
          for (const e of tx.events) collected.push(e)
        }))
    })

    let active: ActiveSegment
    let nextLsn: Lsn
    const truncated: Array<{ file: string; fromBytes: number; toBytes: number }> = []
    const fresh = outcome.segments.length === 0
    if (fresh) {
      active = yield* createSegment(io, dir, FIRST_SEGMENT, 1n as Lsn, method)
      yield* io.syncDir(dir)
      nextLsn = 1n as Lsn
    } else {
      const last = outcome.segments[outcome.segments.length - 1]!
      // 3. Reopen the highest-id segment (canonical path) for append at the last good offset.
      const path = segmentPath(dir, last.id)
      const header = yield* readSegmentHeader(io, path)
      if (header.sealed) return yield* new BadSegmentHeader({ reason: "segment is sealed; cannot append" })
      const handle = yield* io.open(path, "readwrite")
      const size = yield* handle.size.pipe(Effect.tapError(() => handle.close))
      const offset = outcome.lastGoodOffset
      if (offset < SEGMENT_HEADER_SIZE) {
        yield* handle.close
        return yield* new BadSegmentHeader({ reason: "append offset before segment payload" })
      }
      if (offset > size) {
        yield* handle.close
        return yield* new BadSegmentHeader({ reason: "append offset past end of segment" })
      }
      // 4. Cut a torn tail in the active segment; anywhere else it is corruption.
      const torn = outcome.tornTail
      if (torn !== undefined) {
        if (torn.segmentId !== last.id) {
          yield* handle.close
          return yield* new Malformed({ reason: `torn tail found in sealed segment ${torn.segmentPath}` })
        }
        // Why cut: the bytes after the last good record belong to a write that
        // never completed (or to garbage); keeping them would make every later
        // append unreadable. Nothing acknowledged as durable lies there.
        yield* handle.truncate(torn.lastGoodOffset).pipe(
          Effect.andThen(method === "fsync" ? handle.sync : handle.datasync),
          Effect.tapError(() => handle.close)
        )
        truncated.push({ file: last.name, fromBytes: size, toBytes: torn.lastGoodOffset })
      }
      // 5. Positions.
      if (outcome.maxLsn === U64_MAX) {
        yield* handle.close
        return yield* lsnExhausted()
      }
      nextLsn = (outcome.maxLsn + 1n) as Lsn
      active = {
        id: last.id,
        path,
        handle,
        baseLsn: header.baseLsn,
        fileBytes: torn !== undefined ? torn.lastGoodOffset : offset,
        pending: new ByteWriter(64 * 1024),
        sealed: false
      }
      // Bytes past the last good offset without a torn tail cannot exist (the scan read to EOF).
    }

    const state = yield* Ref.make<WalState>({
      nextLsn,
      writtenLsn: outcome.maxLsn,
      durableLsn: outcome.maxLsn,
      oldestSegmentId: outcome.segments[0]?.id ?? FIRST_SEGMENT,
      active,
      bgFailure: undefined
    })
    const stateLock = yield* Semaphore.make(1)
    const syncLock = yield* Semaphore.make(1)

    // Close the active segment's file when the scope ends (after the final fsync below).
    yield* Effect.addFinalizer(() => Effect.flatMap(Ref.get(state), (s) => s.active.handle.close))

    const recovery: RecoveryReport<E> = {
      events: collected,
      eventCount: outcome.eventCount,
      transactionCount: outcome.transactionCount,
      maxLsn: outcome.maxLsn,
      checkpointLsnObserved: outcome.checkpointLsnObserved,
      tornTail: outcome.tornTail,
      truncated,
      fresh
    }

    // -----------------------------------------------------------------------
    // Internals (all run under stateLock unless said otherwise)

    const poisoned = (s: WalState) => new Poisoned(s.bgFailure !== undefined ? { bgFailure: s.bgFailure } : {})

    const health = Effect.flatMap(Ref.get(state), (s) => (s.bgFailure !== undefined ? Effect.fail(poisoned(s)) : Effect.void))

    const latch = (text: string) =>
      Ref.update(state, (s) => (s.bgFailure !== undefined ? s : { ...s, bgFailure: text }))

    const syncFile = (h: FileHandle) => (method === "fsync" ? h.sync : h.datasync)

    /** Writes the pending buffer to the file with one write. A failed write poisons the log (the file's tail is then unknown). */
    const writePending: Effect.Effect<void, WalError> = Effect.gen(function* () {
      const s = yield* Ref.get(state)
      const a = s.active
      if (a.pending.length === 0) return
      const bytes = a.pending.bytes()
      const r = yield* Effect.exit(a.handle.write(bytes, a.fileBytes))
      if (Exit.isFailure(r)) {
        const err = r.cause.reasons.find((x) => x._tag === "Fail")
        const msg = err && err._tag === "Fail" ? String((err.error as WalError).message) : "write failed"
        yield* latch(`write failed: ${msg}`)
        return yield* Effect.failCause(r.cause)
      }
      a.fileBytes += bytes.length
      a.pending.reset()
      const written = (s.nextLsn - 1n) as Lsn
      yield* Ref.set(state, {
        ...s,
        writtenLsn: written,
        durableLsn: syncMode._tag === "None" && written > s.durableLsn ? written : s.durableLsn
      })
    })

    /**
     * Write + fsync of the active segment, then `durableLsn = nextLsn − 1`.
     * Runs under syncLock; the fsync itself runs outside stateLock so that
     * committers keep appending to the pending buffer meanwhile.
     * `latchPrefix` names the failure in the poison latch.
     */
    const syncNow = (latchPrefix: string): Effect.Effect<void, WalError> =>
      Effect.gen(function* () {
        const [handle, covered] = yield* stateLock.withPermit(
          Effect.gen(function* () {
            yield* writePending
            const s = yield* Ref.get(state)
            return [s.active.handle, (s.nextLsn > 0n ? s.nextLsn - 1n : 0n) as Lsn] as const
          })
        )
        if (syncMode._tag === "None") return
        const r = yield* Effect.exit(syncFile(handle))
        if (Exit.isFailure(r)) {
          const err = r.cause.reasons.find((x) => x._tag === "Fail")
          const msg = err && err._tag === "Fail" ? String((err.error as WalError).message) : "fsync failed"
          yield* latch(`${latchPrefix}: ${msg}`)
          return yield* Effect.failCause(r.cause)
        }
        yield* Ref.update(state, (s) => (covered > s.durableLsn ? { ...s, durableLsn: covered } : s))
      })

    /** Waits until `lsn` is durable, sharing fsyncs with concurrent waiters (group commit). */
    const awaitCovered = (lsn: bigint): Effect.Effect<void, WalError> =>
      Effect.flatMap(Ref.get(state), (s0) => {
        if (s0.durableLsn >= lsn) return Effect.void
        return syncLock.withPermit(
          Effect.gen(function* () {
            const s = yield* Ref.get(state)
            if (s.durableLsn >= lsn) return
            if (s.bgFailure !== undefined) return yield* poisoned(s)
            // Let committers that are ready to run append first, so that this fsync covers them too.
            yield* Effect.yieldNow
            yield* syncNow("fsync failed")
          })
        )
      })

    /** Seal the active segment and start the next one (spec §6.4). Runs under syncLock + stateLock. */
    const rotate: Effect.Effect<void, WalError> = Effect.gen(function* () {
      const s = yield* Ref.get(state)
      const a = s.active
      if (!a.sealed) {
        yield* writePending
        yield* syncFile(a.handle)
        yield* a.handle.write(encodeSegmentHeader(a.baseLsn, true), 0)
        yield* syncFile(a.handle)
        a.sealed = true
      }
      const id = nextSegmentId(a.id)
      if (id === undefined) return yield* segmentIdExhausted()
      const s2 = yield* Ref.get(state)
      const seg = yield* createSegment(io, dir, id, s2.nextLsn, method)
      yield* io.syncDir(dir).pipe(Effect.tapError(() => seg.handle.close))
      yield* a.handle.close
      yield* Ref.set(state, { ...s2, active: seg })
    })

    const bytesInActive = (a: ActiveSegment) => a.fileBytes + a.pending.length

    const needsRotation = (s: WalState) =>
      // Never seal an empty segment (the reference does so for a target ≤ 32 and the log becomes unopenable).
      s.active.sealed || (bytesInActive(s.active) >= target && bytesInActive(s.active) > SEGMENT_HEADER_SIZE)

    /** Runs `f` under stateLock, rotating first when the active segment is full (transaction boundaries only). */
    const atTxBoundary = <A>(f: Effect.Effect<A, WalError>): Effect.Effect<A, WalError> =>
      Effect.flatMap(Ref.get(state), (s) =>
        needsRotation(s)
          ? syncLock.withPermit(stateLock.withPermit(
            Effect.flatMap(Ref.get(state), (s2) => (needsRotation(s2) ? Effect.andThen(rotate, f) : f))
          ))
          : stateLock.withPermit(f))

    /** Allocates `n` consecutive LSNs and encodes records into the pending buffer with `write(firstLsn)`. */
    const appendRecords = (
      n: bigint,
      write: (w: ByteWriter, first: bigint) => void
    ): Effect.Effect<Lsn, WalError> =>
      Effect.gen(function* () {
        const s = yield* Ref.get(state)
        if (s.bgFailure !== undefined) return yield* poisoned(s)
        if (s.active.sealed) return yield* poisoned(s)
        const first = s.nextLsn
        if (first + n - 1n >= U64_MAX) return yield* lsnExhausted()
        const w = s.active.pending
        const mark = w.length
        try {
          write(w, first)
        } catch (e) {
          w.truncate(mark)
          return yield* (e instanceof CodecFailure ? codecFailureToWalError(e, "Encode") : new Encode({ reason: String(e) }))
        }
        yield* Ref.set(state, { ...s, nextLsn: (first + n) as Lsn })
        return first
      })

    const wantsDurable = (options: CommitOptions | undefined) =>
      (options?.durability ?? (syncMode._tag === "PerCommit" ? "durable" : "written")) === "durable"

    const commitTx = (events: ReadonlyArray<E>, options?: CommitOptions): Effect.Effect<CommitResult, WalError> =>
      Effect.gen(function* () {
        yield* health
        if (events.length === 0) return { _tag: "Empty" } as const
        const durable = wantsDurable(options)
        const begin = yield* atTxBoundary(
          Effect.gen(function* () {
            const b = yield* appendRecords(3n, (w, first) => {
              const mark = w.length
              writeMarker(w, RecordKind.TxBegin, first, 0n)
              try {
                writeMutationBatch(w, codec, first + 1n, first, events)
              } catch (e) {
                // Unlike the reference (which leaves an orphan TxBegin and burns three LSNs),
                // a commit that fails to encode leaves nothing behind.
                w.truncate(mark)
                throw e
              }
              writeMarker(w, RecordKind.TxCommit, first + 2n, first)
            })
            if (!durable || syncMode._tag !== "PerCommit") yield* writePending
            return b
          }).pipe(Effect.uninterruptible)
        )
        const commitLsn = (begin + 2n) as Lsn
        if (durable) yield* awaitCovered(commitLsn)
        return { _tag: "Committed", beginLsn: begin, batchLsn: (begin + 1n) as Lsn, commitLsn } as const
      })

    const single = (kind: "begin" | "append" | "batch" | "commit" | "abort" | "checkpoint") =>
    (write: (w: ByteWriter, lsn: bigint) => void) =>
      Effect.flatMap(health, () =>
        (kind === "begin" ? atTxBoundary : (f: Effect.Effect<Lsn, WalError>) => stateLock.withPermit(f))(
          appendRecords(1n, write)
        ))

    const service: WalService<E> = {
      recovery,
      commitTx,
      begin: single("begin")((w, lsn) => writeMarker(w, RecordKind.TxBegin, lsn, 0n)),
      append: (tx, event) => single("append")((w, lsn) => writeMutation(w, codec, lsn, tx, event)),
      appendBatch: (tx, events) =>
        single("batch")((w, lsn) => {
          writeMutationBatch(w, codec, lsn, tx, events)
        }),
      commit: (tx, options) =>
        Effect.gen(function* () {
          const durable = wantsDurable(options)
          const lsn = yield* single("commit")((w, l) => writeMarker(w, RecordKind.TxCommit, l, tx))
          yield* stateLock.withPermit(writePending)
          if (durable) yield* awaitCovered(lsn)
          return lsn
        }),
      abort: (tx) => single("abort")((w, lsn) => writeMarker(w, RecordKind.TxAbort, lsn, tx)),
      checkpointMarker: (snapshotLsn) =>
        single("checkpoint")((w, lsn) => writeMarker(w, RecordKind.Checkpoint, lsn, snapshotLsn)),
      flush: Effect.andThen(health, stateLock.withPermit(writePending)),
      forceFsync: Effect.andThen(health, syncLock.withPermit(syncNow("fsync failed"))),
      awaitDurable: (lsn) => Effect.andThen(health, awaitCovered(lsn)),
      truncateUpTo: (fenceLsn) =>
        syncLock.withPermit(stateLock.withPermit(Effect.gen(function* () {
          const segments = yield* listSegments(io, dir)
          const s = yield* Ref.get(state)
          const keepFrom = s.active.id > 0n ? s.active.id - 1n : 0n
          const drop: Array<SegmentEntry> = []
          for (let i = 0; i < segments.length; i++) {
            const seg = segments[i]!
            if (seg.id >= keepFrom) break
            const succ = segments[i + 1]
            if (!succ) break
            const succBase = (yield* readSegmentHeader(io, succ.path)).baseLsn as bigint
            const lastInSeg = succBase > 0n ? succBase - 1n : 0n
            if (lastInSeg <= fenceLsn) drop.push(seg)
            else break
          }
          let oldest = s.oldestSegmentId
          for (const seg of drop) {
            yield* io.remove(seg.path)
            if (seg.id >= oldest) {
              const n = nextSegmentId(seg.id)
              if (n === undefined) return yield* segmentIdExhausted()
              oldest = n
            }
          }
          // Why fsync the directory: the unlinks must be durable before anyone relies on the space or the fence.
          if (segments.length > 0 && oldest !== segments[0]!.id) yield* io.syncDir(dir)
          yield* Ref.update(state, (st) => ({ ...st, oldestSegmentId: oldest }))
          return { removed: drop.map((d) => d.id), oldestSegmentId: oldest }
        }))),
      nextLsn: Effect.map(Ref.get(state), (s) => s.nextLsn),
      writtenLsn: Effect.map(Ref.get(state), (s) => s.writtenLsn),
      durableLsn: Effect.map(Ref.get(state), (s) => s.durableLsn),
      activeSegmentId: Effect.map(Ref.get(state), (s) => s.active.id),
      oldestSegmentId: Effect.map(Ref.get(state), (s) => s.oldestSegmentId),
      bgFailure: Effect.map(Ref.get(state), (s) => Option.fromUndefinedOr(s.bgFailure)),
      status: Effect.map(Ref.get(state), (s) => ({
        dir,
        nextLsn: s.nextLsn,
        writtenLsn: s.writtenLsn,
        durableLsn: s.durableLsn,
        activeSegmentId: s.active.id,
        oldestSegmentId: s.oldestSegmentId,
        activeSegmentBytes: bytesInActive(s.active),
        pendingBytes: s.active.pending.length,
        bgFailure: s.bgFailure,
        syncMode: syncMode._tag
      }))
    }

    // The group flusher (GroupSync): waits one interval, fsyncs (even when idle, as lora-wal does), repeats.
    // Its first failure latches `bg fsync failed: …` and stops it.
    if (syncMode._tag === "GroupSync") {
      const tick = syncLock.withPermit(syncNow("bg fsync failed"))
      yield* Effect.sleep(syncMode.interval).pipe(
        Effect.andThen(Effect.repeat(tick, Schedule.spaced(syncMode.interval))),
        Effect.ignore,
        Effect.forkScoped
      )
    }

    // Close: final write + fsync (errors ignored) runs first; then the flusher is interrupted,
    // the file closed and the lock released (finalizers run in reverse order of registration).
    yield* Effect.addFinalizer(() =>
      Effect.gen(function* () {
        const s = yield* Ref.get(state)
        if (s.bgFailure !== undefined) {
          // Poisoned: still try to hand pending bytes to the OS, but never claim durability.
          yield* Effect.ignore(stateLock.withPermit(writePending))
          return
        }
        yield* Effect.ignore(syncLock.withPermit(syncNow("close fsync failed")))
      })
    )

    return service
  })

/** The `Wal` service for LoraDB `MutationEvent`s. */
export class Wal extends Context.Service<Wal, WalService<MutationEvent>>()("effect-wal/Wal") {
  /**
   * Opens the log described by `config` on real files (Node). The layer's
   * scope owns the log: when it closes, a final fsync runs, the group flusher
   * stops and the directory lock is released. Errors: see {@link makeWal}.
   */
  static readonly layer = (config: WalConfig<MutationEvent>): Layer.Layer<Wal, WalError> =>
    Layer.effect(Wal, makeWal(config)).pipe(Layer.provide(FileIo.layerNode))

  /** Like {@link Wal.layer} but on the `FileIo` the caller provides (e.g. the in-memory disk in tests). */
  static readonly layerWith = (config: WalConfig<MutationEvent>): Layer.Layer<Wal, WalError, FileIo> =>
    Layer.effect(Wal, makeWal(config))
}

/** The canonical file name of a segment id, re-exported for convenience. */
export { segmentFileName }
