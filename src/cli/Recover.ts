/**
 * `effect-wal recover <dir>`: does what an open does, then closes — takes the
 * directory lock (failing with `AlreadyOpen` while another live handle,
 * LoraDB included, holds it), replays with the checkpoint fence, cuts a torn
 * tail in the active segment (the only change it may make), fsyncs and
 * releases the lock. Recovered events are counted, not kept (bounded memory).
 *
 * Unlike a plain open it refuses a directory that does not exist (an open
 * would create it); an existing directory without segments gets a fresh
 * segment 1, as an open does.
 *
 * @module
 */
import { Effect } from "effect"
import type { JsonObject } from "../event/Json.js"
import { FileIo } from "../io/FileIo.js"
import { makeWal, type RecoveryMode, SyncMode } from "../Wal.js"
import type { WalError } from "../WalError.js"
import { u64Text } from "./Common.js"

/** What `recover` did (the open's outcome). */
export interface RecoverReport {
  /** Committed events / transactions replayed above the fence. */
  readonly eventCount: number
  readonly transactionCount: number
  /** The next LSN the log allocates. */
  readonly nextLsn: bigint
  /** Highest LSN known durable after the open (= the highest LSN read). */
  readonly durableLsn: bigint
  readonly activeSegmentId: bigint
  readonly oldestSegmentId: bigint
  /** Files whose length the open changed (torn tail cut), sizes in bytes. */
  readonly truncated: ReadonlyArray<{ readonly file: string; readonly fromBytes: number; readonly toBytes: number }>
  /** Segments renamed to `<name>.corrupt` by recovery mode `"truncate"` (file names as listed before). */
  readonly setAside: ReadonlyArray<string>
  /** True when the directory held no segment and a fresh log was created. */
  readonly fresh: boolean
  /** Snapshot LSN of the last checkpoint record above the fence, if any. */
  readonly checkpointLsnObserved: bigint | undefined
}

/** Options of {@link recoverDirectory}. */
export interface RecoverOptions {
  /** The checkpoint fence (default 0). */
  readonly checkpointLsn?: bigint
  /**
   * What the open does with damage (default `"strict"`, lora-wal's): see the
   * log's `RecoveryMode` — `"truncate"` ends the log at the first unreadable
   * record anywhere and sets later segments aside as `<name>.corrupt`.
   */
  readonly recovery?: RecoveryMode
}

/**
 * Opens `dir` like the log does (no fsync mode: nothing is written but the
 * truncation, which is fsynced regardless) and closes it. Fails with the
 * open's `WalError`: `AlreadyOpen`, `Malformed` (structure, a torn tail in a
 * sealed segment), `BadSegmentHeader`, `Io` (a missing directory included).
 */
export const recoverDirectory = (dir: string, options: RecoverOptions = {}): Effect.Effect<RecoverReport, WalError, FileIo> =>
  Effect.gen(function* () {
    const io = yield* FileIo
    // An open creates a missing directory; a recovery tool must not (a typo would make a fresh log).
    yield* io.list(dir)
    return yield* Effect.scoped(
      Effect.gen(function* () {
        const wal = yield* makeWal({
          dir,
          syncMode: SyncMode.None,
          checkpointLsn: options.checkpointLsn ?? 0n,
          recovery: options.recovery ?? "strict",
          onRecover: () => Effect.void
        })
        const s = yield* wal.status
        const r = wal.recovery
        return {
          eventCount: r.eventCount,
          transactionCount: r.transactionCount,
          nextLsn: s.nextLsn,
          durableLsn: s.durableLsn,
          activeSegmentId: s.activeSegmentId,
          oldestSegmentId: s.oldestSegmentId,
          truncated: r.truncated,
          setAside: r.setAside,
          fresh: r.fresh,
          checkpointLsnObserved: r.checkpointLsnObserved
        } satisfies RecoverReport
      })
    )
  })

/**
 * The documented JSON form (`recover --json`):
 * `{ "eventCount", "transactionCount", "nextLsn", "durableLsn", "activeSegmentId", "oldestSegmentId", "truncated": [ { "file", "fromBytes", "toBytes" } ], "setAside": [ file ] }`
 * — LSNs and segment ids as decimal strings, counts and sizes as numbers;
 * `setAside` is empty unless recovery mode `"truncate"` renamed segments.
 */
export const recoverToJson = (r: RecoverReport): JsonObject => ({
  eventCount: r.eventCount,
  transactionCount: r.transactionCount,
  nextLsn: u64Text(r.nextLsn),
  durableLsn: u64Text(r.durableLsn),
  activeSegmentId: u64Text(r.activeSegmentId),
  oldestSegmentId: u64Text(r.oldestSegmentId),
  truncated: r.truncated.map((t) => ({ file: t.file, fromBytes: t.fromBytes, toBytes: t.toBytes })),
  setAside: [...r.setAside]
})

/** The human-readable lines of a report. */
export const renderRecover = (dir: string, r: RecoverReport): ReadonlyArray<string> => {
  const lines = [
    `${dir}: ${r.fresh ? "fresh log created" : "recovered"}: ${r.transactionCount} transactions, ${r.eventCount} events`,
    `next LSN ${r.nextLsn}, durable LSN ${r.durableLsn}, active segment ${r.activeSegmentId}, oldest segment ${r.oldestSegmentId}`
  ]
  if (r.checkpointLsnObserved !== undefined) lines.push(`last checkpoint record: snapshot LSN ${r.checkpointLsnObserved}`)
  if (r.truncated.length === 0 && r.setAside.length === 0) lines.push("nothing cut")
  for (const t of r.truncated) lines.push(`cut torn tail: ${t.file} ${t.fromBytes} -> ${t.toBytes} bytes`)
  for (const f of r.setAside) lines.push(`set aside: ${f} -> ${f}.corrupt`)
  return lines
}
