/**
 * Many fibers committing at once, on real files, under each sync mode: LSN
 * ranges are distinct and consecutive, replay returns every transaction
 * whole, and under `PerCommit` concurrent committers share fsyncs (group
 * commit). fsyncs are counted with a counting `FileIo` wrapper around the
 * Node implementation.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { nodeFileIo } from "../../src/io/FileIo.js"
import { type CommitOptions, SyncMode, type WalConfig } from "../../src/Wal.js"
import {
  countingFileIo,
  type Ev,
  fsyncs,
  node,
  openCollecting,
  parseDiskSegments,
  scopedTempDir,
  setProp,
  withIoWal
} from "../support/wal-harness.js"

const FIBERS = 64
const PER_FIBER = 4
const range = (n: number) => Array.from({ length: n }, (_, i) => i)
/** The events of fiber `f`'s `k`-th commit: identifiable, two per transaction. */
const eventsOf = (f: number, k: number): Array<Ev> => [node(f * 1000 + k, k), setProp(f * 1000 + k, "fiber", f)]

const modes: ReadonlyArray<readonly [string, WalConfig["syncMode"], CommitOptions]> = [
  ["PerCommit", SyncMode.PerCommit, {}],
  ["GroupSync(50 ms)", SyncMode.GroupSync({ interval: 50 }), {}],
  ["GroupSync(50 ms), durable commits", SyncMode.GroupSync({ interval: 50 }), { durability: "durable" }],
  ["None", SyncMode.None, {}]
]

/** Runs FIBERS × PER_FIBER concurrent commits and checks LSNs, replay and (returned) fsync counts. */
const hammer = (syncMode: WalConfig["syncMode"], options: CommitOptions, segmentTargetBytes: number | undefined) =>
  Effect.gen(function* () {
    const dir = yield* scopedTempDir("concurrency")
    const { counts, io } = countingFileIo(nodeFileIo)
    const cfg: WalConfig = {
      dir,
      ...(syncMode !== undefined ? { syncMode } : {}),
      ...(segmentTargetBytes !== undefined ? { segmentTargetBytes } : {})
    }
    const run = yield* withIoWal(io, cfg, (wal) =>
      Effect.gen(function* () {
        const before = fsyncs(counts)
        const results = yield* Effect.forEach(
          range(FIBERS),
          (f) =>
            Effect.forEach(range(PER_FIBER), (k) =>
              Effect.map(wal.commitTx(eventsOf(f, k), options), (r) => {
                if (r._tag !== "Committed") throw new Error("expected a commit")
                return { f, k, r }
              })),
          { concurrency: "unbounded" }
        )
        return { results: results.flat(), fsyncs: fsyncs(counts) - before, status: yield* wal.status }
      }))
    const total = FIBERS * PER_FIBER
    // Distinct, consecutive 3-LSN ranges covering 1 .. 3 × total.
    const begins = run.results.map((x) => x.r.beginLsn).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    expect(begins).toEqual(range(total).map((i) => 1n + 3n * BigInt(i)))
    for (const { r } of run.results) {
      expect(r.batchLsn).toBe(r.beginLsn + 1n)
      expect(r.commitLsn).toBe(r.beginLsn + 2n)
    }
    // Each fiber's own commits are in its program order.
    for (const f of range(FIBERS)) {
      const mine = run.results.filter((x) => x.f === f).sort((a, b) => a.k - b.k)
      for (let i = 1; i < mine.length; i++) expect(mine[i]!.r.beginLsn).toBeGreaterThan(mine[i - 1]!.r.beginLsn)
    }
    expect(run.status.nextLsn).toBe(1n + 3n * BigInt(total))
    // Replay: every transaction, whole, in commit (= LSN) order.
    const byBegin = new Map(run.results.map((x) => [x.r.beginLsn as bigint, eventsOf(x.f, x.k)]))
    const txs = yield* Effect.scoped(Effect.map(openCollecting(nodeFileIo, cfg), (o) => o.txs))
    expect(txs.length).toBe(total)
    expect(txs.map((t) => t.beginLsn as bigint)).toEqual(begins)
    for (const tx of txs) {
      expect(tx.commitLsn).toBe(tx.beginLsn + 2n)
      expect(tx.events).toEqual(byBegin.get(tx.beginLsn))
    }
    // On disk: every transaction's three records sit in one segment, contiguous.
    for (const seg of parseDiskSegments(dir)) {
      expect(seg.badAt).toBeUndefined()
      const recs = seg.records.map((r) => r.record)
      expect(recs.length % 3).toBe(0)
      for (let i = 0; i < recs.length; i += 3) {
        expect(recs.slice(i, i + 3).map((r) => r._tag)).toEqual(["TxBegin", "MutationBatch", "TxCommit"])
      }
    }
    return { fsyncs: run.fsyncs, total, status: run.status, segments: parseDiskSegments(dir).length }
  })

describe(`${FIBERS} fibers × ${PER_FIBER} commits at once, real files`, () => {
  it.live.each(modes)("%s: distinct consecutive LSN ranges, every transaction replayed whole", ([, syncMode, options]) =>
    Effect.gen(function* () {
      const r = yield* hammer(syncMode, options, undefined)
      if (syncMode?._tag === "PerCommit" || options.durability === "durable") {
        expect(r.status.durableLsn).toBe(r.status.nextLsn - 1n)
      }
    }))

  it.live.each(modes)("%s, with rotation (2 KiB segments): the same, and no transaction split", ([, syncMode, options]) =>
    Effect.gen(function* () {
      const r = yield* hammer(syncMode, options, 2048)
      expect(r.segments).toBeGreaterThan(5)
    }))

  it.live("PerCommit: group commit — far fewer fsyncs than commits", () =>
    Effect.gen(function* () {
      const r = yield* hammer(SyncMode.PerCommit, {}, undefined)
      expect(r.fsyncs).toBeGreaterThan(0)
      expect(r.fsyncs).toBeLessThanOrEqual(r.total / 8)
    }))

  it.live("GroupSync, durable commits: group commit too", () =>
    Effect.gen(function* () {
      const r = yield* hammer(SyncMode.GroupSync({ interval: 50 }), { durability: "durable" }, undefined)
      expect(r.fsyncs).toBeLessThanOrEqual(r.total / 8)
    }))

  it.live("interleaved low-level transactions from many fibers replay whole, in commit order", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("interleave")
      const cfg: WalConfig = { dir, syncMode: SyncMode.PerCommit }
      const committed = yield* withIoWal(nodeFileIo, cfg, (wal) =>
        Effect.forEach(
          range(32),
          (f) =>
            Effect.gen(function* () {
              const tx = yield* wal.begin
              const events = range(3).map((k) => node(f * 10 + k, k))
              for (const e of events) {
                yield* wal.append(tx, e)
                yield* Effect.yieldNow // let other fibers interleave their records
              }
              const commitLsn = yield* wal.commit(tx)
              return { tx, commitLsn, events }
            }),
          { concurrency: "unbounded" }
        ))
      const txs = yield* Effect.scoped(Effect.map(openCollecting(nodeFileIo, cfg), (o) => o.txs))
      const inCommitOrder = [...committed].sort((a, b) => (a.commitLsn < b.commitLsn ? -1 : 1))
      expect(txs.map((t) => [t.beginLsn, t.commitLsn, t.events])).toEqual(inCommitOrder.map((c) => [c.tx, c.commitLsn, c.events]))
      // The records really did interleave on disk.
      const tags = parseDiskSegments(dir)[0]!.records.map((r) => r.record._tag)
      expect(tags.slice(0, 3)).not.toEqual(["TxBegin", "Mutation", "Mutation"])
    }))
})
