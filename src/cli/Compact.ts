/**
 * `effect-wal compact <src> <dst>`: writes a fresh log at `dst` holding only
 * the committed transactions of `src` above the checkpoint fence — same
 * order, same transaction boundaries (one `commitTx` per replayed
 * transaction) — and nothing else: no aborted or unfinished transactions, no
 * fenced records, no checkpoint markers, no torn tail.
 *
 * - `src` is read like `dump` reads it: no lock, nothing written, streamed
 *   with bounded memory (one segment's committed transactions at a time).
 *   Compacting a log that is being written copies what was committed when
 *   each segment was read.
 * - `dst` must not exist or be an empty directory (never overwritten). It is
 *   opened as a log (lock held while writing), written with group sync and a
 *   final fsync, and closed.
 * - LSNs are renumbered from 1 in `dst`: open it with fence 0 (a snapshot
 *   stamped with a fence LSN of `src` does not apply to it).
 * - Committed transactions without events are dropped (`commitTx` of nothing
 *   writes nothing, as in lora-wal); they carry no state.
 * - If `src` turns out to be corrupt (a torn tail in an older segment, a
 *   structural error) or a write fails, the command fails and removes what it
 *   wrote in `dst` (a `dst` it had to create stays, empty).
 *
 * @module
 */
import { Effect, Exit } from "effect"
import * as Path from "node:path"
import { LW1Codec } from "../event/LW1.js"
import type { MutationEvent } from "../event/MutationEvent.js"
import { FileIo } from "../io/FileIo.js"
import { replayDirectory, type TornTail } from "../Replay.js"
import { makeWal, SyncMode } from "../Wal.js"
import { Malformed, type WalError } from "../WalError.js"
import { CommandError, listSegmentsSettled } from "./Common.js"

/** Options of {@link compactDirectory}. */
export interface CompactOptions {
  /** The fence in `src`: transactions at or below it are left out (default 0). */
  readonly checkpointLsn?: bigint
  /** Rotation target of `dst` in bytes (default 8 MiB, as the log). */
  readonly segmentTargetBytes?: number
}

/** What {@link compactDirectory} wrote. */
export interface CompactReport {
  /** Transactions / events written to `dst`. */
  readonly transactionCount: number
  readonly eventCount: number
  /** Committed transactions of `src` without events (not written). */
  readonly emptyTransactionsDropped: number
  /** Highest LSN read in `src`. */
  readonly sourceMaxLsn: bigint
  /** A torn tail in `src`'s active segment (normal: an open of `src` would cut it), if any. */
  readonly sourceTornTail: TornTail | undefined
  /** `dst` after the copy: next LSN, segment files and their total size in bytes. */
  readonly nextLsn: bigint
  readonly segments: number
  readonly bytes: number
}

/** Carries a commit failure out of replay's callback (which cannot fail) without reading the rest of `src`. */
class StopCopy {
  constructor(readonly error: WalError) {}
}

/**
 * Compacts `src` into `dst` (see the module docs). Fails with a
 * `CommandError` for a refused destination, or the `WalError` of reading
 * `src` or writing `dst` (`AlreadyOpen` if something holds `dst`'s lock).
 */
export const compactDirectory = (
  src: string,
  dst: string,
  options: CompactOptions = {}
): Effect.Effect<CompactReport, WalError | CommandError, FileIo> =>
  Effect.gen(function* () {
    const io = yield* FileIo
    if (Path.resolve(src) === Path.resolve(dst)) {
      return yield* new CommandError({ reason: `destination is the source directory: ${dst}` })
    }
    const existed = yield* io.exists(dst)
    if (existed) {
      const entries = yield* io.list(dst)
      if (entries.length > 0) {
        return yield* new CommandError({
          reason: `destination directory is not empty: ${dst} (compact writes a fresh log and never overwrites one)`
        })
      }
    }
    // Listing src fails early for a missing directory, before dst is created.
    const srcSegments = yield* listSegmentsSettled(io, src)

    const copy = Effect.scoped(
      Effect.gen(function* () {
        const wal = yield* makeWal<MutationEvent>({
          dir: dst,
          syncMode: SyncMode.GroupSync({ interval: 1000 }),
          ...(options.segmentTargetBytes !== undefined ? { segmentTargetBytes: options.segmentTargetBytes } : {})
        })
        let transactionCount = 0
        let eventCount = 0
        let emptyTransactionsDropped = 0
        const outcome = yield* replayDirectory<MutationEvent>({
          io,
          dir: src,
          segments: srcSegments,
          codec: LW1Codec,
          checkpointLsn: options.checkpointLsn ?? 0n,
          onTransaction: (tx) => {
            if (tx.events.length === 0) {
              emptyTransactionsDropped++
              return Effect.void
            }
            return wal.commitTx(tx.events, { durability: "written" }).pipe(
              Effect.matchEffect({
                onFailure: (e) => Effect.die(new StopCopy(e)),
                onSuccess: () =>
                  Effect.sync(() => {
                    transactionCount++
                    eventCount += tx.events.length
                  })
              })
            )
          }
        }).pipe(Effect.catchDefect((d) => (d instanceof StopCopy ? Effect.fail(d.error) : Effect.die(d))))
        const last = outcome.segments[outcome.segments.length - 1]
        const torn = outcome.tornTail
        if (torn !== undefined && last !== undefined && torn.segmentId !== last.id) {
          return yield* new Malformed({ reason: `torn tail found in sealed segment ${torn.segmentPath}` })
        }
        yield* wal.forceFsync
        const status = yield* wal.status
        return {
          transactionCount,
          eventCount,
          emptyTransactionsDropped,
          sourceMaxLsn: outcome.maxLsn as bigint,
          sourceTornTail: torn,
          nextLsn: status.nextLsn as bigint
        }
      })
    )

    const result = yield* Effect.exit(copy)
    if (Exit.isFailure(result)) {
      // dst was empty (or missing), so everything in it is ours: remove it, leaving dst empty.
      yield* Effect.ignore(
        Effect.gen(function* () {
          for (const e of yield* io.list(dst)) yield* io.remove(Path.join(dst, e.name))
        })
      )
      return yield* Effect.failCause(result.cause)
    }
    let segments = 0
    let bytes = 0
    for (const e of yield* io.list(dst)) {
      if (!e.name.endsWith(".wal")) continue
      segments++
      const h = yield* io.open(Path.join(dst, e.name), "read")
      bytes += yield* h.size.pipe(Effect.ensuring(h.close))
    }
    return { ...result.value, segments, bytes }
  })

/** The human-readable lines of a report. */
export const renderCompact = (src: string, dst: string, r: CompactReport): ReadonlyArray<string> => {
  const lines = [
    `${src} -> ${dst}: ${r.transactionCount} transactions, ${r.eventCount} events written` +
      (r.emptyTransactionsDropped > 0 ? ` (${r.emptyTransactionsDropped} empty transactions dropped)` : ""),
    `${dst}: ${r.segments} segment${r.segments === 1 ? "" : "s"}, ${r.bytes} bytes, next LSN ${r.nextLsn} (open it with checkpoint fence 0)`
  ]
  if (r.sourceTornTail !== undefined) {
    lines.push(
      `note: ${r.sourceTornTail.segmentPath} ends in a torn tail at offset ${r.sourceTornTail.lastGoodOffset} (not copied): ${r.sourceTornTail.cause.message}`
    )
  }
  return lines
}
