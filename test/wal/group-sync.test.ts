/**
 * Group sync (lora-wal's only mode, spec §6.5): a commit writes its bytes to
 * the OS and returns; a background flusher fsyncs every interval (even when
 * idle) and only then advances `durableLsn`. Run on the in-memory disk with
 * virtual time (`it.effect` + `TestClock`), counting `datasync` calls through
 * `disk.counts` and checking what survives `disk.crash()`.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { makeMemoryFileIo, type MemoryDisk } from "../../src/io/FileIo.js"
import { SyncMode, Wal, type WalConfig } from "../../src/Wal.js"
import { memDir, memLayer, node, withMemWal } from "../support/wal-harness.js"

const INTERVAL = 50
const groupSync = (dir: string): WalConfig => ({ dir, syncMode: SyncMode.GroupSync({ interval: INTERVAL }) })
const datasyncs = (disk: MemoryDisk) => disk.counts.get("datasync") ?? 0

describe("GroupSync(50 ms) on the in-memory disk, virtual time", () => {
  it.effect("durableLsn advances only through the flusher: not before 50 ms, at 50 ms, with one fsync per tick", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      const dir = memDir()
      yield* Effect.gen(function* () {
        const wal = yield* Wal
        const d0 = datasyncs(disk)
        const r = yield* wal.commitTx([node(1)])
        expect(r).toEqual({ _tag: "Committed", beginLsn: 1n, batchLsn: 2n, commitLsn: 3n })
        // Written to the OS at once, not fsynced.
        expect(yield* wal.writtenLsn).toBe(3n)
        expect(yield* wal.durableLsn).toBe(0n)
        expect(datasyncs(disk)).toBe(d0)
        yield* TestClock.adjust(INTERVAL - 1)
        expect(yield* wal.durableLsn).toBe(0n)
        expect(datasyncs(disk)).toBe(d0)
        yield* TestClock.adjust(1)
        expect(yield* wal.durableLsn).toBe(3n)
        expect(datasyncs(disk)).toBe(d0 + 1)
        // More commits within one interval share the next tick's single fsync.
        yield* wal.commitTx([node(2)])
        yield* wal.commitTx([node(3)])
        expect(yield* wal.durableLsn).toBe(3n)
        yield* TestClock.adjust(INTERVAL)
        expect(yield* wal.durableLsn).toBe(9n)
        expect(datasyncs(disk)).toBe(d0 + 2)
        // The flusher fsyncs on every tick, even when idle (as lora-wal does).
        yield* TestClock.adjust(INTERVAL * 3)
        expect(datasyncs(disk)).toBe(d0 + 5)
        expect(yield* wal.durableLsn).toBe(9n)
      }).pipe(Effect.provide(memLayer(disk, groupSync(dir))))
    }))

  it.effect("a commit survives a crash only after the tick", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      const dir = memDir()
      // Committed and ticked: durable. Then a second commit, crash before the next tick.
      yield* withMemWal(disk, groupSync(dir), (wal) =>
        Effect.gen(function* () {
          yield* wal.commitTx([node(1)])
          yield* TestClock.adjust(INTERVAL)
          expect(yield* wal.durableLsn).toBe(3n)
          yield* wal.commitTx([node(2)])
          yield* TestClock.adjust(INTERVAL - 1)
          disk.crash()
        }))
      const events = yield* withMemWal(disk, groupSync(dir), (wal) => Effect.succeed(wal.recovery.events))
      expect(events).toEqual([node(1)])
    }))

  it.effect("awaitDurable(lsn) resolves at the tick, not before", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      const dir = memDir()
      yield* withMemWal(disk, groupSync(dir), (wal) =>
        Effect.gen(function* () {
          const r = yield* wal.commitTx([node(1)])
          if (r._tag !== "Committed") throw new Error("expected a commit")
          const d0 = datasyncs(disk)
          const waiter = yield* Effect.forkChild(wal.awaitDurable(r.commitLsn), { startImmediately: true })
          yield* Effect.yieldNow
          expect(waiter.pollUnsafe()).toBeUndefined()
          yield* TestClock.adjust(INTERVAL - 1)
          expect(waiter.pollUnsafe()).toBeUndefined()
          expect(yield* wal.durableLsn).toBe(0n)
          yield* TestClock.adjust(1)
          yield* Fiber.join(waiter)
          expect(yield* wal.durableLsn).toBe(3n)
          expect(datasyncs(disk)).toBe(d0 + 1) // the tick's fsync, no extra one
          // An LSN that is already durable resolves at once.
          yield* wal.awaitDurable(r.commitLsn)
          yield* wal.awaitDurable(0n)
        }))
    }))

  it.effect("commitTx(events, { durability: \"durable\" }) does not wait for the tick: it fsyncs at once", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      const dir = memDir()
      yield* withMemWal(disk, groupSync(dir), (wal) =>
        Effect.gen(function* () {
          yield* wal.commitTx([node(1)]) // written only
          const d0 = datasyncs(disk)
          const r = yield* wal.commitTx([node(2)], { durability: "durable" })
          expect(r).toMatchObject({ _tag: "Committed", commitLsn: 6n })
          expect(datasyncs(disk)).toBe(d0 + 1)
          expect(yield* wal.durableLsn).toBe(6n) // covers the earlier written commit too
          disk.crash()
        }))
      const events = yield* withMemWal(disk, groupSync(dir), (wal) => Effect.succeed(wal.recovery.events))
      expect(events).toEqual([node(1), node(2)])
    }))

  it.effect("close (the end of the layer's scope) runs a final fsync, then the flusher is gone", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      const dir = memDir()
      let before = 0
      yield* withMemWal(disk, groupSync(dir), (wal) =>
        Effect.gen(function* () {
          const tx = yield* wal.begin
          yield* wal.append(tx, node(9)) // an unfinished transaction: pending, never written before the close
          yield* wal.commitTx([node(1)])
          expect(yield* wal.durableLsn).toBe(0n)
          before = datasyncs(disk)
        }))
      expect(datasyncs(disk)).toBe(before + 1)
      // Virtual time passing after the close triggers nothing.
      yield* TestClock.adjust(INTERVAL * 10)
      expect(datasyncs(disk)).toBe(before + 1)
      // Everything written before the close was fsynced: a crash loses nothing.
      disk.crash()
      const seen = yield* withMemWal(disk, groupSync(dir), (wal) =>
        Effect.map(wal.nextLsn, (n) => [wal.recovery.events, n] as const))
      expect(seen).toEqual([[node(1)], 6n])
    }))

  it.effect("an interval of 0 is treated as 1 ms", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      yield* withMemWal(disk, { dir: memDir(), syncMode: SyncMode.GroupSync({ interval: 0 }) }, (wal) =>
        Effect.gen(function* () {
          yield* wal.commitTx([node(1)])
          expect(yield* wal.durableLsn).toBe(0n)
          yield* TestClock.adjust(1)
          expect(yield* wal.durableLsn).toBe(3n)
        }))
    }))
})
