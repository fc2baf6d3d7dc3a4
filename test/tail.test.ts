/**
 * The live tailing reader (`tailDirectory`): a stream of committed
 * transactions that follows a WAL directory while a writer appends to it.
 *
 * Writers: `Wal` in this process (real temporary directories and the
 * in-memory disk), segment files written by hand (to place half a record,
 * garbage or an empty new segment exactly where a test wants it), the
 * lora-wal reference fixtures, and LoraDB itself (`@loradb/lora-node`).
 *
 * Most tests drive the stream with `Stream.toPull`, so that the tailer reads
 * only when a test pulls: "it waits" is a pull that times out with nothing,
 * "it fails" is a pull that fails. Every wait is bounded by a timeout.
 */
import { describe, expect, it } from "@effect/vitest"
import { openWalDatabase } from "@loradb/lora-node"
import { Cause, Effect, Fiber, Option, Scope, Stream } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { acquireDirLock } from "../src/DirLock.js"
import { LW1Codec } from "../src/event/LW1.js"
import type { MutationEvent } from "../src/event/MutationEvent.js"
import { Pv } from "../src/event/PropertyValue.js"
import { FileIo, type FileIoShape, makeMemoryFileIo, nodeFileIo } from "../src/io/FileIo.js"
import { type CommittedTransaction, replayDirectory } from "../src/Replay.js"
import { segmentFileName } from "../src/SegmentDir.js"
import { tailDirectory, type TailOptions } from "../src/Tail.js"
import { makeWal, SyncMode } from "../src/Wal.js"
import type { WalError } from "../src/WalError.js"
import { FIXTURES_DIR } from "./support/fixtures.js"
import {
  bigNode,
  type Ev,
  failureOf,
  type Log,
  memDir,
  node,
  scopedTempDir,
  segmentBytes,
  setProp,
  txRecords,
  walFiles,
  withDiskWal,
  withMemWal
} from "./support/wal-harness.js"

type Tx = CommittedTransaction<MutationEvent>
type Pull = Effect.Effect<ReadonlyArray<Tx>, WalError | Cause.Done>

/** A pull on a fresh tailer of `dir`; it lives as long as the current scope. */
const tailPull = (options: Partial<TailOptions<MutationEvent>> & { readonly dir: string }): Effect.Effect<Pull, never, Scope.Scope> =>
  Stream.toPull(tailDirectory({ io: nodeFileIo, codec: LW1Codec, pollInterval: 5, ...options })) as Effect.Effect<Pull, never, Scope.Scope>

/** Pulls until at least `n` transactions arrived (fails the test after 10 s). */
const pullN = (pull: Pull, n: number): Effect.Effect<Array<Tx>, WalError | Cause.Done | Cause.TimeoutError> =>
  Effect.gen(function* () {
    const out: Array<Tx> = []
    while (out.length < n) out.push(...(yield* pull))
    return out
  }).pipe(Effect.timeout("10 seconds"))

/** Pulls for `ms` milliseconds; `None` when the tailer had nothing to emit (and did not fail) in that time. */
const pullWithin = (pull: Pull, ms: number) => Effect.timeoutOption(pull, `${ms} millis`)

/** Pulls until the tailer fails (within 10 s); the error's tag and message. */
const pullFailure = (pull: Pull) =>
  Effect.gen(function* () {
    const e = yield* failureOf(Effect.timeout(Effect.forever(pull), "10 seconds"))
    return { tag: (e as { _tag: string })._tag, message: (e as Error).message }
  })

/** (commitLsn, events) of transactions, for comparison. */
const shape = (txs: ReadonlyArray<Tx>) => txs.map((t) => ({ beginLsn: t.beginLsn, commitLsn: t.commitLsn, events: t.events }))

/** Every committed transaction of `dir` by read-only replay. */
const replayAll = (io: FileIoShape, dir: string, checkpointLsn = 0n) =>
  Effect.gen(function* () {
    const txs: Array<Tx> = []
    const outcome = yield* replayDirectory({ io, dir, codec: LW1Codec, checkpointLsn, onTransaction: (tx) => Effect.sync(() => void txs.push(tx)) })
    return { txs, outcome }
  })

/** A `FileIo` wrapper that records how files are opened and counts listings and writes (the tailer must only read). */
const spyIo = (inner: FileIoShape) => {
  const modes = new Set<string>()
  const counts = { list: 0, write: 0, sync: 0, truncate: 0, other: 0 }
  const io: FileIoShape = {
    ...inner,
    open: (p, mode) =>
      Effect.map(Effect.sync(() => modes.add(mode)).pipe(Effect.andThen(inner.open(p, mode))), (h) => ({
        ...h,
        write: (b, at) => Effect.andThen(Effect.sync(() => counts.write++), h.write(b, at)),
        sync: Effect.andThen(Effect.sync(() => counts.sync++), h.sync),
        datasync: Effect.andThen(Effect.sync(() => counts.sync++), h.datasync),
        truncate: (n) => Effect.andThen(Effect.sync(() => counts.truncate++), h.truncate(n))
      })),
    list: (d) => Effect.andThen(Effect.sync(() => counts.list++), inner.list(d)),
    mkdirp: (d) => Effect.andThen(Effect.sync(() => counts.other++), inner.mkdirp(d)),
    remove: (p) => Effect.andThen(Effect.sync(() => counts.other++), inner.remove(p)),
    rename: (a, b) => Effect.andThen(Effect.sync(() => counts.other++), inner.rename(a, b)),
    syncDir: (d) => Effect.andThen(Effect.sync(() => counts.other++), inner.syncDir(d))
  }
  return { io, modes, counts }
}

/** The bytes of transaction `[begin, begin + 2]` as they follow a segment header. */
const txBytes = (begin: bigint, events: ReadonlyArray<Ev>): Uint8Array => segmentBytes(begin, false, txRecords(begin, events)).subarray(32)

describe("tailDirectory: following a live writer", () => {
  it.live("receives every committed transaction, in commit order, while writers commit concurrently across rotations", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("tail-live")
      const spy = spyIo(nodeFileIo)
      const FIBERS = 4
      const PER_FIBER = 40
      const N = FIBERS * PER_FIBER
      let committed = 0
      const seenWhenCommitted: Array<number> = []
      const results = yield* withDiskWal({ dir, segmentTargetBytes: 1500, syncMode: SyncMode.GroupSync({ interval: 20 }) }, (wal: Log) =>
        Effect.gen(function* () {
          const tail = yield* tailDirectory({ io: spy.io, dir, codec: LW1Codec, pollInterval: 5 }).pipe(
            Stream.tap(() => Effect.sync(() => void seenWhenCommitted.push(committed))),
            Stream.take(N),
            Stream.runCollect,
            Effect.timeout("20 seconds"),
            Effect.forkChild
          )
          // Noise that must not be emitted: an aborted transaction, and one that never ends.
          const aborted = yield* wal.begin
          yield* wal.append(aborted, node(999_001))
          const commits = yield* Effect.forEach(
            Array.from({ length: FIBERS }, (_, f) => f),
            (f) =>
              Effect.forEach(Array.from({ length: PER_FIBER }, (_, i) => i), (i) =>
                Effect.gen(function* () {
                  const events = i % 3 === 0 ? [node(f * 1000 + i, i), setProp(f * 1000 + i, "k", i)] : [node(f * 1000 + i, i)]
                  const r = yield* wal.commitTx(events)
                  committed++
                  yield* Effect.sleep("2 millis")
                  if (r._tag !== "Committed") return yield* Effect.die("empty commit")
                  return { beginLsn: r.beginLsn, commitLsn: r.commitLsn, events }
                })),
            { concurrency: FIBERS }
          )
          yield* wal.abort(aborted)
          const unfinished = yield* wal.begin
          yield* wal.append(unfinished, node(999_002))
          const tailed = yield* Fiber.join(tail)
          return { commits: commits.flat(), tailed }
        }))
      const expected = [...results.commits].sort((a, b) => (a.commitLsn < b.commitLsn ? -1 : 1))
      expect(shape(results.tailed)).toEqual(expected)
      // It was live: the first transaction arrived before the writers were done.
      expect(seenWhenCommitted[0]).toBeLessThan(N)
      // Rotation happened under the tailer's feet.
      expect(walFiles(dir).length).toBeGreaterThan(5)
      // Read-only: files opened for reading only, nothing written, synced, truncated, created or removed.
      expect([...spy.modes]).toEqual(["read"])
      expect(spy.counts).toMatchObject({ write: 0, sync: 0, truncate: 0, other: 0 })
    }))

  it.live("fromLsn skips transactions committed at or below it, and still emits a transaction begun below it whole", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      const dir = memDir("tail-from")
      // Interleaved low-level transactions: A = begin 1, B = begin 2; A commits at 5, B at 6. C (7..9) aborts.
      yield* withMemWal(disk, { dir, syncMode: SyncMode.None }, (wal) =>
        Effect.gen(function* () {
          const a = yield* wal.begin
          const b = yield* wal.begin
          yield* wal.append(a, node(1))
          yield* wal.append(b, node(2))
          yield* wal.commit(a)
          yield* wal.commit(b)
          const c = yield* wal.begin
          yield* wal.append(c, node(3))
          yield* wal.abort(c)
          yield* wal.commitTx([node(4)]) // 10..12
          yield* wal.commitTx([node(5), node(6)]) // 13..15
          const d = yield* wal.begin // 16, never committed
          yield* wal.append(d, node(7))
        }))
      const tail = (fromLsn: bigint) =>
        Effect.gen(function* () {
          const pull = (yield* Stream.toPull(tailDirectory({ io: disk.io, dir, codec: LW1Codec, fromLsn, pollInterval: 5 }))) as Pull
          const got: Array<Tx> = []
          for (;;) {
            const next = yield* pullWithin(pull, 150)
            if (Option.isNone(next)) return got.map((t) => [t.beginLsn, t.commitLsn, t.events.map((e) => (e as { id: bigint }).id)])
            got.push(...next.value)
          }
        }).pipe(Effect.scoped)
      expect(yield* tail(0n)).toEqual([[1n, 5n, [1n]], [2n, 6n, [2n]], [10n, 12n, [4n]], [13n, 15n, [5n, 6n]]])
      expect(yield* tail(5n)).toEqual([[2n, 6n, [2n]], [10n, 12n, [4n]], [13n, 15n, [5n, 6n]]])
      expect(yield* tail(12n)).toEqual([[13n, 15n, [5n, 6n]]])
      expect(yield* tail(15n)).toEqual([])
    }))

  it.live("tails a directory LoraDB is writing: LoraDB holds the lock, the tailer takes none", () =>
    Effect.gen(function* () {
      const dir = Path.join(yield* scopedTempDir("tail-lora"), "wal")
      const db = yield* Effect.acquireRelease(Effect.promise(() => openWalDatabase({ walDir: dir })), (d) => Effect.sync(() => d.dispose()))
      // LoraDB really holds the directory lock while we tail.
      const locked = yield* failureOf(Effect.scoped(acquireDirLock(dir)).pipe(Effect.provide(FileIo.layerNode)))
      expect(locked._tag).toBe("AlreadyOpen")
      const tail = yield* tailDirectory({ io: nodeFileIo, dir, codec: LW1Codec, pollInterval: 5 }).pipe(
        Stream.take(5),
        Stream.runCollect,
        Effect.timeout("15 seconds"),
        Effect.forkChild
      )
      yield* Effect.promise(async () => {
        for (let i = 0; i < 3; i++) await db.execute(`CREATE (:Tailed {i: ${i}})`)
        await db.execute("MATCH (n:Tailed {i: 99}) RETURN n") // read-only: writes nothing
        await db.execute("CREATE (:Tailed {i: 3}), (:Tailed {i: 4})") // one statement, one transaction, two events
        await db.execute("MATCH (n:Tailed {i: 0}) SET n.seen = true")
        await db.sync()
      })
      const txs = yield* Fiber.join(tail)
      expect(txs.length).toBe(5)
      expect(txs.map((t) => t.events.length)).toEqual([1, 1, 1, 2, 1])
      const created = txs.flatMap((t) => t.events).filter((e) => e._tag === "CreateNode")
      expect(created.map((e) => e._tag === "CreateNode" && [e.labels, e.properties.get("i")])).toEqual(
        [0, 1, 2, 3, 4].map((i) => [["Tailed"], Pv.int(i)])
      )
      expect(txs[4]!.events[0]!._tag).toBe("SetNodeProperty")
      // Commit order.
      for (let i = 1; i < txs.length; i++) expect(txs[i]!.commitLsn > txs[i - 1]!.commitLsn).toBe(true)
    }))

  it.live("reads a backlog in chunks (bounded memory), a record larger than the chunk whole, and sleeps only once caught up", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      const dir = memDir("tail-chunks")
      const spy = spyIo(disk.io)
      yield* withMemWal(disk, { dir, syncMode: SyncMode.None }, (wal) =>
        Effect.gen(function* () {
          for (let i = 0; i < 100; i++) yield* wal.commitTx([bigNode(i, 500)])
          yield* wal.commitTx([bigNode(100, 40_000)]) // one record of ~40 KB
          yield* wal.commitTx([node(101)])
        }))
      const { txs: expected } = yield* replayAll(disk.io, dir)
      const pull = (yield* Stream.toPull(
        tailDirectory({ io: spy.io, dir, codec: LW1Codec, pollInterval: 30, chunkBytes: 8192 })
      )) as Pull
      const pages: Array<number> = []
      const got: Array<Tx> = []
      while (got.length < 102) {
        const page = yield* Effect.timeout(pull, "10 seconds")
        pages.push(page.length)
        got.push(...page)
      }
      expect(shape(got)).toEqual(shape(expected))
      // ~600-byte transactions in 8 KiB reads: at most 14 per page, and the backlog came in many pages.
      expect(Math.max(...pages)).toBeLessThanOrEqual(14)
      expect(pages.length).toBeGreaterThanOrEqual(8)
      // Caught up: it polls every 30 ms instead of spinning.
      const before = spy.counts.list
      expect(Option.isNone(yield* pullWithin(pull, 300))).toBe(true)
      const polls = spy.counts.list - before
      expect(polls).toBeGreaterThanOrEqual(3)
      expect(polls).toBeLessThanOrEqual(12)
    }))
})

describe("tailDirectory: the end of the log", () => {
  it.live("a partially written record at the end is waited for, not reported", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("tail-partial")
      const seg1 = Path.join(dir, segmentFileName(1n))
      Fs.writeFileSync(seg1, segmentBytes(1n, false, txRecords(1n, [node(1)])))
      const pull = yield* tailPull({ dir })
      expect(shape(yield* pullN(pull, 1)).map((t) => t.commitLsn)).toEqual([3n])

      // The next transaction arrives in pieces: its TxBegin and half of its MutationBatch, then the rest.
      const tx2 = txBytes(4n, [bigNode(2, 200)])
      const cut = 25 + 60
      Fs.appendFileSync(seg1, tx2.subarray(0, cut))
      expect(Option.isNone(yield* pullWithin(pull, 150))).toBe(true)
      expect(Option.isNone(yield* pullWithin(pull, 50))).toBe(true)
      Fs.appendFileSync(seg1, tx2.subarray(cut, cut + 3)) // a few more bytes: still incomplete
      expect(Option.isNone(yield* pullWithin(pull, 50))).toBe(true)
      Fs.appendFileSync(seg1, tx2.subarray(cut + 3))
      const got = yield* pullN(pull, 1)
      expect(shape(got)).toEqual([{ beginLsn: 4n, commitLsn: 6n, events: [bigNode(2, 200)] }])

      // A new segment is created empty, then gets its header in two writes: the tailer waits for it.
      const seg2 = Path.join(dir, segmentFileName(2n))
      const seg2Bytes = segmentBytes(7n, false, txRecords(7n, [node(3)]))
      Fs.writeFileSync(seg2, new Uint8Array(0))
      expect(Option.isNone(yield* pullWithin(pull, 100))).toBe(true)
      Fs.appendFileSync(seg2, seg2Bytes.subarray(0, 20))
      expect(Option.isNone(yield* pullWithin(pull, 100))).toBe(true)
      Fs.appendFileSync(seg2, seg2Bytes.subarray(20))
      expect(shape(yield* pullN(pull, 1)).map((t) => t.commitLsn)).toEqual([9n])
    }))

  it.live("a CRC mismatch at the end is retried: the writer's recovery cuts it and appends again, and the tailer goes on", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("tail-crc")
      const seg1 = Path.join(dir, segmentFileName(1n))
      const good = segmentBytes(1n, false, txRecords(1n, [node(1)]))
      const torn = txBytes(4n, [node(2)])
      torn[30] = torn[30]! ^ 0xff // inside the MutationBatch: its CRC no longer matches
      Fs.writeFileSync(seg1, Buffer.concat([good, torn]))
      const pull = yield* tailPull({ dir })
      expect(shape(yield* pullN(pull, 1)).map((t) => t.commitLsn)).toEqual([3n])
      // The TxBegin before the damaged batch is read; the batch is not an error while it is the end of the log.
      expect(Option.isNone(yield* pullWithin(pull, 150))).toBe(true)
      // What the writer's open does after a crash: cut at the last good record, then append.
      Fs.truncateSync(seg1, good.length + 25)
      Fs.appendFileSync(seg1, txBytes(7n, [node(3)]))
      const got = yield* pullN(pull, 1)
      expect(shape(got)).toEqual([{ beginLsn: 7n, commitLsn: 9n, events: [node(3)] }])
    }))

  it.live("garbage at the end followed by a new segment fails with the file, the offset and the cause", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("tail-garbage")
      const seg1 = Path.join(dir, segmentFileName(1n))
      const good = segmentBytes(1n, false, txRecords(1n, [node(1)]))
      Fs.writeFileSync(seg1, Buffer.concat([good, Buffer.from("deadbeef00112233445566778899", "hex")]))
      const pull = yield* tailPull({ dir })
      expect(shape(yield* pullN(pull, 1)).map((t) => t.commitLsn)).toEqual([3n])
      expect(Option.isNone(yield* pullWithin(pull, 150))).toBe(true)
      Fs.writeFileSync(Path.join(dir, segmentFileName(2n)), segmentBytes(4n, false, txRecords(4n, [node(2)])))
      const failure = yield* pullFailure(pull)
      expect(failure).toEqual({
        tag: "Malformed",
        message: `WAL structure is malformed: unreadable record in ${seg1} at offset ${good.length}, and a later segment ` +
          `${Path.join(dir, segmentFileName(2n))} exists, so it can never be completed: ` +
          "WAL record could not be decoded: record length 4022250974 exceeds maximum 268435456"
      })
    }))

  it.live("a segment whose header never completes fails once a later segment exists", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("tail-header")
      Fs.writeFileSync(Path.join(dir, segmentFileName(1n)), segmentBytes(1n, true, txRecords(1n, [node(1)])))
      const seg2 = Path.join(dir, segmentFileName(2n))
      Fs.writeFileSync(seg2, segmentBytes(4n, false, []).subarray(0, 10))
      const pull = yield* tailPull({ dir })
      expect(shape(yield* pullN(pull, 1)).map((t) => t.commitLsn)).toEqual([3n])
      expect(Option.isNone(yield* pullWithin(pull, 100))).toBe(true)
      Fs.writeFileSync(Path.join(dir, segmentFileName(3n)), segmentBytes(4n, false, txRecords(4n, [node(2)])))
      expect(yield* pullFailure(pull)).toEqual({
        tag: "Malformed",
        message: `WAL structure is malformed: segment ${seg2} has only 10 bytes, less than its 32-byte header, ` +
          `and a later segment ${Path.join(dir, segmentFileName(3n))} exists`
      })
    }))
})

describe("tailDirectory: the directory changing under the tailer", () => {
  it.live("segments removed by truncateUpTo before the tailer read them: Malformed naming the missing range; a tailer that passed them goes on", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      const dir = memDir("tail-truncated")
      yield* withMemWal(disk, { dir, syncMode: SyncMode.None, segmentTargetBytes: 250 }, (wal) =>
        Effect.gen(function* () {
          for (let i = 0; i < 15; i++) yield* wal.commitTx([node(i, i)])
          const segs = (yield* disk.io.list(dir)).filter((e) => e.name.endsWith(".wal")).length
          expect(segs).toBeGreaterThanOrEqual(5)
          const opts = { io: disk.io, dir, codec: LW1Codec, pollInterval: 5 } as const
          const slow = (yield* Stream.toPull(tailDirectory(opts))) as Pull
          const fast = (yield* Stream.toPull(tailDirectory(opts))) as Pull
          // The slow tailer reads segment 1 and moves into segment 2; the fast one reads everything.
          const first = yield* Effect.timeout(slow, "5 seconds")
          expect(first.length).toBeGreaterThan(0)
          expect((yield* pullN(fast, 15)).length).toBe(15)

          const { removed } = yield* wal.truncateUpTo(1_000n)
          expect(removed.length).toBeGreaterThanOrEqual(3)
          const kept = removed[removed.length - 1]! + 1n
          const keptBase = yield* replayAll(disk.io, dir).pipe(Effect.map((r) => r.outcome.baseLsns.get(kept)!))
          const lastRead = first[first.length - 1]!.commitLsn
          expect(yield* pullFailure(slow)).toEqual({
            tag: "Malformed",
            message: `WAL structure is malformed: segment ${Path.join("/", dir, segmentFileName(2n))} was removed before the tailer ` +
              `finished reading it (at offset 32): segment ${Path.join("/", dir, segmentFileName(kept))} starts at base_lsn ` +
              `${keptBase}, so LSNs ${lastRead + 1n}..${keptBase - 1n} are no longer in the directory, and the tailer needs ` +
              `LSNs ${lastRead + 1n}..${keptBase - 1n} (fromLsn 0, checkpointLsn 0)`
          })
          // The fast tailer had passed the removed segments: it simply goes on.
          const more = yield* wal.commitTx([node(100)])
          const next = yield* pullN(fast, 1)
          expect(next.map((t) => t.commitLsn)).toEqual([more._tag === "Committed" ? more.commitLsn : -1n])
        }))
    }))

  it.live("a segment cut below the cursor (recovery after a crash that lost unsynced bytes): Malformed, whether it regrew or not", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      const dir = memDir("tail-crash")
      const seg1 = Path.join("/", dir, segmentFileName(1n))
      const opts = { io: disk.io, dir, codec: LW1Codec, pollInterval: 5 } as const
      const shrunk = (yield* Stream.toPull(tailDirectory(opts))) as Pull
      const regrown = (yield* Stream.toPull(tailDirectory(opts))) as Pull
      // First life: three commits handed to the OS, never fsynced (the group flusher's interval is an hour).
      const readBytes = yield* Effect.scoped(
        Effect.gen(function* () {
          const wal = yield* makeWal({ dir, syncMode: SyncMode.GroupSync({ interval: "1 hour" }) }).pipe(
            Effect.provideService(FileIo, disk.io)
          )
          for (let i = 0; i < 3; i++) yield* wal.commitTx([node(i)])
          expect((yield* pullN(shrunk, 3)).length).toBe(3)
          expect((yield* pullN(regrown, 3)).length).toBe(3)
          const size = disk.files().get(seg1)!.length
          disk.crash() // the machine loses everything not fsynced: the segment is back to its 32-byte header
          return size
        })
      )
      expect(yield* pullFailure(shrunk)).toEqual({
        tag: "Malformed",
        message: `WAL structure is malformed: segment ${seg1} is now 32 bytes, shorter than the ${readBytes} bytes ` +
          "the tailer already read: the writer cut bytes it had not made durable (recovery after a crash); " +
          "transactions emitted from them may be lost"
      })
      // Second life: the writer reopens and commits other transactions (same LSNs, other bytes), past the cursor.
      yield* withMemWal(disk, { dir, syncMode: SyncMode.None }, (wal) =>
        Effect.gen(function* () {
          for (let i = 0; i < 5; i++) yield* wal.commitTx([node(100 + i, i), setProp(100 + i, "x", i)])
        }))
      expect(disk.files().get(seg1)!.length).toBeGreaterThan(readBytes)
      expect(yield* pullFailure(regrown)).toEqual({
        tag: "Malformed",
        message: `WAL structure is malformed: segment ${seg1} changed before offset ${readBytes} (the record ending there is no ` +
          "longer the one the tailer read): the writer cut bytes it had not made durable (recovery after a crash) and wrote " +
          "again; transactions emitted from them may be lost"
      })
    }))
})

describe("tailDirectory on the lora-wal reference fixtures (read-only)", () => {
  const fx = (name: string) => Path.join(FIXTURES_DIR, name)

  it.live("multi-segment (65 segments): the same transactions as replay, then it waits", () =>
    Effect.gen(function* () {
      const { txs } = yield* replayAll(nodeFileIo, fx("multi-segment"))
      const pull = yield* tailPull({ dir: fx("multi-segment") })
      expect(shape(yield* pullN(pull, txs.length))).toEqual(shape(txs))
      expect(Option.isNone(yield* pullWithin(pull, 100))).toBe(true)
    }))

  it.live("torn-tail-truncated: the torn tail of the last segment is a write in progress, not an error", () =>
    Effect.gen(function* () {
      const { txs, outcome } = yield* replayAll(nodeFileIo, fx("torn-tail-truncated"))
      expect(outcome.tornTail?.cause._tag).toBe("Truncated")
      const pull = yield* tailPull({ dir: fx("torn-tail-truncated") })
      expect(shape(yield* pullN(pull, txs.length))).toEqual(shape(txs))
      expect(Option.isNone(yield* pullWithin(pull, 100))).toBe(true)
    }))

  it.live("corrupt-sealed: a damaged record in a sealed segment fails with its file, offset and CRC mismatch", () =>
    Effect.gen(function* () {
      const dir = fx("corrupt-sealed")
      const pull = yield* tailPull({ dir })
      const failure = yield* pullFailure(pull)
      expect(failure).toEqual({
        tag: "Malformed",
        message: `WAL structure is malformed: unreadable record in ${Path.join(dir, "0000000002.wal")} at offset 57, and a later ` +
          `segment ${Path.join(dir, "0000000003.wal")} exists, so it can never be completed: ` +
          "WAL record CRC mismatch at lsn 17: expected 0x80dd70f6, got 0xaddf9f7b"
      })
    }))

  it.live("checkpoint-truncate: segments 1–6 are gone; tailing from 0 fails naming LSNs 1..60, a fence or fromLsn that covers them works", () =>
    Effect.gen(function* () {
      const dir = fx("checkpoint-truncate")
      expect(yield* pullFailure(yield* tailPull({ dir }))).toEqual({
        tag: "Malformed",
        message: `WAL structure is malformed: segments before it were removed: segment ${Path.join(dir, "0000000007.wal")} ` +
          "starts at base_lsn 61, so LSNs 1..60 are no longer in the directory, and the tailer needs LSNs 1..60 (fromLsn 0, checkpointLsn 0)"
      })
      expect((yield* pullFailure(yield* tailPull({ dir, fromLsn: 40n }))).message).toContain("the tailer needs LSNs 41..60 (fromLsn 40")

      const fenced = (yield* replayAll(nodeFileIo, dir, 63n)).txs
      expect(fenced.flatMap((t) => t.events).length).toBe(50)
      const withFence = yield* tailPull({ dir, checkpointLsn: 63n })
      expect(shape(yield* pullN(withFence, fenced.length))).toEqual(shape(fenced))
      expect(Option.isNone(yield* pullWithin(withFence, 100))).toBe(true)

      const all = (yield* replayAll(nodeFileIo, dir)).txs
      expect(all.flatMap((t) => t.events).length).toBe(51)
      const fromLsn60 = yield* tailPull({ dir, fromLsn: 60n })
      expect(shape(yield* pullN(fromLsn60, all.length))).toEqual(shape(all))
    }))
})
