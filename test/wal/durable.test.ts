import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Latch, Layer, Option } from "effect"
import fc from "fast-check"
import { Pv, properties } from "../../src/event/PropertyValue.js"
import type { MutationEvent } from "../../src/event/MutationEvent.js"
import { FileIo, makeMemoryFileIo, type MemoryDisk } from "../../src/io/FileIo.js"
import { decodeFrame } from "../../src/format/Record.js"
import { SyncBackend, type SyncBackendShape } from "../../src/SyncBackend.js"
import { makeWal, SyncMode, type WalConfig, type WalService } from "../../src/Wal.js"

const ev = (i: number, pad = 0): MutationEvent => ({
  _tag: "CreateNode",
  id: BigInt(i),
  labels: ["N"],
  properties: properties({ i: Pv.int(BigInt(i)), pad: Pv.string("x".repeat(pad)) })
})

/** Opens a log on `disk` in a fresh scope, runs `f`, closes it (or abandons it without close when `crash` is set). */
const withWal = <A>(
  disk: MemoryDisk,
  config: Omit<WalConfig, "dir">,
  f: (wal: WalService<MutationEvent>) => Effect.Effect<A, unknown>,
  backend?: SyncBackendShape
) =>
  Effect.scoped(
    Effect.flatMap(makeWal({ dir: "/wal", ...config }), f).pipe(
      Effect.provide(Layer.mergeAll(FileIo.layerMemory(disk))),
      backend ? Effect.provideService(SyncBackend, backend) : (x) => x
    )
  )

const recoveredIds = (disk: MemoryDisk) =>
  withWal(disk, { syncMode: SyncMode.None }, (wal) =>
    Effect.succeed(wal.recovery.events.map((e) => (e._tag === "CreateNode" ? Number(e.id) : -1))))

describe("durable acknowledgements and group commit", () => {
  it.live("a durable ack is never lost by a crash, in any sync mode, with concurrent committers (property)", () =>
    Effect.promise(() =>
      fc.assert(
        fc.asyncProperty(
          fc.constantFrom(SyncMode.PerCommit, SyncMode.GroupSync({ interval: 5 }), SyncMode.GroupSync({ interval: 1000 })),
          fc.boolean(),
          fc.integer({ min: 1, max: 24 }),
          fc.integer({ min: 1, max: 6 }),
          fc.integer({ min: 0, max: 200 }),
          fc.double({ min: 0, max: 1, noNaN: true }),
          async (syncMode, asyncSegmentSync, committers, perCommitter, pad, keep) => {
            const disk = makeMemoryFileIo()
            const acked = new Set<number>()
            const durableSeen: Array<bigint> = []
            await Effect.runPromise(
              Effect.scoped(
                Effect.gen(function* () {
                  const wal = yield* makeWal({ dir: "/wal", syncMode, segmentTargetBytes: 600, asyncSegmentSync })
                  yield* Effect.forEach(
                    Array.from({ length: committers }, (_, c) => c),
                    (c) =>
                      Effect.forEach(
                        Array.from({ length: perCommitter }, (_, k) => c * 100 + k),
                        (id) =>
                          Effect.gen(function* () {
                            yield* wal.commitTx([ev(id, pad)], { durability: "durable" })
                            acked.add(id)
                            durableSeen.push(yield* wal.durableLsn)
                          }),
                        { discard: true }
                      ),
                    { concurrency: "unbounded", discard: true }
                  )
                  // Power loss before close: only fsynced bytes survive (plus maybe part of the unsynced tail).
                  disk.crash(keep)
                })
              ).pipe(Effect.provide(FileIo.layerMemory(disk)))
            )
            for (let i = 1; i < durableSeen.length; i++) expect(durableSeen[i]! >= durableSeen[i - 1]!).toBe(true)
            const got = await Effect.runPromise(recoveredIds(disk).pipe(Effect.orDie))
            for (const id of acked) expect(got).toContain(id)
            expect(new Set(got).size).toBe(got.length)
          }
        ),
        { numRuns: 60 }
      )
    ))

  it.live("16 concurrent durable committers share fsyncs (fewer fsyncs than commits)", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      const counter = { n: 0 }
      yield* withWal(
        disk,
        { syncMode: SyncMode.PerCommit },
        (wal) =>
          Effect.forEach(
            Array.from({ length: 16 }, (_, c) => c),
            (c) => Effect.forEach([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], (k) => wal.commitTx([ev(c * 100 + k)]), { discard: true }),
            { concurrency: "unbounded", discard: true }
          ),
        SyncBackend.counting(SyncBackend.fdatasync, counter)
      )
      // 160 commits; one fsync at open-create + close; group commit must need far fewer than 160.
      expect(counter.n).toBeLessThan(80)
      expect((yield* recoveredIds(disk)).length).toBe(160)
    }))

  it.live("awaitDurable under GroupSync tells when (times out before a tick, resolves after any fsync); under PerCommit it fsyncs", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      yield* withWal(disk, { syncMode: SyncMode.GroupSync({ interval: "1 hour" }) }, (wal) =>
        Effect.gen(function* () {
          const r = yield* wal.commitTx([ev(1)])
          if (r._tag !== "Committed") throw new Error("not committed")
          expect(yield* wal.durableLsn).toBe(0n)
          const timedOut = yield* wal.awaitDurable(r.commitLsn).pipe(Effect.timeoutOption("50 millis"))
          expect(Option.isNone(timedOut)).toBe(true)
          const waiter = yield* Effect.forkChild(wal.awaitDurable(r.commitLsn))
          yield* wal.forceFsync
          yield* Fiber.join(waiter).pipe(Effect.timeout("1 second"))
          expect(yield* wal.durableLsn).toBe(r.commitLsn)
          yield* wal.awaitDurable(r.commitLsn) // covered: resolves at once
        }))
      yield* withWal(disk, { syncMode: SyncMode.PerCommit }, (wal) =>
        Effect.gen(function* () {
          const r = yield* wal.commitTx([ev(2)], { durability: "written" })
          if (r._tag !== "Committed") throw new Error("not committed")
          expect((yield* wal.durableLsn) < r.commitLsn).toBe(true)
          yield* wal.awaitDurable(r.commitLsn).pipe(Effect.timeout("1 second"))
          expect(yield* wal.durableLsn).toBeGreaterThanOrEqual(r.commitLsn)
        }))
    }))
})

/**
 * A backend that holds fsyncs of `gatedPaths` (once they hold records: a fresh
 * 32-byte segment's header sync passes) until `gate` opens, recording the order.
 */
const gatedBackend = (gate: Latch.Latch, gatedPaths: ReadonlySet<string>, order: Array<string>): SyncBackendShape => ({
  name: "gated",
  sync: (f) =>
    Effect.gen(function* () {
      const size = yield* f.size
      if (size > 32 && gatedPaths.has(f.path)) {
        yield* gate.await
        order.push(f.path)
      }
      yield* f.datasync
    })
})

const seg = (n: number) => `/wal/${String(n).padStart(10, "0")}.wal`

describe("async segment sync", () => {
  it.live("rotated segments are fsynced in FIFO order in the background; durableLsn stays contiguous", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      const gate = yield* Latch.make(false)
      const order: Array<string> = []
      yield* withWal(
        disk,
        { syncMode: SyncMode.PerCommit, segmentTargetBytes: 300, asyncSegmentSync: { maxPendingSegments: 3 } },
        (wal) =>
          Effect.gen(function* () {
            const commits = yield* Effect.forEach([1, 2, 3], (i) => wal.commitTx([ev(i, 200)], { durability: "written" }))
            const st = yield* wal.status
            expect(st.activeSegmentId).toBe(3n)
            expect(st.pendingSegments).toBe(2)
            // The active segment can be fsynced, but durableLsn must not pass segment 1's unsynced records.
            const last = commits[2]!
            if (last._tag !== "Committed") throw new Error("not committed")
            const waiter = yield* Effect.forkChild(wal.awaitDurable(last.commitLsn))
            yield* Effect.sleep("30 millis")
            expect(waiter.pollUnsafe()).toBeUndefined()
            expect(yield* wal.durableLsn).toBe(0n)
            yield* gate.open
            yield* Fiber.join(waiter)
            expect(yield* wal.durableLsn).toBeGreaterThanOrEqual(last.commitLsn)
            expect((yield* wal.status).pendingSegments).toBe(0)
          }),
        gatedBackend(gate, new Set([seg(1), seg(2)]), order)
      )
      // Seal = fsync, header, fsync: segment 1's two fsyncs all come before segment 2's.
      expect(order).toEqual([seg(1), seg(1), seg(2), seg(2)])
      expect((yield* recoveredIds(disk)).sort()).toEqual([1, 2, 3])
    }))

  it.live("backpressure: committers wait (not fail) while too many segments await their fsync, then resume", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      const gate = yield* Latch.make(false)
      yield* withWal(
        disk,
        { syncMode: SyncMode.None, segmentTargetBytes: 200, asyncSegmentSync: { maxPendingSegments: 2 } },
        (wal) =>
          Effect.gen(function* () {
            const committer = yield* Effect.forkChild(Effect.forEach([1, 2, 3, 4, 5, 6], (i) => wal.commitTx([ev(i, 200)])))
            yield* Effect.sleep("50 millis")
            expect(committer.pollUnsafe()).toBeUndefined() // blocked, not failed
            const st = yield* wal.status
            expect(st.pendingSegments).toBe(2)
            expect(st.nextLsn).toBe(10n) // three commits made it (3 LSNs each); the fourth waits for the worker
            yield* gate.open
            const done = yield* Fiber.join(committer)
            expect(done.length).toBe(6)
          }),
        gatedBackend(gate, new Set([1, 2, 3, 4, 5, 6].map(seg)), [])
      )
      expect((yield* recoveredIds(disk)).length).toBe(6)
    }))

  it.live("a failing segment fsync is retried a bounded number of times, then poisons the log", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      let attempts = 0
      const failing: SyncBackendShape = {
        name: "failing",
        sync: (f) =>
          Effect.flatMap(f.size, (size) => {
            if (f.path === seg(1) && size > 32) {
              attempts++
              return SyncBackend.faulty(SyncBackend.fdatasync, () => "EIO").sync(f)
            }
            return f.datasync
          })
      }
      yield* withWal(
        disk,
        { syncMode: SyncMode.None, segmentTargetBytes: 200, asyncSegmentSync: { retries: 3 } },
        (wal) =>
          Effect.gen(function* () {
            yield* wal.commitTx([ev(1, 200)])
            yield* wal.commitTx([ev(2, 200)]) // rotates: segment 1 goes to the background worker
            for (let i = 0; i < 100 && Option.isNone(yield* wal.bgFailure); i++) yield* Effect.sleep("5 millis")
            const bg = yield* wal.bgFailure
            expect(Option.getOrThrow(bg)).toMatch(/^segment fsync failed: WAL I\/O error: .*\(os error 5\)$/)
            expect(attempts).toBe(4) // first try + 3 retries
            const err = yield* Effect.flip(wal.commitTx([ev(3)]))
            expect(err._tag).toBe("Poisoned")
            expect(err.message).toBe("WAL is poisoned: a previous append failed and the log is no longer durable")
          }),
        failing
      )
    }))
})

describe("group commit liveness", () => {
  it.live("16 committers × 1,000 durable commits with 1 KiB segments (rotation every few commits) finish: no lost wake-up", () =>
    Effect.gen(function* () {
      for (const asyncSegmentSync of [false, true]) {
        const disk = makeMemoryFileIo()
        const n = yield* withWal(disk, { syncMode: SyncMode.PerCommit, segmentTargetBytes: 1024, asyncSegmentSync }, (wal) =>
          Effect.forEach(
            Array.from({ length: 16 }, (_, c) => c),
            (c) => Effect.forEach(Array.from({ length: 1000 }, (_, k) => c * 1000 + k), (id) => wal.commitTx([ev(id)]), { discard: true }),
            { concurrency: "unbounded", discard: true }
          ).pipe(Effect.andThen(wal.durableLsn), Effect.timeout("60 seconds")))
        expect(n).toBe(48_000n)
      }
    }), 120_000)
})

describe("recording disk: what a durable ack may rely on", () => {
  /** Highest TxCommit LSN present in the durable (fsynced, directory-synced) bytes of `disk`. */
  const durableCommits = (disk: MemoryDisk): Set<bigint> => {
    const out = new Set<bigint>()
    for (const [path, bytes] of disk.durableFiles()) {
      if (!path.endsWith(".wal")) continue
      let off = 32
      for (;;) {
        const r = decodeFrame(bytes, off)
        if (r._tag !== "Frame") break
        if (r.frame.kind === 3) out.add(r.frame.lsn)
        off += r.frame.length
      }
    }
    return out
  }

  it.live("every durable ack is preceded by an fsync that covers it, and durableLsn never passes an unsynced commit (property)", () =>
    Effect.promise(() =>
      fc.assert(
        fc.asyncProperty(
          fc.constantFrom(SyncMode.PerCommit, SyncMode.GroupSync({ interval: 3 })),
          fc.boolean(),
          fc.integer({ min: 1, max: 16 }),
          fc.integer({ min: 1, max: 5 }),
          async (syncMode, asyncSegmentSync, committers, perCommitter) => {
            const disk = makeMemoryFileIo()
            await Effect.runPromise(
              Effect.scoped(
                Effect.gen(function* () {
                  const wal = yield* makeWal({ dir: "/wal", syncMode, segmentTargetBytes: 500, asyncSegmentSync })
                  yield* Effect.forEach(
                    Array.from({ length: committers }, (_, c) => c),
                    (c) =>
                      Effect.forEach(
                        Array.from({ length: perCommitter }, (_, k) => c * 100 + k),
                        (id) =>
                          Effect.gen(function* () {
                            const r = yield* wal.commitTx([ev(id, 60)], { durability: "durable" })
                            if (r._tag !== "Committed") throw new Error("not committed")
                            // At the moment of the ack, a power loss must keep this commit.
                            const synced = durableCommits(disk)
                            expect(synced.has(r.commitLsn)).toBe(true)
                            // durableLsn never claims a commit that is not on stable storage.
                            const d = yield* wal.durableLsn
                            for (const l of [r.commitLsn]) if (l <= d) expect(synced.has(l)).toBe(true)
                          }),
                        { discard: true }
                      ),
                    { concurrency: "unbounded", discard: true }
                  )
                })
              ).pipe(Effect.provide(FileIo.layerMemory(disk)))
            )
          }
        ),
        { numRuns: 60 }
      )
    ))
})
