/**
 * Live tailing: follow a WAL directory while a writer appends to it, and
 * emit its committed transactions in commit order as they appear.
 *
 * ## Mental model
 *
 * {@link tailDirectory} is {@link replayDirectory} that does not stop at the
 * end of the log. It walks the segments in id order with the same pure state
 * machine ({@link ReplayMachine}: same LSN and transaction checks, same
 * checkpoint fence), keeps a cursor (segment, byte offset just past the last
 * record it consumed), and every `pollInterval` reads whatever the writer
 * appended after the cursor. The writer can be an effect-wal `Wal` in this
 * or another process, or LoraDB: the tailer takes no lock, opens files
 * read-only and never writes, so it runs beside the writer that holds the
 * directory lock.
 *
 * ## What it reads
 *
 * The tailer reads what the writer handed to the OS (the page cache), not
 * only what is fsynced. A transaction is emitted as soon as its TxCommit
 * record is readable, which can be before it is durable (under group sync,
 * up to one flusher interval before). A consumer that must see durable
 * transactions only can hold each one back until its `commitLsn` is at or
 * below a durable LSN it learns from the writer (`wal.durableLsn`,
 * `wal.awaitDurable(commitLsn)`, or LoraDB's `sync()`); see `docs/tailing.md`.
 *
 * ## The end of the log: wait or fail?
 *
 * While tailing, an unreadable record at the end of the highest-id segment
 * is not an error: it is most likely a write in progress. A record cut short
 * (`Truncated`) is the usual case; a CRC mismatch or an undecodable record
 * may be one too (a file system or a writer in another process may expose a
 * record's bytes partly written), and so is garbage left by a writer that
 * crashed, which that writer's recovery will cut on its next open before
 * appending again at the same offset. So the tailer stops there and retries
 * at the next poll. It fails (`Malformed`, naming the file, the offset and
 * the cause) only once a later segment is listed: both lora-wal and
 * effect-wal write out every record of a segment before they create the
 * next one, so from then on the unreadable record can never be completed.
 * The directory is listed *before* the segment is read, so "a later segment
 * exists" always describes a moment at which the segment read was already
 * complete. The same rule covers a new segment whose 32-byte header is not
 * (yet) complete or readable.
 *
 * ## Other failures
 *
 * - Segments removed before the tailer read them (`truncateUpTo` after a
 *   checkpoint, or recovery setting segments aside): `Malformed` naming the
 *   missing LSN range, unless every missing LSN is at or below
 *   `max(fromLsn, checkpointLsn)` — the tailer does not need what it has
 *   passed or was told to skip. At start this compares the first segment's
 *   base LSN with 1; while running, the next segment's base with the last
 *   LSN read (segment ids allocated by rotation are consecutive, so a skipped
 *   id or a vanished current segment means files were removed).
 * - The current segment got shorter than the cursor, or the record just
 *   before the cursor changed: the writer's recovery cut bytes the tailer had
 *   already read (after a machine crash lost unsynced data). Those bytes were
 *   never acknowledged as durable, and transactions emitted from them may be
 *   gone: `Malformed`, since a consumer must rebuild from a snapshot.
 * - Everything replay reports: `Malformed` for LSN or transaction structure,
 *   `BadSegmentHeader` for a bad header that is not at the end, `Io`.
 *
 * ## Memory
 *
 * Bounded: one read buffer of `chunkBytes` (grown only to hold a larger
 * record), the transactions decoded from one buffer (handed downstream
 * before the next read), and the events of transactions still open, as in
 * replay. Backlog is read chunk by chunk without sleeping; the tailer sleeps
 * `pollInterval` only when it has caught up.
 *
 * @module
 */
import { Duration, Effect, Option, Stream } from "effect"
import type { EventCodec } from "./EventCodec.js"
import { decodeFrame, decodeRecord, peekRecordLength } from "./format/Record.js"
import { decodeSegmentHeader, SEGMENT_HEADER_SIZE, SegmentHeader } from "./format/SegmentHeader.js"
import type { FileHandle, FileIoShape } from "./io/FileIo.js"
import { type CommittedTransaction, ReplayMachine } from "./Replay.js"
import { listSegments, type SegmentEntry } from "./SegmentDir.js"
import { BadSegmentHeader, Decode, type Io, Malformed, type WalError } from "./WalError.js"

/** Options of {@link tailDirectory}. */
export interface TailOptions<E> {
  /** The file-system port (`nodeFileIo` / `FileIo.layerNode`'s service, or the in-memory disk). */
  readonly io: FileIoShape
  /** The WAL directory. It must exist; while it holds no segment the tailer waits. */
  readonly dir: string
  /** The event codec the writer uses (LoraDB: `LW1Codec`). */
  readonly codec: EventCodec<E>
  /**
   * Emit only transactions whose `commitLsn` is greater than this (default
   * 0n: everything). A consumer that restarts passes the `commitLsn` of the
   * last transaction it applied. Records below it are still read (a
   * transaction begun at or below `fromLsn` but committed above it is emitted
   * whole).
   */
  readonly fromLsn?: bigint
  /** The checkpoint fence, as in replay: records at or below it are skipped (default 0n). */
  readonly checkpointLsn?: bigint
  /** How long to wait, once caught up, before looking for new bytes (default 50 ms). */
  readonly pollInterval?: Duration.Input
  /** Read buffer size in bytes (default 1 MiB; at least 64). A larger record gets a buffer of its own size. */
  readonly chunkBytes?: number
}

/** The segment the cursor is in. */
interface Current {
  readonly entry: SegmentEntry
  readonly baseLsn: bigint
}

/** A header read while tailing: decoded, not there yet, or bad. */
type HeaderRead =
  | { readonly _tag: "Ok"; readonly baseLsn: bigint }
  | { readonly _tag: "Short"; readonly size: number }
  | { readonly _tag: "Bad"; readonly error: BadSegmentHeader }

const readHeader = (io: FileIoShape, path: string): Effect.Effect<HeaderRead, Io> =>
  Effect.acquireUseRelease(
    io.open(path, "read"),
    (h) =>
      Effect.gen(function* () {
        const size = yield* h.size
        if (size < SEGMENT_HEADER_SIZE) return { _tag: "Short", size } as const
        const buf = yield* readFully(h, SEGMENT_HEADER_SIZE, 0)
        if (buf.length < SEGMENT_HEADER_SIZE) return { _tag: "Short", size: buf.length } as const
        const r = decodeSegmentHeader(buf)
        if (r instanceof SegmentHeader) return { _tag: "Ok", baseLsn: r.baseLsn as bigint } as const
        const error = r instanceof BadSegmentHeader ? r : new BadSegmentHeader({ reason: r.message })
        return { _tag: "Bad", error } as const
      }),
    (h) => h.close
  )

/** Reads up to `length` bytes at `position` (fewer only at end of file). */
const readFully = (h: FileHandle, length: number, position: number): Effect.Effect<Uint8Array, Io> =>
  Effect.gen(function* () {
    const buf = new Uint8Array(length)
    let got = 0
    while (got < length) {
      const n = yield* h.read(buf, got, length - got, position + got)
      if (n === 0) break
      got += n
    }
    return got === length ? buf : buf.subarray(0, got)
  })

const u32le = (b: Uint8Array, at: number): number =>
  (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0

const lostRange = (from: bigint, to: bigint): string => (from === to ? `LSN ${from}` : `LSNs ${from}..${to}`)

/** The tailer's state: one per run of the stream. */
class Tailer<E> {
  private readonly io: FileIoShape
  private readonly dir: string
  private readonly codec: EventCodec<E>
  private readonly fromLsn: bigint
  private readonly fence: bigint
  /** Everything at or below this the tailer does not have to see. */
  private readonly threshold: bigint
  private readonly interval: Duration.Duration
  private readonly chunk: number
  private readonly machine: ReplayMachine<E>
  private out: Array<CommittedTransaction<E>> = []
  private current: Current | undefined = undefined
  /** Byte offset just past the last record consumed in the current segment. */
  private offset = SEGMENT_HEADER_SIZE
  /** Stored CRC of the record that ends at `offset` (undefined at 32). */
  private lastCrc: number | undefined = undefined
  /** True when the last step caught up: the next one sleeps first. */
  private idle = false

  constructor(options: TailOptions<E>) {
    this.io = options.io
    this.dir = options.dir
    this.codec = options.codec
    this.fromLsn = options.fromLsn ?? 0n
    this.fence = options.checkpointLsn ?? 0n
    this.threshold = this.fromLsn > this.fence ? this.fromLsn : this.fence
    this.interval = Duration.fromInputUnsafe(options.pollInterval ?? 50)
    this.chunk = Math.max(64, Math.floor(options.chunkBytes ?? 1024 * 1024))
    this.machine = new ReplayMachine<E>(this.fence, (tx) => {
      if (tx.commitLsn > this.fromLsn) this.out.push(tx)
    })
  }

  /** One page of the stream: sleeps first if caught up, then lists, reads at most one chunk, and returns what it committed. */
  readonly step: Effect.Effect<ReadonlyArray<CommittedTransaction<E>>, WalError> = Effect.suspend(() => {
    const self = this
    return Effect.gen(function* () {
      if (self.idle) yield* Effect.sleep(self.interval)
      self.idle = false
      // Listed before anything is read: a later segment seen here proves the current one was complete.
      const listed = yield* listSegments(self.io, self.dir)
      yield* self.advanceOrRead(listed)
      const txs = self.out
      self.out = []
      return txs
    })
  })

  private fail(reason: string): Effect.Effect<never, Malformed> {
    return Effect.fail(new Malformed({ reason }))
  }

  /** Fails when LSNs `(maxLsn, base)` are gone and some of them lie above the threshold. */
  private checkGap(entry: SegmentEntry, base: bigint, why: string): Effect.Effect<void, Malformed> {
    const from = (this.machine.maxLsn as bigint) + 1n
    const to = base - 1n
    if (to < from || to <= this.threshold) return Effect.void
    const need = from > this.threshold ? from : this.threshold + 1n
    return this.fail(
      `${why}: segment ${entry.path} starts at base_lsn ${base}, so ${lostRange(from, to)} are no longer in ` +
        `the directory, and the tailer needs ${lostRange(need, to)} (fromLsn ${this.fromLsn}, checkpointLsn ${this.fence})`
    )
  }

  /** Reads the header of `entry` and makes it the current segment; waits (idle) when the header is not there yet. */
  private enter(entry: SegmentEntry, listed: ReadonlyArray<SegmentEntry>, why: string | undefined): Effect.Effect<void, WalError> {
    const self = this
    return Effect.gen(function* () {
      const read = yield* Effect.result(readHeader(self.io, entry.path))
      if (read._tag === "Failure") {
        if (read.failure.code !== "ENOENT") return yield* read.failure
        // Removed between the listing and the open: the next step's listing tells what happened.
        self.idle = true
        return
      }
      const h = read.success
      if (h._tag !== "Ok") {
        const after = listed.find((s) => s.id > entry.id)
        if (after === undefined) {
          // The writer may be creating this segment right now (create, then write the header): retry.
          self.idle = true
          return
        }
        if (h._tag === "Bad") return yield* h.error
        return yield* self.fail(
          `segment ${entry.path} has only ${h.size} bytes, less than its 32-byte header, and a later segment ${after.path} exists`
        )
      }
      if (why !== undefined) yield* self.checkGap(entry, h.baseLsn, why)
      const bad = self.machine.beginSegment(h.baseLsn, entry.path)
      if (bad) return yield* bad
      self.current = { entry, baseLsn: h.baseLsn }
      self.offset = SEGMENT_HEADER_SIZE
      self.lastCrc = undefined
    })
  }

  private advanceOrRead(listed: ReadonlyArray<SegmentEntry>): Effect.Effect<void, WalError> {
    const cur = this.current
    if (cur === undefined) {
      const first = listed[0]
      if (first === undefined) {
        this.idle = true
        return Effect.void
      }
      return this.enter(first, listed, "segments before it were removed")
    }
    const later = listed.find((s) => s.id > cur.entry.id)
    if (!listed.some((s) => s.path === cur.entry.path)) {
      // The current segment is gone (truncateUpTo, or recovery set it aside). Moving on is safe only
      // when nothing the tailer needs went with it: the next segment continues right after the last LSN read.
      if (later === undefined) {
        return this.fail(`segment ${cur.entry.path} was removed while the tailer was reading it (at offset ${this.offset})`)
      }
      return this.enter(later, listed, `segment ${cur.entry.path} was removed before the tailer finished reading it (at offset ${this.offset})`)
    }
    return this.read(cur, later, listed)
  }

  /** Reads from the cursor up to one chunk of the current segment and applies the records. */
  private read(cur: Current, later: SegmentEntry | undefined, listed: ReadonlyArray<SegmentEntry>): Effect.Effect<void, WalError> {
    const self = this
    const path = cur.entry.path
    return Effect.gen(function* () {
      const opened = yield* Effect.result(self.io.open(path, "read"))
      if (opened._tag === "Failure") {
        if (opened.failure.code === "ENOENT") {
          // Removed between the listing and the open: the next step's listing tells what happened.
          self.idle = true
          return
        }
        return yield* opened.failure
      }
      const h = opened.success
      const outcome = yield* Effect.ensuring(self.readOpen(h, path), h.close)
      if (outcome === "more") return
      if (outcome === "end") {
        if (later === undefined) {
          self.idle = true
          return
        }
        // Read to its end after a later segment was listed: complete. Rotation allocates id + 1;
        // a skipped id means segments were removed before the tailer got to them.
        return yield* self.enter(
          later,
          listed,
          later.id === cur.entry.id + 1n ? undefined : `segments between ${cur.entry.path} and ${later.path} were removed`
        )
      }
      // An unreadable record at the cursor.
      if (later === undefined) {
        // Probably a write in progress (or a crashed writer's torn tail that its recovery will cut): retry.
        self.idle = true
        return
      }
      return yield* self.fail(
        `unreadable record in ${path} at offset ${self.offset}, and a later segment ${later.path} exists, ` +
          `so it can never be completed: ${outcome.error.message}`
      )
    })
  }

  /**
   * Reads the open segment from the cursor: checks that the bytes already read are still there,
   * then decodes records from one buffer. Returns "more" (stopped at the chunk limit: bytes left),
   * "end" (every byte of the file consumed) or the unreadable record's error.
   */
  private readOpen(h: FileHandle, path: string): Effect.Effect<"more" | "end" | { readonly error: WalError }, WalError> {
    const self = this
    return Effect.gen(function* () {
      const size = yield* h.size
      const offset = self.offset
      if (size < offset) {
        return yield* self.fail(
          `segment ${path} is now ${size} bytes, shorter than the ${offset} bytes the tailer already read: the writer cut ` +
            `bytes it had not made durable (recovery after a crash); transactions emitted from them may be lost`
        )
      }
      // Re-read the CRC of the record that ends at the cursor: a writer that cut and appended again
      // since the last poll leaves the file long enough but with different bytes there.
      const back = self.lastCrc !== undefined ? 4 : 0
      let want = Math.min(size - offset, self.chunk)
      let buf = yield* readFully(h, back + want, offset - back)
      if (back > 0 && (buf.length < 4 || u32le(buf, 0) !== self.lastCrc)) {
        return yield* self.fail(
          `segment ${path} changed before offset ${offset} (the record ending there is no longer the one the tailer read): ` +
            `the writer cut bytes it had not made durable (recovery after a crash) and wrote again; transactions emitted from them may be lost`
        )
      }
      let end = buf.length
      let pos = back
      // A record larger than the chunk: read it whole with a buffer of its own size.
      // (When the file does not hold all of it yet, read what there is: the record is then cut by the
      // end of the file, a write in progress, and never by the chunk limit, so every step makes progress.)
      const first = peekRecordLength(buf, pos, end)
      if (typeof first === "number" && first > end - pos && want < size - offset) {
        want = Math.min(first, size - offset)
        buf = yield* readFully(h, back + want, offset - back)
        end = buf.length
      }
      const fileEnd = offset - back + end === size
      for (;;) {
        const recordOffset = offset - back + pos
        const f = decodeFrame(buf, pos, end)
        if (f._tag === "End") return fileEnd ? "end" : "more"
        if (f._tag === "Failure") {
          // Cut by the chunk limit, not by the end of the file: read on at the next step.
          if (f.error._tag === "Truncated" && !fileEnd) return "more"
          return { error: f.error }
        }
        const r = decodeRecord(buf, f.frame, self.codec)
        if (r instanceof Decode) return { error: r }
        const bad = self.machine.apply(r)
        if (bad) return yield* bad
        pos += f.frame.length
        self.offset = recordOffset + f.frame.length
        self.lastCrc = u32le(buf, pos - 4)
      }
    })
  }
}

/**
 * Follows the WAL directory `dir` while a writer appends to it: a stream of
 * its committed transactions, in commit order, each whole (`beginLsn`,
 * `commitLsn`, events in append order), as soon as their TxCommit record is
 * readable. Aborted and unfinished transactions are never emitted; records at
 * or below `checkpointLsn` are fenced as in replay; only transactions with
 * `commitLsn > fromLsn` are emitted.
 *
 * - Takes no lock and never writes (files are opened read-only), so it runs
 *   beside the writer that holds the lock: effect-wal's `Wal` or LoraDB, in
 *   this or another process.
 * - Emits what the writer handed to the OS, which may not be durable yet
 *   (see the module docs).
 * - Polls: sleeps `pollInterval` (default 50 ms) only once caught up; a
 *   backlog is read in `chunkBytes` steps without sleeping.
 * - Never ends on its own: it ends on a failure or when interrupted (e.g.
 *   `Stream.take`, `Stream.interruptWhen`, or the consumer's fiber).
 *
 * Errors: `Malformed` — structure (as replay), an unreadable record followed
 * by a later segment (file, offset and cause in the reason), segments removed
 * before the tailer read them (the missing LSN range), a segment cut below
 * the cursor; `BadSegmentHeader` — a bad header of a segment that is not the
 * last; `Io` — listing or reading (a missing `dir` fails with `ENOENT`).
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { FileIo, LW1Codec, tailDirectory } from "effect-wal"
 *
 * const follow = Effect.gen(function* () {
 *   const io = yield* FileIo
 *   yield* tailDirectory({ io, dir: "./wal", codec: LW1Codec, pollInterval: "20 millis" }).pipe(
 *     Stream.runForEach((tx) => Effect.log(`tx ${tx.commitLsn}: ${tx.events.length} events`))
 *   )
 * }).pipe(Effect.provide(FileIo.layerNode))
 * ```
 */
export const tailDirectory = <E>(options: TailOptions<E>): Stream.Stream<CommittedTransaction<E>, WalError> =>
  Stream.suspend(() => {
    const tailer = new Tailer(options)
    return Stream.paginate(undefined, () => Effect.map(tailer.step, (txs) => [txs, Option.some(undefined)] as const))
  })
