/**
 * Model-based test of the `Wal` service on the in-memory disk: random
 * sequences of commits (some large enough to rotate a small segment target),
 * aborted and abandoned transactions, checkpoints with segment truncation,
 * clean reopens, crashes (`disk.crash()`: unsynced bytes dropped, or a prefix
 * of them kept) and reopens with the checkpoint fence, checked after every
 * reopen against a pure model: the list of committed transactions above the
 * fence.
 *
 * The durability rule checked: after a crash, the transactions replayed are
 * a prefix (in commit order, each one whole) of the model's committed list,
 * and that prefix contains every transaction the log confirmed durable
 * (PerCommit: every acknowledged commit; GroupSync: those covered by
 * `awaitDurable` or by `durableLsn`). Without a crash, every committed
 * transaction is replayed.
 *
 * Each fast-check run gets a fresh disk and its own `TestClock`, so group
 * sync ticks only when an op advances virtual time.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Scope } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import { makeMemoryFileIo } from "../../src/io/FileIo.js"
import { SyncMode, type WalConfig } from "../../src/Wal.js"
import { bigNode, type Ev, type Log, memDir, node, openCollecting } from "../support/wal-harness.js"

const INTERVAL = 50

type EventSpec = { readonly big: boolean; readonly n: number }

type Op =
  | { readonly _tag: "Commit"; readonly events: ReadonlyArray<EventSpec> }
  | { readonly _tag: "Abort"; readonly events: ReadonlyArray<EventSpec> }
  | { readonly _tag: "Unfinished"; readonly events: ReadonlyArray<EventSpec> }
  | { readonly _tag: "Checkpoint"; readonly truncate: boolean }
  | { readonly _tag: "Reopen"; readonly withFence: boolean }
  | { readonly _tag: "Crash"; readonly keepUnsynced: number; readonly withFence: boolean }
  | { readonly _tag: "Tick" }
  | { readonly _tag: "AwaitDurable" }

const eventSpec: fc.Arbitrary<EventSpec> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ big: fc.constant(false), n: fc.integer({ min: 0, max: 1000 }) }) },
  { weight: 1, arbitrary: fc.record({ big: fc.constant(true), n: fc.integer({ min: 100, max: 900 }) }) }
)
const events = fc.array(eventSpec, { minLength: 1, maxLength: 4 })

const commonOps: ReadonlyArray<fc.WeightedArbitrary<Op>> = [
  { weight: 8, arbitrary: events.map((e): Op => ({ _tag: "Commit", events: e })) },
  { weight: 1, arbitrary: events.map((e): Op => ({ _tag: "Abort", events: e })) },
  { weight: 1, arbitrary: events.map((e): Op => ({ _tag: "Unfinished", events: e })) },
  { weight: 1, arbitrary: fc.boolean().map((t): Op => ({ _tag: "Checkpoint", truncate: t })) },
  { weight: 1, arbitrary: fc.boolean().map((f): Op => ({ _tag: "Reopen", withFence: f })) },
  {
    weight: 2,
    arbitrary: fc.record({ keepUnsynced: fc.constantFrom(0, 0, 0.3, 0.7, 1), withFence: fc.boolean() }).map((c): Op => ({
      _tag: "Crash",
      ...c
    }))
  }
]
const groupOps: ReadonlyArray<fc.WeightedArbitrary<Op>> = [
  ...commonOps,
  { weight: 2, arbitrary: fc.constant<Op>({ _tag: "Tick" }) },
  { weight: 2, arbitrary: fc.constant<Op>({ _tag: "AwaitDurable" }) }
]

const target = fc.constantFrom(1, 150, 400, 1200, 8 * 1024 * 1024)

interface ModelTx {
  readonly beginLsn: bigint
  readonly commitLsn: bigint
  readonly events: ReadonlyArray<Ev>
}

/** Runs `ops` against a log on a fresh in-memory disk and checks every reopen against the model. */
const runScenario = (mode: "PerCommit" | "GroupSync", segmentTargetBytes: number, ops: ReadonlyArray<Op>) =>
  Effect.gen(function* () {
    const disk = makeMemoryFileIo()
    const dir = memDir("model")
    const syncMode = mode === "PerCommit" ? SyncMode.PerCommit : SyncMode.GroupSync({ interval: INTERVAL })
    const base: WalConfig = { dir, syncMode, segmentTargetBytes }

    // The model.
    let committed: Array<ModelTx> = []
    /** How many of `committed` (a prefix) the log confirmed durable. */
    let durable = 0
    let fence = 0n
    let truncated = false
    let checkpointed = false
    let nextId = 1

    const mkEvents = (specs: ReadonlyArray<EventSpec>): Array<Ev> =>
      specs.map((s) => (s.big ? bigNode(nextId++, s.n) : node(nextId++, s.n)))

    let scope = yield* Scope.make()
    let wal: Log = (yield* openCollecting(disk.io, base).pipe(Scope.provide(scope))).wal

    const noteDurableLsn = Effect.gen(function* () {
      const d = yield* wal.durableLsn
      let k = durable
      while (k < committed.length && committed[k]!.commitLsn <= d) k++
      durable = k
    })

    const reopen = (crash: number | undefined, withFence: boolean) =>
      Effect.gen(function* () {
        if (crash !== undefined) disk.crash(crash)
        yield* Scope.close(scope, Exit.void)
        // Once segments were truncated only the fence makes the log replayable as the model expects.
        const f = withFence || truncated ? fence : 0n
        scope = yield* Scope.make()
        const opened = yield* openCollecting(disk.io, { ...base, checkpointLsn: f }).pipe(Scope.provide(scope))
        wal = opened.wal
        const expected = committed.filter((t) => t.beginLsn > f)
        const got = opened.txs.map((t) => ({ beginLsn: t.beginLsn as bigint, commitLsn: t.commitLsn as bigint, events: t.events }))
        if (crash === undefined) {
          expect(got).toEqual(expected)
        } else {
          // A prefix of the committed transactions, each whole, containing every one confirmed durable.
          expect(got).toEqual(expected.slice(0, got.length))
          const durableAbove = committed.slice(0, durable).filter((t) => t.beginLsn > f).length
          expect(got.length).toBeGreaterThanOrEqual(durableAbove)
          const lost = expected.length - got.length
          committed = committed.slice(0, committed.length - lost)
        }
        expect(wal.recovery.events).toEqual([]) // collected through onRecover instead
        expect(wal.recovery.transactionCount).toBe(got.length)
        expect(wal.recovery.checkpointLsnObserved).toBe(checkpointed ? fence : undefined)
        const next = yield* wal.nextLsn
        const last = committed[committed.length - 1]
        if (last !== undefined) expect(next).toBeGreaterThan(last.commitLsn)
        // Everything readable at open counts as durable.
        expect(yield* wal.durableLsn).toBe(next - 1n)
        durable = committed.length
      })

    for (const op of ops) {
      switch (op._tag) {
        case "Commit": {
          const evs = mkEvents(op.events)
          const expectedBegin = yield* wal.nextLsn
          const r = yield* wal.commitTx(evs)
          if (r._tag !== "Committed") throw new Error("expected a commit")
          expect([r.beginLsn, r.batchLsn, r.commitLsn]).toEqual([expectedBegin, expectedBegin + 1n, expectedBegin + 2n])
          committed.push({ beginLsn: r.beginLsn, commitLsn: r.commitLsn, events: evs })
          if (mode === "PerCommit") expect(yield* wal.durableLsn).toBeGreaterThanOrEqual(r.commitLsn)
          break
        }
        case "Abort": {
          const tx = yield* wal.begin
          for (const e of mkEvents(op.events)) yield* wal.append(tx, e)
          yield* wal.abort(tx)
          break
        }
        case "Unfinished": {
          const tx = yield* wal.begin
          yield* wal.appendBatch(tx, mkEvents(op.events))
          break
        }
        case "Checkpoint": {
          // LoraDB's checkpoint: fsync, fence = durable LSN, marker, fsync, truncate.
          yield* wal.forceFsync
          const f = yield* wal.durableLsn
          expect(f).toBe((yield* wal.nextLsn) - 1n)
          yield* wal.checkpointMarker(f)
          yield* wal.forceFsync
          if (op.truncate) {
            const r = yield* wal.truncateUpTo(f)
            expect(r.oldestSegmentId).toBe(yield* wal.oldestSegmentId)
            truncated = truncated || r.removed.length > 0
          }
          fence = f
          checkpointed = true
          break
        }
        case "Reopen":
          yield* reopen(undefined, op.withFence)
          break
        case "Crash":
          yield* reopen(op.keepUnsynced, op.withFence)
          break
        case "Tick":
          yield* TestClock.adjust(INTERVAL)
          break
        case "AwaitDurable": {
          const last = committed[committed.length - 1]
          if (last === undefined) break
          const waiter = yield* Effect.forkChild(wal.awaitDurable(last.commitLsn), { startImmediately: true })
          yield* TestClock.adjust(INTERVAL)
          yield* Fiber.join(waiter)
          expect(yield* wal.durableLsn).toBeGreaterThanOrEqual(last.commitLsn)
          durable = committed.length
          break
        }
      }
      yield* noteDurableLsn
    }
    // Finally: a crash that keeps nothing unsynced, then a clean reopen.
    yield* reopen(0, true)
    yield* reopen(undefined, true)
    yield* Scope.close(scope, Exit.void)
  })

const check = (mode: "PerCommit" | "GroupSync", opArb: fc.Arbitrary<Op>, numRuns: number) =>
  Effect.promise(() =>
    fc.assert(
      fc.asyncProperty(target, fc.array(opArb, { minLength: 1, maxLength: 40, size: "medium" }), (t, ops) =>
        Effect.runPromise(runScenario(mode, t, ops).pipe(Effect.provide(TestClock.layer())))),
      { numRuns }
    ))

describe("the log against a model of committed transactions (in-memory disk, crashes included)", () => {
  it.effect("PerCommit: every acknowledged commit survives every crash; replay is whole transactions in order", () =>
    check("PerCommit", fc.oneof(...commonOps), 250), 120_000)

  it.effect("GroupSync: commits confirmed by awaitDurable or durableLsn survive; others may be lost, whole and from the end", () =>
    check("GroupSync", fc.oneof(...groupOps), 250), 120_000)
})
