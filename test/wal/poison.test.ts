/**
 * Poisoning (spec §6.6, design "Durability contract"): once an fsync or a
 * write fails, the log refuses further writes with `Poisoned` and keeps the
 * cause readable; `truncateUpTo` and the getters still work; reopening (a new
 * layer on the same disk) recovers every acknowledged commit. Faults are
 * injected with `withFaults` over the in-memory disk; errno codes are kept on
 * `Io.code`.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Option } from "effect"
import { TestClock } from "effect/testing"
import { type FileIoShape, makeMemoryFileIo, type MemoryDisk, withFaults } from "../../src/io/FileIo.js"
import { lsn } from "../../src/Lsn.js"
import { SyncMode, type WalConfig } from "../../src/Wal.js"
import type { WalError } from "../../src/WalError.js"
import { failureOf, type Log, memDir, node, withIoWal, withMemWal } from "../support/wal-harness.js"

const POISONED = "WAL is poisoned: a previous append failed and the log is no longer durable"
const INTERVAL = 50

/** Fault switches for the segment files (`*.wal`); the lock file and the directory are never faulted. */
interface Faults {
  datasync: string | undefined
  write: string | undefined
  open: string | undefined
}

const faultyDisk = (disk: MemoryDisk): { readonly io: FileIoShape; readonly faults: Faults } => {
  const faults: Faults = { datasync: undefined, write: undefined, open: undefined }
  const io = withFaults(disk.io, (op, path) => {
    if (!path.endsWith(".wal")) return undefined
    if (op === "datasync" || op === "sync") return faults.datasync
    if (op === "write") return faults.write
    if (op === "open") return faults.open
    return undefined
  })
  return { io, faults }
}

const datasyncs = (disk: MemoryDisk) => disk.counts.get("datasync") ?? 0

/** Every write-path operation of the log, each expected to fail with `Poisoned` once the log is poisoned. */
const writeOps = (wal: Log): ReadonlyArray<readonly [string, Effect.Effect<unknown, WalError>]> => [
  ["commitTx", wal.commitTx([node(50)])],
  ["commitTx durable", wal.commitTx([node(51)], { durability: "durable" })],
  ["commitTx of no events", wal.commitTx([])],
  ["flush", wal.flush],
  ["forceFsync", wal.forceFsync],
  ["begin", wal.begin],
  ["append", wal.append(lsn(1n), node(52))],
  ["appendBatch", wal.appendBatch(lsn(1n), [node(53)])],
  ["commit", wal.commit(lsn(1n))],
  ["abort", wal.abort(lsn(1n))],
  ["checkpointMarker", wal.checkpointMarker(3n)]
]

const expectPoisoned = (wal: Log, latched: string) =>
  Effect.gen(function* () {
    for (const [name, op] of writeOps(wal)) {
      const err = yield* failureOf(op)
      expect([name, err._tag]).toEqual([name, "Poisoned"])
      expect(err.message).toBe(POISONED)
      if (err._tag === "Poisoned") expect(err.bgFailure).toBe(latched)
    }
  })

describe("a failed background fsync poisons the log (GroupSync, virtual time)", () => {
  it.effect("the first failure latches `bg fsync failed: …`; writes fail with Poisoned; truncateUpTo and getters work", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      const { faults, io } = faultyDisk(disk)
      const dir = memDir()
      const cfg: WalConfig = { dir, syncMode: SyncMode.GroupSync({ interval: INTERVAL }) }
      yield* withIoWal(io, cfg, (wal) =>
        Effect.gen(function* () {
          yield* wal.commitTx([node(1)])
          yield* TestClock.adjust(INTERVAL)
          expect(yield* wal.durableLsn).toBe(3n)
          yield* wal.commitTx([node(2)]) // written, not durable
          faults.datasync = "EIO"
          yield* TestClock.adjust(INTERVAL)
          const latched = Option.getOrThrow(yield* wal.bgFailure)
          expect(latched.startsWith("bg fsync failed: WAL I/O error: ")).toBe(true)
          expect(latched.endsWith("(os error 5)")).toBe(true)
          expect((yield* wal.status).bgFailure).toBe(latched)
          // The fault goes away; the log stays poisoned (recovery is by reopening).
          faults.datasync = undefined
          yield* expectPoisoned(wal, latched)
          // A pending LSN never becomes durable.
          const waitErr = yield* failureOf(wal.awaitDurable(6n))
          expect(waitErr._tag).toBe("Poisoned")
          // Not gated: truncateUpTo and the getters.
          expect(yield* wal.truncateUpTo(100n)).toMatchObject({ removed: [], oldestSegmentId: 1n })
          expect(yield* wal.nextLsn).toBe(7n)
          expect(yield* wal.writtenLsn).toBe(6n)
          expect(yield* wal.durableLsn).toBe(3n)
          expect(yield* wal.activeSegmentId).toBe(1n)
          expect(yield* wal.oldestSegmentId).toBe(1n)
          // The flusher stopped at its first failure: later ticks do nothing, the latch keeps the first text.
          const d = datasyncs(disk)
          yield* TestClock.adjust(INTERVAL * 5)
          expect(datasyncs(disk)).toBe(d)
          expect(Option.getOrThrow(yield* wal.bgFailure)).toBe(latched)
        }))
      // Reopen (a new layer on the same disk, no faults): the committed data is there.
      const events = yield* withMemWal(disk, cfg, (wal) => Effect.succeed(wal.recovery.events))
      expect(events).toEqual([node(1), node(2)])
    }))

  it.effect("the latched text is lora-wal's Display text: `bg fsync failed: WAL I/O error: Input/output error (os error 5)`", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      const { faults, io } = faultyDisk(disk)
      yield* withIoWal(io, { dir: memDir(), syncMode: SyncMode.GroupSync({ interval: INTERVAL }) }, (wal) =>
        Effect.gen(function* () {
          faults.datasync = "EIO"
          yield* TestClock.adjust(INTERVAL)
          expect(Option.getOrUndefined(yield* wal.bgFailure)).toBe("bg fsync failed: WAL I/O error: Input/output error (os error 5)")
        }))
    }))

  it.effect("ENOSPC is kept: the latch names it", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      const { faults, io } = faultyDisk(disk)
      yield* withIoWal(io, { dir: memDir(), syncMode: SyncMode.GroupSync({ interval: INTERVAL }) }, (wal) =>
        Effect.gen(function* () {
          yield* wal.commitTx([node(1)])
          faults.datasync = "ENOSPC"
          yield* TestClock.adjust(INTERVAL)
          expect(Option.getOrUndefined(yield* wal.bgFailure)).toBe(
            "bg fsync failed: WAL I/O error: No space left on device (os error 28)"
          )
        }))
    }))

  it.effect("a committer waiting in awaitDurable when the tick fails gets Poisoned", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      const { faults, io } = faultyDisk(disk)
      yield* withIoWal(io, { dir: memDir(), syncMode: SyncMode.GroupSync({ interval: INTERVAL }) }, (wal) =>
        Effect.gen(function* () {
          const r = yield* wal.commitTx([node(1)])
          if (r._tag !== "Committed") throw new Error("expected a commit")
          faults.datasync = "EIO"
          const waiter = yield* Effect.forkChild(Effect.flip(wal.awaitDurable(r.commitLsn)), { startImmediately: true })
          yield* TestClock.adjust(INTERVAL)
          const err = yield* Fiber.join(waiter)
          expect(err._tag).toBe("Poisoned")
          expect(Option.getOrThrow(yield* wal.bgFailure).startsWith("bg fsync failed: ")).toBe(true)
        }))
    }))

  it.effect("after poisoning, a crash keeps what was durable before the failure", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      const { faults, io } = faultyDisk(disk)
      const dir = memDir()
      const cfg: WalConfig = { dir, syncMode: SyncMode.GroupSync({ interval: INTERVAL }) }
      yield* withIoWal(io, cfg, (wal) =>
        Effect.gen(function* () {
          yield* wal.commitTx([node(1)])
          yield* TestClock.adjust(INTERVAL)
          yield* wal.commitTx([node(2)])
          faults.datasync = "EIO"
          yield* TestClock.adjust(INTERVAL)
          expect(Option.isSome(yield* wal.bgFailure)).toBe(true)
        }))
      // The close of a poisoned log does not claim durability; the unsynced commit is lost in a crash.
      disk.crash()
      const events = yield* withMemWal(disk, cfg, (wal) => Effect.succeed(wal.recovery.events))
      expect(events).toEqual([node(1)])
    }))
})

describe("foreground failures", () => {
  it.live("PerCommit: a failed fsync fails that commit with Io (errno kept) and poisons the log", () =>
    Effect.gen(function* () {
      for (const [code, text] of [["EIO", undefined], ["ENOSPC", "No space left on device (os error 28)"]] as const) {
        for (const crash of [false, true]) {
          const disk = makeMemoryFileIo()
          const { faults, io } = faultyDisk(disk)
          const dir = memDir()
          const cfg: WalConfig = { dir, syncMode: SyncMode.PerCommit }
          yield* withIoWal(io, cfg, (wal) =>
            Effect.gen(function* () {
              yield* wal.commitTx([node(1)])
              expect(yield* wal.durableLsn).toBe(3n)
              faults.datasync = code
              const err = yield* failureOf(wal.commitTx([node(2)]))
              expect(err._tag).toBe("Io")
              if (err._tag === "Io") {
                expect(err.code).toBe(code)
                expect(err.message.startsWith("WAL I/O error: ")).toBe(true)
                if (text !== undefined) expect(err.message).toBe(`WAL I/O error: ${text}`)
              }
              expect(yield* wal.durableLsn).toBe(3n)
              faults.datasync = undefined
              const latched = Option.getOrThrow(yield* wal.bgFailure)
              expect(latched).toContain(err.message)
              yield* expectPoisoned(wal, latched)
              expect((yield* wal.truncateUpTo(0n)).oldestSegmentId).toBe(1n)
            }))
          if (crash) {
            // The close of a poisoned log claims no durability: after a crash only the acknowledged commit remains.
            disk.crash()
            const events = yield* withMemWal(disk, cfg, (wal) => Effect.succeed(wal.recovery.events))
            expect(events).toEqual([node(1)])
          } else {
            // Reopen without a crash: the acknowledged commit is there; the failed one was handed to the OS and may be too.
            const events = yield* withMemWal(disk, cfg, (wal) => Effect.succeed(wal.recovery.events))
            expect(events[0]).toEqual(node(1))
            expect([[node(1)], [node(1), node(2)]]).toContainEqual(events)
          }
        }
      }
    }))

  it.live("a short write is a failure, not a success, and poisons; recovery cuts the half-written record", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      const { faults, io } = faultyDisk(disk)
      const dir = memDir()
      const cfg: WalConfig = { dir, syncMode: SyncMode.None }
      yield* withIoWal(io, cfg, (wal) =>
        Effect.gen(function* () {
          yield* wal.commitTx([node(1)])
          faults.write = "short"
          const err = yield* failureOf(wal.commitTx([node(2)]))
          expect(err._tag).toBe("Io")
          expect(err.message).toBe("WAL I/O error: failed to write whole buffer")
          if (err._tag === "Io") expect(err.code).toBe("WriteZero")
          expect(yield* wal.writtenLsn).toBe(3n)
          expect(yield* wal.durableLsn).toBe(3n)
          const latched = Option.getOrThrow(yield* wal.bgFailure)
          expect(latched).toContain("failed to write whole buffer")
          yield* expectPoisoned(wal, latched)
        }))
      // The fault lasts through the close, so the file keeps the half-written record: a torn tail.
      const seen = yield* withMemWal(disk, cfg, (wal) =>
        Effect.gen(function* () {
          const r = wal.recovery
          yield* wal.commitTx([node(3)])
          return r
        }))
      expect(seen.events).toEqual([node(1)])
      expect(seen.tornTail).toBeDefined()
      expect(seen.truncated.length).toBe(1)
      const again = yield* withMemWal(disk, cfg, (wal) => Effect.succeed(wal.recovery))
      expect(again.events).toEqual([node(1), node(3)])
      expect(again.tornTail).toBeUndefined()
    }))

  it.live("PerCommit: a failed write fails the commit with Io (errno kept) and poisons", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      const { faults, io } = faultyDisk(disk)
      const dir = memDir()
      const cfg: WalConfig = { dir, syncMode: SyncMode.PerCommit }
      yield* withIoWal(io, cfg, (wal) =>
        Effect.gen(function* () {
          yield* wal.commitTx([node(1)])
          faults.write = "EIO"
          const err = yield* failureOf(wal.commitTx([node(2)]))
          expect(err._tag).toBe("Io")
          if (err._tag === "Io") expect(err.code).toBe("EIO")
          faults.write = undefined
          yield* expectPoisoned(wal, Option.getOrThrow(yield* wal.bgFailure))
        }))
      disk.crash()
      const events = yield* withMemWal(disk, cfg, (wal) => Effect.succeed(wal.recovery.events))
      expect(events).toEqual([node(1)])
    }))

  it.live("a failed rotation leaves the old segment sealed: primitive appends fail with Poisoned, the next commit retries it", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      const { faults, io } = faultyDisk(disk)
      const dir = memDir()
      const cfg: WalConfig = { dir, syncMode: SyncMode.None, segmentTargetBytes: 64 }
      yield* withIoWal(io, cfg, (wal) =>
        Effect.gen(function* () {
          yield* wal.commitTx([node(1)])
          faults.open = "EIO" // creating 0000000002.wal fails
          const err = yield* failureOf(wal.commitTx([node(2)]))
          expect(err._tag).toBe("Io")
          if (err._tag === "Io") expect(err.code).toBe("EIO")
          expect(yield* wal.activeSegmentId).toBe(1n)
          expect(yield* wal.nextLsn).toBe(4n) // no LSN used
          // The old segment is sealed: a record that does not rotate cannot go anywhere.
          expect((yield* failureOf(wal.checkpointMarker(3n)))._tag).toBe("Poisoned")
          expect(Option.isNone(yield* wal.bgFailure)).toBe(true) // not latched: the log is not poisoned
          faults.open = undefined
          expect(yield* wal.commitTx([node(2)])).toMatchObject({ _tag: "Committed", beginLsn: 4n })
          expect(yield* wal.activeSegmentId).toBe(2n)
        }))
      const events = yield* withMemWal(disk, cfg, (wal) => Effect.succeed(wal.recovery.events))
      expect(events).toEqual([node(1), node(2)])
    }))
})
