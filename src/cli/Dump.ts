/**
 * `effect-wal dump <dir>`: the committed transactions of a WAL directory, in
 * commit order, as JSON Lines — read-only (no lock, nothing written), with
 * bounded memory (transactions are streamed as replay finds them), safe
 * beside a live writer.
 *
 * One line per committed transaction:
 *
 * ```
 * {"beginLsn":"1","commitLsn":"3","events":[ …events in the JSON form of event/Json.ts… ]}
 * ```
 *
 * LSNs are decimal strings. A committed transaction with no events (possible
 * with the low-level primitives) is a line with `"events":[]`.
 *
 * The replay is lora-wal's (spec §5): the fence `checkpointLsn` skips records
 * at or below it, and replay stops at the first unreadable record. A torn
 * tail in the active segment is normal (an open cuts it; beside a live writer
 * it is the record being written); one in an older segment is corruption: the
 * transactions before it are still printed, and the command then fails
 * (exit 2) as an open would. A segment a live writer is creating (shorter
 * than its 32-byte header) is waited for, about 100 ms at most.
 *
 * @module
 */
import { Effect } from "effect"
import { eventToJson } from "../event/Json.js"
import { LW1Codec } from "../event/LW1.js"
import type { MutationEvent } from "../event/MutationEvent.js"
import { listArchiveAndLive } from "../Archive.js"
import { FileIo } from "../io/FileIo.js"
import { type CommittedTransaction, replayDirectory, type TornTail } from "../Replay.js"
import type { BadSegmentHeader, Io, Malformed } from "../WalError.js"
import { listSegmentsSettled, u64Text } from "./Common.js"

/** Options of {@link dumpDirectory}. */
export interface DumpOptions<R> {
  /** Print only transactions whose commit LSN is ≥ this (default: all). */
  readonly fromLsn?: bigint
  /** The checkpoint fence (default 0). */
  readonly checkpointLsn?: bigint
  /**
   * Point-in-time recovery: also read the segments archived in this
   * directory (by `truncateUpTo` with an archive), merged with the live ones
   * in LSN order.
   */
  readonly archiveDir?: string
  /** Print only transactions committed at or below this LSN; replay stops there. */
  readonly untilLsn?: bigint
  /** Receives each line (one transaction, no newline), in commit order; replay waits for it. */
  readonly emit: (line: string) => Effect.Effect<void, never, R>
}

/** What {@link dumpDirectory} did. */
export interface DumpReport {
  /** Transactions / events printed. */
  readonly transactions: number
  readonly events: number
  /** Committed transactions left out by `fromLsn`. */
  readonly skipped: number
  /** Highest LSN read. */
  readonly maxLsn: bigint
  /** Where replay stopped on an unreadable record, if it did. */
  readonly tornTail: TornTail | undefined
  /** True when that torn tail is in the active (highest-id) segment: normal, an open cuts it. */
  readonly tornTailInActiveSegment: boolean
}

/** The JSON Lines text of one committed transaction (see the module docs). */
export const transactionToJsonLine = (tx: CommittedTransaction<MutationEvent>): string =>
  JSON.stringify({ beginLsn: u64Text(tx.beginLsn), commitLsn: u64Text(tx.commitLsn), events: tx.events.map(eventToJson) })

/**
 * Replays `dir` read-only and hands every committed transaction (commit LSN ≥
 * `fromLsn`) to `emit` as one JSON line. Fails with `Malformed`,
 * `BadSegmentHeader` or `Io` as replay does; a torn tail is reported in the
 * result, not as a failure (the caller decides, see `tornTailInActiveSegment`).
 */
export const dumpDirectory = <R = never>(
  dir: string,
  options: DumpOptions<R>
): Effect.Effect<DumpReport, Malformed | BadSegmentHeader | Io, FileIo | R> =>
  Effect.gen(function* () {
    const io = yield* FileIo
    const from = options.fromLsn ?? 0n
    let transactions = 0
    let events = 0
    let skipped = 0
    const segments = options.archiveDir !== undefined
      ? yield* listArchiveAndLive(io, options.archiveDir, dir)
      : yield* listSegmentsSettled(io, dir)
    const outcome = yield* replayDirectory<MutationEvent, R>({
      io,
      dir,
      segments,
      codec: LW1Codec,
      checkpointLsn: options.checkpointLsn ?? 0n,
      ...(options.untilLsn !== undefined ? { untilLsn: options.untilLsn } : {}),
      onTransaction: (tx) => {
        if (tx.commitLsn < from) {
          skipped++
          return Effect.void
        }
        transactions++
        events += tx.events.length
        return options.emit(transactionToJsonLine(tx))
      }
    })
    const last = outcome.segments[outcome.segments.length - 1]
    return {
      transactions,
      events,
      skipped,
      maxLsn: outcome.maxLsn,
      tornTail: outcome.tornTail,
      tornTailInActiveSegment: outcome.tornTail !== undefined && last !== undefined && outcome.tornTail.segmentId === last.id
    }
  })
