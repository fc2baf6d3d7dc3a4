/**
 * The committer loop shared by every commit case: N concurrent async
 * committers, each committing the workload's payload over and over, first
 * for an unmeasured warm-up, then for `params.seconds`. A commit counts (and
 * its ack latency is recorded) when its acknowledgement lands inside the
 * measured window, so commits in flight at either edge are treated alike.
 *
 * A store plugs in through {@link CommitStore}; {@link commitCase} turns a
 * store opener into a {@link BenchCase}.
 *
 * @module
 */
import { Histogram } from "./stats.js"
import type { BenchCase, CaseParams, CaseRole, CommitResult } from "./types.js"
import { makeCommitPool, type Commit } from "./workload.js"

/**
 * A store under test, opened in the case's fresh directory.
 *
 * `commit` returns `undefined` when it finished synchronously (sync APIs: the
 * loop then does not await, so no microtask is added to the floor) or a
 * promise-like that settles when the commit is acknowledged (durable, for
 * durable cases).
 */
export interface CommitStore {
  /** Commits one transaction; `seq` is a process-wide, increasing commit number (usable as a key). */
  readonly commit: (commit: Commit, seq: number) => PromiseLike<unknown> | undefined
  /** Flushes and closes; not timed. */
  readonly close: () => Promise<void> | void
  /** fsync/fdatasync calls issued so far, when the store counts them itself (our own cases: a counting fsync hook). */
  readonly syncCount?: () => number
  /** Case-specific figures for the result (e.g. mean batch size). */
  readonly extra?: () => Readonly<Record<string, number | string>>
}

/** Pre-encoded distinct commits cycled through by the loop (power of two). */
const POOL_SIZE = 256

/** Runs the committer loop against an opened store and closes it. */
export const runCommitLoop = async (
  store: CommitStore,
  concurrency: number,
  params: CaseParams
): Promise<CommitResult> => {
  const pool = makeCommitPool(POOL_SIZE)
  const mask = POOL_SIZE - 1
  const payloadBytes = pool[0]!.payload.length
  const hist = new Histogram()
  const hr = process.hrtime.bigint
  const start = hr() + BigInt(Math.round(params.warmupSeconds * 1e9))
  const end = start + BigInt(Math.round(params.seconds * 1e9))
  let seq = 0
  let measured = 0
  let total = 0

  const committer = async (): Promise<void> => {
    for (;;) {
      const t0 = hr()
      if (t0 >= end) return
      const n = seq++
      const pending = store.commit(pool[n & mask]!, n)
      if (pending !== undefined) await pending
      const t1 = hr()
      total++
      if (t1 >= start && t1 < end) {
        measured++
        hist.record(Number(t1 - t0))
      }
    }
  }

  try {
    await Promise.all(Array.from({ length: concurrency }, committer))
  } finally {
    await store.close()
  }
  const seconds = params.seconds
  const bytes = measured * payloadBytes
  const extra = store.extra?.()
  return {
    kind: "commit",
    commits: measured,
    seconds,
    bytes,
    commitsPerSec: measured / seconds,
    mbPerSec: bytes / 1e6 / seconds,
    latency: hist.summaryMicros(),
    totalCommits: total,
    syncs: store.syncCount ? store.syncCount() : null,
    ...(extra === undefined ? {} : { extra })
  }
}

/** What a commit case module declares; {@link commitCase} adds `kind` and `run`. */
export interface CommitCaseSpec {
  readonly id: string
  readonly role: CaseRole
  readonly store: string
  readonly mode: string
  readonly concurrency: number
  readonly durable: boolean
  readonly syncApi?: boolean
  readonly env?: Readonly<Record<string, string>>
  readonly straceSyncs?: boolean
  /** Opens the store in `dir` (import native libraries here, not at module top level). */
  readonly open: (dir: string, params: CaseParams) => Promise<CommitStore>
}

export const commitCase = (spec: CommitCaseSpec): BenchCase => {
  const { open, ...rest } = spec
  return {
    ...rest,
    kind: "commit",
    run: async (dir, params) => runCommitLoop(await open(dir, params), spec.concurrency, params)
  }
}

/** Case id convention: `store/mode/cN`. */
export const caseId = (store: string, mode: string, concurrency: number): string => `${store}/${mode}/c${concurrency}`
