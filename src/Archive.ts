/**
 * Segment archiving and point-in-time recovery (the async segment-sync
 * writer's archive, with PostgreSQL's archiving rules).
 *
 * With an archive configured, `truncateUpTo(fence)` moves the segments it
 * would delete into the archive directory instead:
 *
 * 1. copy `<name>` to `<archive>/<name>.tmp`, fsync it;
 * 2. rename it to `<archive>/<name>`, fsync the archive directory — only now
 *    does the segment count as archived (a crash before this leaves at most a
 *    `.tmp` file, which listing ignores and the next attempt overwrites);
 * 3. delete the live segment (the caller fsyncs the live directory).
 *
 * Archiving the same segment twice is harmless (identical bytes already
 * there: nothing is written). Different bytes under the same name fail with
 * `Malformed("archive already holds a different <name>")` and nothing is
 * deleted — as PostgreSQL's `archive_command` must refuse to overwrite.
 *
 * Pruning (`maxSegments`, `maxBytes`) removes the oldest archived segments,
 * but never one holding an LSN above the checkpoint fence: those are needed
 * to recover from the last snapshot.
 *
 * {@link replayWithArchive} reads archive + live segments in LSN order, up to
 * a chosen LSN (point-in-time recovery).
 *
 * @module
 */
import { Effect } from "effect"
import * as Path from "node:path"
import type { EventCodec } from "./EventCodec.js"
import type { FileIoShape } from "./io/FileIo.js"
import { type CommittedTransaction, replayDirectory, type ReplayOutcome } from "./Replay.js"
import { listSegments, readSegmentHeader, type SegmentEntry } from "./SegmentDir.js"
import type { SyncBackendShape } from "./SyncBackend.js"
import { type BadSegmentHeader, type Io, Malformed } from "./WalError.js"

/** Where and how much to archive. Sizes in bytes. */
export interface ArchiveConfig {
  /** The archive directory (created when missing). Must not be the WAL directory. */
  readonly dir: string
  /** Keep at most this many archived segments (oldest pruned first, never above the fence). */
  readonly maxSegments?: number
  /** Keep at most this many bytes of archived segments. */
  readonly maxBytes?: number
}

const COPY_CHUNK = 1024 * 1024

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(a, b) === 0

/**
 * Archives the live segment `seg` into `archive.dir` (steps 1–2 above). The
 * live file is not deleted here. Fails with `Malformed` when the archive
 * holds a different file of the same name, or `Io`.
 */
export const archiveSegment = (
  io: FileIoShape,
  backend: SyncBackendShape,
  archiveDir: string,
  seg: SegmentEntry
): Effect.Effect<"archived" | "already-archived", Io | Malformed> =>
  Effect.gen(function* () {
    yield* io.mkdirp(archiveDir)
    const finalPath = Path.join(archiveDir, seg.name)
    const content = yield* io.readFile(seg.path)
    if (yield* io.exists(finalPath)) {
      const existing = yield* io.readFile(finalPath)
      if (sameBytes(existing, content)) return "already-archived" as const
      return yield* new Malformed({ reason: `archive already holds a different ${seg.name} (${finalPath})` })
    }
    const tmp = `${finalPath}.tmp`
    if (yield* io.exists(tmp)) yield* io.remove(tmp)
    const h = yield* io.open(tmp, "create")
    yield* Effect.gen(function* () {
      for (let off = 0; off < content.length; off += COPY_CHUNK) {
        yield* h.write(content.subarray(off, Math.min(content.length, off + COPY_CHUNK)), off)
      }
      yield* backend.sync(h)
    }).pipe(Effect.ensuring(h.close))
    yield* io.rename(tmp, finalPath)
    // Only once the directory entry is durable does the segment count as archived.
    yield* io.syncDir(archiveDir)
    return "archived" as const
  })

/**
 * Prunes the archive to `maxSegments` / `maxBytes`, oldest first, never
 * removing a segment that may hold an LSN above `fenceLsn` (a segment's last
 * LSN is its successor's base − 1; the successor is the next archived
 * segment or, for the newest, the oldest live one). Returns removed names.
 */
export const pruneArchive = (
  io: FileIoShape,
  archive: ArchiveConfig,
  liveDir: string,
  fenceLsn: bigint
): Effect.Effect<ReadonlyArray<string>, Io | BadSegmentHeader> =>
  Effect.gen(function* () {
    if (archive.maxSegments === undefined && archive.maxBytes === undefined) return []
    const archived = yield* listSegments(io, archive.dir)
    const live = yield* listSegments(io, liveDir)
    const sizes: Array<number> = []
    for (const a of archived) sizes.push((yield* io.readFile(a.path)).length)
    let count = archived.length
    let bytes = sizes.reduce((x, y) => x + y, 0)
    const removed: Array<string> = []
    for (let i = 0; i < archived.length; i++) {
      const over = (archive.maxSegments !== undefined && count > archive.maxSegments) ||
        (archive.maxBytes !== undefined && bytes > archive.maxBytes)
      if (!over) break
      const succ = archived[i + 1] ?? live.find((l) => l.id > archived[i]!.id)
      if (!succ) break
      const succBase = (yield* readSegmentHeader(io, succ.path)).baseLsn as bigint
      if ((succBase > 0n ? succBase - 1n : 0n) > fenceLsn) break
      yield* io.remove(archived[i]!.path)
      removed.push(archived[i]!.name)
      count--
      bytes -= sizes[i]!
    }
    if (removed.length > 0) yield* io.syncDir(archive.dir)
    return removed
  })

/**
 * The segments of the archive and the live directory merged by id (the live
 * copy wins when both hold the same id), ascending.
 */
export const listArchiveAndLive = (
  io: FileIoShape,
  archiveDir: string,
  liveDir: string
): Effect.Effect<ReadonlyArray<SegmentEntry>, Io> =>
  Effect.gen(function* () {
    const archived = (yield* io.exists(archiveDir)) ? yield* listSegments(io, archiveDir) : []
    const live = (yield* io.exists(liveDir)) ? yield* listSegments(io, liveDir) : []
    const byId = new Map<bigint, SegmentEntry>()
    for (const a of archived) byId.set(a.id, a)
    for (const l of live) byId.set(l.id, l)
    return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  })

/** Options of {@link replayWithArchive}. */
export interface ArchiveReplayOptions<E, R> {
  readonly io: FileIoShape
  readonly dir: string
  readonly archiveDir: string
  readonly codec: EventCodec<E>
  /** Fence: skip records at or below it (default 0). */
  readonly checkpointLsn?: bigint
  /** Replay only transactions committed at or below this LSN (default: all). */
  readonly untilLsn?: bigint
  readonly onTransaction?: (tx: CommittedTransaction<E>) => Effect.Effect<void, never, R>
}

/**
 * Point-in-time recovery: replays archived + live segments in LSN order,
 * read-only (no lock), up to `untilLsn`. Same checks and errors as
 * `replayDirectory` (a gap between archive and live data shows up as a
 * transaction that references a missing TxBegin, or simply as missing
 * history when the fence is 0 and old segments were pruned).
 */
export const replayWithArchive = <E, R = never>(
  options: ArchiveReplayOptions<E, R>
): Effect.Effect<ReplayOutcome, Io | BadSegmentHeader | Malformed, R> =>
  Effect.gen(function* () {
    const segments = yield* listArchiveAndLive(options.io, options.archiveDir, options.dir)
    return yield* replayDirectory<E, R>({
      io: options.io,
      dir: options.dir,
      codec: options.codec,
      segments,
      ...(options.checkpointLsn !== undefined ? { checkpointLsn: options.checkpointLsn } : {}),
      ...(options.untilLsn !== undefined ? { untilLsn: options.untilLsn } : {}),
      ...(options.onTransaction !== undefined ? { onTransaction: options.onTransaction } : {})
    })
  })
