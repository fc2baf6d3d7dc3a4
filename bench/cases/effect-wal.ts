/**
 * ============================================================================
 *  REGISTRY POINT FOR THE effect-wal CASES (to be filled in by the lead)
 * ============================================================================
 *
 * Add effect-wal's cases to {@link effectWalCases}; `cases/index.ts` already
 * includes this list, so the runner, the tables (ratios to the floor and to
 * every peer at the same concurrency) and the plot pick them up unchanged.
 *
 * Planned cases (ids follow `store/mode/cN`; use role "effect-wal"):
 *   effect-wal/per-commit/c{1,16,256}      — SyncMode PerCommit
 *   effect-wal/durable-group/c{1,16,256}   — durable acks with group commit
 *   effect-wal/group-sync-50ms/c{1,16,256} — GroupSync 50 ms (durable: false)
 *   effect-wal/none/c{1,16,256}            — SyncMode None (durable: false)
 *   recovery/effect-wal/{warm,cold}        — replay of the directory after reopen
 *
 * Interface to implement — commit cases, via `commitCase` (../committer.ts):
 *
 *   commitCase({
 *     id: "effect-wal/durable-group/c16", role: "effect-wal", store: "effect-wal",
 *     mode: "durable group commit", concurrency: 16, durable: true,
 *     straceSyncs: true,               // optional cross-check under strace
 *     open: async (dir, params) => CommitStore
 *   })
 *
 *   interface CommitStore {
 *     // one transaction; `commit.events` are the workload's 10 events (encode
 *     // them with the log's codec — the same bytes as `commit.payload` once
 *     // workload.ts uses LW1); `seq` is an increasing commit number.
 *     // Return undefined if done synchronously, else a promise-like that
 *     // settles when the commit is acknowledged (durable when durable: true).
 *     commit(commit: Commit, seq: number): PromiseLike<unknown> | undefined
 *     close(): Promise<void> | void          // not timed: release the Wal's scope
 *     syncCount?(): number                   // fsyncs so far, from a counting fsync hook
 *     extra?(): Record<string, number | string>  // e.g. mean batch size
 *   }
 *
 *   Keep per-commit Effect work small (see performance-notes.md): e.g. build
 *   the Wal layer once in `open` with a ManagedRuntime and have `commit` call
 *   `runtime.runPromise(wal.commit(events))`, or batch inside one fiber.
 *   `open` must import effect-wal lazily or cheaply: every case module is
 *   loaded by every child process.
 *
 * Recovery, via `recoveryCase` (./recovery.ts) with a `RecoveryStore`:
 *   { load(): import the library; fill(dir, pool, count): write `count` commits
 *     and close cleanly; reopen(dir): open the Wal and return { scan(): replay
 *     every committed transaction → { records, bytes }, close() } }.
 *
 * Any other shape can implement `BenchCase` (../types.ts) directly.
 *
 * @module
 */
import type { BenchCase } from "../types.js"

export const effectWalCases: ReadonlyArray<BenchCase> = [
  // TODO(lead): effect-wal cases go here.
]
