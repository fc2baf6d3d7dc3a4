/**
 * Behaviour of the `Wal` service against lora-wal 0.15's semantics (spec
 * §1.2, §1.3, §2.2, §5, §6, Appendix B), on real temporary directories
 * (`Wal.layer`) and on the in-memory disk (`Wal.layerWith` +
 * `FileIo.layerMemory`). Tests are named after the behaviour they prove and
 * assert the events replayed, the LSNs, the files and their bytes, and the
 * exact error texts.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import fc from "fast-check"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { LW1Codec } from "../../src/event/LW1.js"
import { Pv } from "../../src/event/PropertyValue.js"
import { makeMemoryFileIo, nodeFileIo } from "../../src/io/FileIo.js"
import { lsn } from "../../src/Lsn.js"
import { replayDirectory } from "../../src/Replay.js"
import { SyncMode, type WalConfig } from "../../src/Wal.js"
import type { WalError } from "../../src/WalError.js"
import {
  ada,
  bigNode,
  dirSnapshot,
  type Ev,
  failureOf,
  fromHex,
  hexOf,
  listDir,
  type Log,
  memDir,
  memSnapshot,
  node,
  parseDiskSegments,
  parseMemSegments,
  scopedTempDir,
  segmentBytes,
  setProp,
  txRecords,
  walFiles,
  walSizes,
  withDiskWal,
  withMemWal,
  writeFileWith
} from "../support/wal-harness.js"

const U64_MAX = 2n ** 64n - 1n
/** A group-sync interval long enough that the flusher never ticks during a test. */
const NO_TICK = SyncMode.GroupSync({ interval: "1 hour" })

const HEADER_FRESH_1 = "4c4f524157414c000100000001000000000000000000000000000000e4165223"
const HEADER_SEALED_1 = "4c4f524157414c0001000000010000000000000001000000000000007a16f8ef"
const REC_TXBEGIN_1 = "190000000201000000000000000000000000000000d95c9cca"
const REC_BATCH_ADA = "7800000006020000000000000001000000000000004c573100010000000000000001010000000000000001000000000000000600000000000000506572736f6e" +
  "0200000000000000030000000000000061676502240000000000000004000000000000006e616d65040300000000000000416461ad2fcb33"
const REC_TXCOMMIT_3 = "19000000030300000000000000010000000000000067b23006"
/** Appendix B, `0000000002.wal`. */
const APPENDIX_B_SEGMENT_2 = `
  4c4f524157414c00 01000000 0400000000000000 00000000 00000000 f2cb0b59
  19000000 02 0400000000000000 0000000000000000 cf81c5b0
  2e000000 06 0500000000000000 0400000000000000
    4c573100 0100000000000000 0a 0100000000000000
    509a6452
  19000000 03 0600000000000000 0400000000000000 15618934
  19000000 05 0700000000000000 0600000000000000 f140f07f`

const deleteNode1: Ev = { _tag: "DeleteNode", nodeId: 1n }

describe("open", () => {
  it.live("a fresh open creates only 0000000001.wal (32-byte unsealed header, base 1) and an empty .lora-wal.lock, no CURRENT", () =>
    Effect.gen(function* () {
      const root = yield* scopedTempDir("fresh")
      const dir = Path.join(root, "nested", "wal") // created with its parents
      const seen = yield* withDiskWal({ dir, syncMode: NO_TICK }, (wal) =>
        Effect.gen(function* () {
          return { recovery: wal.recovery, status: yield* wal.status }
        }))
      expect(seen.recovery.fresh).toBe(true)
      expect(seen.recovery.events).toEqual([])
      expect(seen.recovery.maxLsn).toBe(0n)
      expect(seen.status.nextLsn).toBe(1n)
      expect(seen.status.durableLsn).toBe(0n)
      expect(seen.status.activeSegmentId).toBe(1n)
      expect(seen.status.oldestSegmentId).toBe(1n)
      expect(seen.status.activeSegmentBytes).toBe(32)
      expect(listDir(dir)).toEqual([".lora-wal.lock", "0000000001.wal"])
      expect(Fs.statSync(Path.join(dir, ".lora-wal.lock")).size).toBe(0)
      expect(hexOf(new Uint8Array(Fs.readFileSync(Path.join(dir, "0000000001.wal"))))).toBe(HEADER_FRESH_1)
      // Reopening an empty log changes nothing: still one 32-byte segment, next LSN 1, not fresh.
      const again = yield* withDiskWal({ dir, syncMode: NO_TICK }, (wal) => Effect.map(wal.nextLsn, (n) => [wal.recovery.fresh, n] as const))
      expect(again).toEqual([false, 1n])
      expect(listDir(dir)).toEqual([".lora-wal.lock", "0000000001.wal"])
      expect(walSizes(dir)).toEqual({ "0000000001.wal": 32 })
    }))

  it.live("the in-memory disk gives the same fresh layout", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      const dir = memDir()
      yield* withMemWal(disk, { dir, syncMode: NO_TICK }, () => Effect.void)
      expect(memSnapshot(disk, dir)).toEqual({ ".lora-wal.lock": "", "0000000001.wal": HEADER_FRESH_1 })
    }))

  it.live("a second open of the same directory fails with AlreadyOpen until the first closes (and changes no file)", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("twice")
      const cfg: WalConfig = { dir, syncMode: NO_TICK }
      yield* withDiskWal(cfg, (wal) =>
        Effect.gen(function* () {
          yield* wal.commitTx([ada])
          yield* wal.flush
          const before = dirSnapshot(dir)
          const err = yield* failureOf(withDiskWal(cfg, () => Effect.void))
          expect(err._tag).toBe("AlreadyOpen")
          expect(err.message).toBe(`WAL directory is already open by another live handle: ${dir}`)
          expect(dirSnapshot(dir)).toEqual(before)
          // The first handle is unaffected.
          expect((yield* wal.commitTx([node(2)]))._tag).toBe("Committed")
        }))
      const events = yield* withDiskWal(cfg, (wal) => Effect.succeed(wal.recovery.events))
      expect(events).toEqual([ada, node(2)])
    }))

  it.live("AlreadyOpen on the in-memory disk too", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      const dir = memDir()
      yield* withMemWal(disk, { dir, syncMode: NO_TICK }, () =>
        Effect.gen(function* () {
          const err = yield* failureOf(withMemWal(disk, { dir, syncMode: NO_TICK }, () => Effect.void))
          expect(err.message).toBe(`WAL directory is already open by another live handle: ${dir}`)
        }))
      yield* withMemWal(disk, { dir, syncMode: NO_TICK }, () => Effect.void)
    }))
})

describe("open of a hand-made directory", () => {
  it.live("a sealed highest segment (a rotation interrupted after the seal) is finished on open: a new segment starts at the next LSN", () =>
    Effect.gen(function* () {
      // The reference refuses this log ("segment is sealed; cannot append"); effect-wal completes the rotation.
      const dir = yield* scopedTempDir("sealed-last")
      yield* writeFileWith(nodeFileIo, Path.join(dir, "0000000001.wal"), segmentBytes(1n, true, txRecords(1n, [ada])))
      const seg1 = Fs.readFileSync(Path.join(dir, "0000000001.wal"))
      yield* withDiskWal({ dir, syncMode: SyncMode.None }, (wal) =>
        Effect.gen(function* () {
          expect(wal.recovery.events).toEqual([ada])
          expect(wal.recovery.repairs).toEqual(["0000000001.wal was sealed (an interrupted rotation): started 0000000002.wal"])
          expect(yield* wal.activeSegmentId).toBe(2n)
          expect(yield* wal.nextLsn).toBe(4n)
          yield* wal.commitTx([node(2)])
        }))
      expect(Fs.readFileSync(Path.join(dir, "0000000001.wal"))).toEqual(seg1) // the sealed segment is untouched
      expect(walFiles(dir)).toEqual(["0000000001.wal", "0000000002.wal"])
      const again = yield* withDiskWal({ dir, syncMode: SyncMode.None }, (wal) => Effect.succeed(wal.recovery))
      expect(again.events).toEqual([ada, node(2)])
      expect(again.repairs).toEqual([])
    }))

  it.live("a highest segment shorter than its header (an interrupted segment creation) is removed on open", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("short-last")
      yield* writeFileWith(nodeFileIo, Path.join(dir, "0000000001.wal"), segmentBytes(1n, true, txRecords(1n, [ada])))
      Fs.writeFileSync(Path.join(dir, "0000000002.wal"), new Uint8Array(12))
      yield* withDiskWal({ dir, syncMode: SyncMode.None }, (wal) =>
        Effect.gen(function* () {
          expect(wal.recovery.events).toEqual([ada])
          expect(wal.recovery.repairs[0]).toBe(
            "removed 0000000002.wal (12 bytes, shorter than a segment header: an interrupted segment creation)"
          )
          expect(yield* wal.activeSegmentId).toBe(2n)
          expect(Fs.statSync(Path.join(dir, "0000000002.wal")).size).toBe(32)
        }))
    }))

  it.live("truncateUpTo keeps segments by id, not position: with segments 1, 2, 5 and active 5, segment 2 is eligible", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("gap-ids")
      yield* writeFileWith(nodeFileIo, Path.join(dir, "0000000001.wal"), segmentBytes(1n, true, txRecords(1n, [node(1)])))
      yield* writeFileWith(nodeFileIo, Path.join(dir, "0000000002.wal"), segmentBytes(4n, true, txRecords(4n, [node(2)])))
      yield* writeFileWith(nodeFileIo, Path.join(dir, "0000000005.wal"), segmentBytes(13n, false, txRecords(13n, [node(5)])))
      const cfg: WalConfig = { dir, syncMode: SyncMode.None }
      yield* withDiskWal(cfg, (wal) =>
        Effect.gen(function* () {
          expect(wal.recovery.events).toEqual([node(1), node(2), node(5)])
          expect(yield* wal.activeSegmentId).toBe(5n)
          expect(yield* wal.oldestSegmentId).toBe(1n)
          expect(yield* wal.nextLsn).toBe(16n)
          // Segment 2's successor (5) starts at 13, so all of 2 (LSNs up to 12) is at or below the fence.
          expect(yield* wal.truncateUpTo(100n)).toMatchObject({ removed: [1n, 2n], oldestSegmentId: 3n })
        }))
      expect(walFiles(dir)).toEqual(["0000000005.wal"])
      const seen = yield* withDiskWal({ ...cfg, checkpointLsn: 12n }, (wal) =>
        Effect.map(wal.oldestSegmentId, (o) => [wal.recovery.events, o] as const))
      expect(seen).toEqual([[node(5)], 5n])
    }))
})

describe("transactions through reopen", () => {
  it.live("begin / append / appendBatch / commit round-trip; the next LSN follows the last record", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("roundtrip")
      const cfg: WalConfig = { dir, syncMode: NO_TICK }
      const lsns = yield* withDiskWal(cfg, (wal) =>
        Effect.gen(function* () {
          const tx = yield* wal.begin
          const a = yield* wal.append(tx, ada)
          const b = yield* wal.appendBatch(tx, [setProp(1, "k", 1), setProp(1, "j", 2)])
          const c = yield* wal.commit(tx)
          const committed = yield* wal.commitTx([node(7)])
          return [tx, a, b, c, committed]
        }))
      expect(lsns.slice(0, 4)).toEqual([1n, 2n, 3n, 4n])
      expect(lsns[4]).toEqual({ _tag: "Committed", beginLsn: 5n, batchLsn: 6n, commitLsn: 7n })
      const seen = yield* withDiskWal(cfg, (wal) =>
        Effect.gen(function* () {
          return { r: wal.recovery, next: yield* wal.nextLsn, durable: yield* wal.durableLsn }
        }))
      expect(seen.r.events).toEqual([ada, setProp(1, "k", 1), setProp(1, "j", 2), node(7)])
      expect(seen.r.transactionCount).toBe(2)
      expect(seen.r.eventCount).toBe(4)
      expect(seen.r.maxLsn).toBe(7n)
      expect(seen.next).toBe(8n)
      expect(seen.durable).toBe(7n) // everything readable at open counts as durable
      // The file is exactly header + records (no padding): 32 + 4 markers + 1 mutation + 2 batches.
      const [seg] = parseDiskSegments(dir)
      expect(seg!.records.map((r) => r.record._tag)).toEqual([
        "TxBegin",
        "Mutation",
        "MutationBatch",
        "TxCommit",
        "TxBegin",
        "MutationBatch",
        "TxCommit"
      ])
      expect(seg!.size).toBe(32 + seg!.records.reduce((n, r) => n + r.length, 0))
    }))

  it.live("an aborted transaction is not replayed; its LSNs stay used", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("abort")
      const cfg: WalConfig = { dir, syncMode: SyncMode.None }
      yield* withDiskWal(cfg, (wal) =>
        Effect.gen(function* () {
          yield* wal.commitTx([node(1)])
          const tx = yield* wal.begin
          yield* wal.append(tx, node(2))
          yield* wal.appendBatch(tx, [node(3)])
          expect(yield* wal.abort(tx)).toBe(7n)
          yield* wal.commitTx([node(4)])
        }))
      const seen = yield* withDiskWal(cfg, (wal) => Effect.map(wal.nextLsn, (n) => ({ events: wal.recovery.events, n })))
      expect(seen.events).toEqual([node(1), node(4)])
      expect(seen.n).toBe(11n)
    }))

  it.live("an uncommitted tail is discarded, committed transactions before and after it are kept", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("uncommitted")
      const cfg: WalConfig = { dir, syncMode: SyncMode.None }
      yield* withDiskWal(cfg, (wal) =>
        Effect.gen(function* () {
          yield* wal.commitTx([node(1)])
          const open = yield* wal.begin // never committed: an orphan in the middle of the log
          yield* wal.append(open, node(99))
          yield* wal.commitTx([node(2)])
          const tail = yield* wal.begin // the uncommitted tail
          yield* wal.appendBatch(tail, [node(100), node(101)])
        }))
      const seen = yield* withDiskWal(cfg, (wal) => Effect.map(wal.nextLsn, (n) => ({ r: wal.recovery, n })))
      expect(seen.r.events).toEqual([node(1), node(2)])
      expect(seen.r.transactionCount).toBe(2)
      expect(seen.n).toBe(11n) // 1-3, 4-5, 6-8, 9-10
      expect(seen.r.tornTail).toBeUndefined()
    }))

  it.live("interleaved transactions replay in commit order, each with its events in append order", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("interleaved")
      const cfg: WalConfig = { dir, syncMode: SyncMode.None }
      yield* withDiskWal(cfg, (wal) =>
        Effect.gen(function* () {
          const a = yield* wal.begin
          const b = yield* wal.begin
          yield* wal.append(a, node(1))
          yield* wal.append(b, node(2))
          yield* wal.append(a, node(3))
          yield* wal.commit(b)
          yield* wal.commit(a)
        }))
      const events = yield* withDiskWal(cfg, (wal) => Effect.succeed(wal.recovery.events))
      expect(events).toEqual([node(2), node(1), node(3)])
    }))

  it.live("commitTx([]) returns Empty and writes nothing", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      const dir = memDir()
      yield* withMemWal(disk, { dir, syncMode: SyncMode.PerCommit }, (wal) =>
        Effect.gen(function* () {
          yield* wal.commitTx([node(1)])
          const before = { files: memSnapshot(disk, dir), counts: new Map(disk.counts), status: yield* wal.status }
          expect(yield* wal.commitTx([])).toEqual({ _tag: "Empty" })
          expect(yield* wal.commitTx([], { durability: "durable" })).toEqual({ _tag: "Empty" })
          expect(memSnapshot(disk, dir)).toEqual(before.files)
          expect(disk.counts).toEqual(before.counts) // no write, no fsync
          expect(yield* wal.status).toEqual(before.status)
        }))
    }))
})

describe("bad input loses nothing", () => {
  const badEvents: ReadonlyArray<readonly [string, Ev, string]> = [
    ["a negative node id", { _tag: "DeleteNode", nodeId: -1n }, "DeleteNode.nodeId"],
    ["a node id above 2^64-1", { _tag: "DeleteNode", nodeId: 2n ** 64n }, "DeleteNode.nodeId"],
    ["a lone surrogate in a property key", { _tag: "SetNodeProperty", nodeId: 1n, key: "\ud800", value: Pv.int(1) }, "lone surrogate"],
    ["a lone surrogate in a label", { _tag: "CreateNode", id: 2n, labels: ["ok", "a\udc00"], properties: new Map() }, "lone surrogate"],
    ["a lone surrogate in a string value", setPropString(3n, "\udbff"), "lone surrogate"]
  ]

  it.live.each(badEvents)("%s: Encode error, bytes and LSNs unchanged, later commits fine", ([, bad, mentions]) =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("bad")
      const cfg: WalConfig = { dir, syncMode: SyncMode.None }
      yield* withDiskWal(cfg, (wal) =>
        Effect.gen(function* () {
          yield* wal.commitTx([ada])
          const before = { files: dirSnapshot(dir), status: yield* wal.status }
          for (const events of [[bad], [node(5), bad], [node(5), node(6), bad]]) {
            const err = yield* failureOf(wal.commitTx(events))
            expect(err._tag).toBe("Encode")
            expect(err.message.startsWith("WAL record could not be encoded: ")).toBe(true)
            expect(err.message).toContain(mentions)
            expect(dirSnapshot(dir)).toEqual(before.files)
            expect(yield* wal.status).toEqual(before.status)
          }
          // Low-level primitives inside an open transaction: no LSN is burned by a failed encode.
          const tx = yield* wal.begin
          expect((yield* failureOf(wal.append(tx, bad)))._tag).toBe("Encode")
          expect((yield* failureOf(wal.appendBatch(tx, [node(8), bad])))._tag).toBe("Encode")
          expect(yield* wal.append(tx, node(8))).toBe(tx + 1n)
          expect(yield* wal.commit(tx)).toBe(tx + 2n)
          expect(yield* wal.commitTx([node(9)])).toEqual({ _tag: "Committed", beginLsn: 7n, batchLsn: 8n, commitLsn: 9n })
        }))
      const events = yield* withDiskWal(cfg, (wal) => Effect.succeed(wal.recovery.events))
      expect(events).toEqual([ada, node(8), node(9)])
    }))

  it.live("appendBatch of no events fails with Encode(\"mutation batch must contain at least one event\") and burns no LSN", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("emptybatch")
      yield* withDiskWal({ dir, syncMode: SyncMode.None }, (wal) =>
        Effect.gen(function* () {
          const tx = yield* wal.begin
          const err = yield* failureOf(wal.appendBatch(tx, []))
          expect(err.message).toBe("WAL record could not be encoded: mutation batch must contain at least one event")
          expect(yield* wal.nextLsn).toBe(2n)
        }))
    }))
})

function setPropString(nodeId: bigint, value: string): Ev {
  return { _tag: "SetNodeProperty", nodeId, key: "s", value: Pv.string(value) }
}

describe("rotation", () => {
  it.live("Appendix B: two-segment directory, byte for byte", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("appendixB")
      yield* withDiskWal({ dir, syncMode: NO_TICK }, (wal) => wal.commitTx([ada]))
      expect(walSizes(dir)).toEqual({ "0000000001.wal": 202 })
      const positions = yield* withDiskWal({ dir, syncMode: NO_TICK, segmentTargetBytes: 64, checkpointLsn: 0n }, (wal) =>
        Effect.gen(function* () {
          expect(wal.recovery.events).toEqual([ada])
          expect(yield* wal.nextLsn).toBe(4n)
          expect(yield* wal.durableLsn).toBe(3n)
          expect(yield* wal.commitTx([deleteNode1])).toEqual({ _tag: "Committed", beginLsn: 4n, batchLsn: 5n, commitLsn: 6n })
          expect(yield* wal.checkpointMarker(6n)).toBe(7n)
          const s = yield* wal.status
          return [s.activeSegmentId, s.nextLsn, s.durableLsn] as const
        }))
      // Before the close: active segment 2, next LSN 8, durable LSN 3 (rotation fsyncs but does not advance it).
      expect(positions).toEqual([2n, 8n, 3n])
      expect(listDir(dir)).toEqual([".lora-wal.lock", "0000000001.wal", "0000000002.wal"])
      expect(Fs.statSync(Path.join(dir, ".lora-wal.lock")).size).toBe(0)
      expect(walSizes(dir)).toEqual({ "0000000001.wal": 202, "0000000002.wal": 153 })
      const seg1 = new Uint8Array(Fs.readFileSync(Path.join(dir, "0000000001.wal")))
      const seg2 = new Uint8Array(Fs.readFileSync(Path.join(dir, "0000000002.wal")))
      expect(hexOf(seg1)).toBe(HEADER_SEALED_1 + REC_TXBEGIN_1 + REC_BATCH_ADA + REC_TXCOMMIT_3)
      expect(hexOf(seg2)).toBe(hexOf(fromHex(APPENDIX_B_SEGMENT_2)))
      // Replay of that directory (read-only) with fences 0, 6 and 7.
      const replay = (fence: bigint) => {
        const events: Array<Ev> = []
        return Effect.map(
          replayDirectory({
            io: nodeFileIo,
            dir,
            codec: LW1Codec,
            checkpointLsn: fence,
            onTransaction: (tx) => Effect.sync(() => void events.push(...tx.events))
          }),
          (o) => ({ events, maxLsn: o.maxLsn, observed: o.checkpointLsnObserved, lastGood: o.lastGoodOffset })
        )
      }
      expect(yield* replay(0n)).toEqual({ events: [ada, deleteNode1], maxLsn: 7n, observed: 6n, lastGood: 153 })
      expect(yield* replay(6n)).toMatchObject({ events: [], observed: 6n })
      expect(yield* replay(7n)).toMatchObject({ events: [], observed: undefined })
    }))

  it.live("rotation happens at the begin boundary: the old segment is sealed on disk, the new one's base is the next LSN", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("rotate")
      yield* withDiskWal({ dir, syncMode: SyncMode.None, segmentTargetBytes: 200 }, (wal) =>
        Effect.gen(function* () {
          const tx = yield* wal.begin
          // Appends never rotate, even far past the target: the transaction stays in one segment.
          for (let i = 0; i < 5; i++) yield* wal.append(tx, bigNode(i, 100))
          yield* wal.commit(tx)
          // Neither does a checkpoint marker.
          yield* wal.checkpointMarker(tx + 6n)
          yield* wal.flush
          expect(walFiles(dir)).toEqual(["0000000001.wal"])
          expect(yield* wal.activeSegmentId).toBe(1n)
          const next = yield* wal.nextLsn
          expect(yield* wal.begin).toBe(next) // rotates first
          expect(yield* wal.activeSegmentId).toBe(2n)
          yield* wal.flush
        }))
      const [s1, s2] = parseDiskSegments(dir)
      expect(s1!.header.sealed).toBe(true)
      expect(s1!.header.flags).toBe(1)
      expect(s1!.records.map((r) => r.record._tag)).toEqual([
        "TxBegin",
        "Mutation",
        "Mutation",
        "Mutation",
        "Mutation",
        "Mutation",
        "TxCommit",
        "Checkpoint"
      ])
      expect(s2!.header.sealed).toBe(false)
      expect(s2!.header.baseLsn).toBe(9n)
      expect(s2!.records.map((r) => [r.record._tag, r.record.lsn])).toEqual([["TxBegin", 9n]])
      // Only offset 20 (flags) and the header CRC changed in the sealed header.
      const sealedHeader = Fs.readFileSync(Path.join(dir, "0000000001.wal")).subarray(0, 32)
      expect(hexOf(new Uint8Array(sealedHeader))).toBe(HEADER_SEALED_1)
    }))

  it.effect("rotation never splits a transaction (random commit sizes and targets, in-memory disk)", () =>
    Effect.promise(() =>
      fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 600 }),
          fc.array(fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 12 }),
          fc.boolean(),
          (target, txs, lowLevel) =>
            Effect.runPromise(
              Effect.gen(function* () {
                const disk = makeMemoryFileIo()
                const dir = memDir("split")
                const cfg: WalConfig = { dir, syncMode: SyncMode.None, segmentTargetBytes: target }
                const expected: Array<Ev> = []
                yield* withMemWal(disk, cfg, (wal) =>
                  Effect.forEach(txs, (sizes, t) =>
                    Effect.gen(function* () {
                      const events = sizes.map((n, i) => bigNode(t * 10 + i, n))
                      expected.push(...events)
                      if (!lowLevel) return yield* wal.commitTx(events)
                      const tx = yield* wal.begin
                      for (const e of events) yield* wal.append(tx, e)
                      return yield* wal.commit(tx)
                    }), { discard: true }))
                const segs = parseMemSegments(disk, dir)
                const where = new Map<bigint, string>()
                for (const seg of segs) {
                  expect(seg.badAt).toBeUndefined()
                  for (const { record } of seg.records) {
                    if (record._tag === "TxBegin") where.set(record.lsn, seg.name)
                    else if (record._tag !== "Checkpoint") expect(where.get(record.txBeginLsn)).toBe(seg.name)
                  }
                }
                // Every segment but the active one is sealed and holds at least one record; bases increase.
                segs.forEach((seg, i) => {
                  expect(seg.header.sealed).toBe(i < segs.length - 1)
                  if (i < segs.length - 1) expect(seg.records.length).toBeGreaterThan(0)
                  if (i > 0) expect(seg.header.baseLsn).toBeGreaterThan(segs[i - 1]!.header.baseLsn)
                  if (seg.records.length > 0) expect(seg.records[0]!.record.lsn).toBe(seg.header.baseLsn)
                })
                const events = yield* withMemWal(disk, cfg, (wal) => Effect.succeed(wal.recovery.events))
                expect(events).toEqual(expected)
              })
            )
        ),
        { numRuns: 60 }
      )
    ))

  it.live.each([1, 32])("a segment target of %i bytes never seals an empty segment, and the log reopens", (target) =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("tiny-target")
      const cfg: WalConfig = { dir, syncMode: SyncMode.None, segmentTargetBytes: target }
      const expected: Array<Ev> = []
      for (let round = 0; round < 3; round++) {
        const events = yield* withDiskWal(cfg, (wal) =>
          Effect.gen(function* () {
            const recovered = wal.recovery.events
            yield* wal.commitTx([node(round * 10 + 1)])
            yield* wal.commitTx([node(round * 10 + 2)])
            const aborted = yield* wal.begin
            yield* wal.abort(aborted)
            const tx = yield* wal.begin
            yield* wal.append(tx, node(round * 10 + 3))
            yield* wal.commit(tx)
            return recovered
          }))
        expect(events).toEqual(expected)
        expected.push(node(round * 10 + 1), node(round * 10 + 2), node(round * 10 + 3))
      }
      const segs = parseDiskSegments(dir)
      expect(segs.length).toBe(12) // one segment per transaction (4 per round), none empty
      segs.forEach((seg, i) => {
        expect(seg.records.length).toBeGreaterThan(0)
        expect(seg.header.sealed).toBe(i < segs.length - 1)
        if (i > 0) expect(seg.header.baseLsn).toBeGreaterThan(segs[i - 1]!.header.baseLsn)
      })
      const events = yield* withDiskWal(cfg, (wal) => Effect.succeed(wal.recovery.events))
      expect(events).toEqual(expected)
    }))
})

describe("checkpoints and the fence", () => {
  const threeTxs = (dir: string) =>
    withDiskWal({ dir, syncMode: SyncMode.None }, (wal) =>
      Effect.forEach([1, 2, 3], (i) => wal.commitTx([node(i)]), { discard: true }))

  it.live("opening with checkpointLsn skips the records at or below the fence; next LSN is unchanged", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("fence")
      yield* threeTxs(dir)
      const open = (fence: bigint) =>
        withDiskWal({ dir, syncMode: SyncMode.None, checkpointLsn: fence }, (wal) =>
          Effect.map(wal.nextLsn, (n) => ({ events: wal.recovery.events, n, max: wal.recovery.maxLsn })))
      expect(yield* open(0n)).toEqual({ events: [node(1), node(2), node(3)], n: 10n, max: 9n })
      expect(yield* open(3n)).toEqual({ events: [node(2), node(3)], n: 10n, max: 9n })
      expect(yield* open(6n)).toEqual({ events: [node(3)], n: 10n, max: 9n })
      expect(yield* open(9n)).toEqual({ events: [], n: 10n, max: 9n })
      expect(yield* open(1000n)).toEqual({ events: [], n: 10n, max: 9n })
    }))

  it.live("a fence inside a transaction is a structural error (the runtime only fences at boundaries)", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("fence-inside")
      yield* threeTxs(dir)
      const before = dirSnapshot(dir)
      const err = yield* failureOf(withDiskWal({ dir, syncMode: SyncMode.None, checkpointLsn: 1n }, () => Effect.void))
      expect(err.message).toBe("WAL structure is malformed: mutation batch at lsn 2 references missing tx begin 1")
      expect(dirSnapshot(dir)).toEqual(before)
    }))

  it.live("a checkpoint marker is observed in recovery.checkpointLsnObserved (unless fenced itself)", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("marker")
      yield* withDiskWal({ dir, syncMode: SyncMode.None }, (wal) =>
        Effect.gen(function* () {
          yield* wal.commitTx([node(1)])
          expect(yield* wal.checkpointMarker(3n)).toBe(4n)
          yield* wal.commitTx([node(2)])
        }))
      const open = (fence: bigint) =>
        withDiskWal({ dir, syncMode: SyncMode.None, checkpointLsn: fence }, (wal) =>
          Effect.succeed([wal.recovery.events, wal.recovery.checkpointLsnObserved] as const))
      expect(yield* open(0n)).toEqual([[node(1), node(2)], 3n])
      expect(yield* open(3n)).toEqual([[node(2)], 3n])
      expect(yield* open(4n)).toEqual([[node(2)], undefined])
      // A log without a marker observes none.
      const plain = yield* scopedTempDir("nomarker")
      yield* threeTxs(plain)
      const none = yield* withDiskWal({ dir: plain, syncMode: SyncMode.None }, (wal) => Effect.succeed(wal.recovery.checkpointLsnObserved))
      expect(none).toBeUndefined()
    }))

  it.live("checkpoint markers that point to the future or regress make the log unopenable (exact messages)", () =>
    Effect.gen(function* () {
      const future = yield* scopedTempDir("future")
      yield* withDiskWal({ dir: future, syncMode: SyncMode.None }, (wal) => wal.checkpointMarker(100n))
      expect((yield* failureOf(withDiskWal({ dir: future }, () => Effect.void))).message).toBe(
        "WAL structure is malformed: checkpoint at lsn 1 points to future snapshot lsn 100"
      )
      const regress = yield* scopedTempDir("regress")
      yield* withDiskWal({ dir: regress, syncMode: SyncMode.None }, (wal) =>
        Effect.gen(function* () {
          yield* wal.commitTx([node(1)])
          yield* wal.checkpointMarker(3n)
          yield* wal.checkpointMarker(2n)
        }))
      expect((yield* failureOf(withDiskWal({ dir: regress }, () => Effect.void))).message).toBe(
        "WAL structure is malformed: checkpoint snapshot lsn 2 regressed below previous checkpoint 3"
      )
    }))

  it.live("truncateUpTo (spec §6.7 example): segments 1..6 with bases 1,4,7,10,13,16; fences 3, 4, 6, 100", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("truncate")
      const cfg: WalConfig = { dir, syncMode: SyncMode.None, segmentTargetBytes: 64 }
      yield* withDiskWal(cfg, (wal) =>
        Effect.gen(function* () {
          for (let i = 1; i <= 6; i++) yield* wal.commitTx([node(i)])
          yield* wal.flush
          expect(walFiles(dir).length).toBe(6)
          expect(parseDiskSegments(dir).map((s) => s.header.baseLsn)).toEqual([1n, 4n, 7n, 10n, 13n, 16n])
          expect(yield* wal.activeSegmentId).toBe(6n)
          const ids = (r: { removed: ReadonlyArray<bigint>; oldestSegmentId: bigint }) => [r.removed, r.oldestSegmentId]
          expect(ids(yield* wal.truncateUpTo(3n))).toEqual([[1n], 2n])
          expect(ids(yield* wal.truncateUpTo(4n))).toEqual([[], 2n])
          expect(ids(yield* wal.truncateUpTo(6n))).toEqual([[2n], 3n])
          expect(ids(yield* wal.truncateUpTo(100n))).toEqual([[3n, 4n], 5n])
          // Idempotent; the active segment and the one before it are always kept.
          expect(ids(yield* wal.truncateUpTo(U64_MAX))).toEqual([[], 5n])
          expect(yield* wal.oldestSegmentId).toBe(5n)
          expect(walFiles(dir)).toEqual(["0000000005.wal", "0000000006.wal"])
          // Commits continue normally.
          yield* wal.commitTx([node(7)])
        }))
      const seen = yield* withDiskWal({ ...cfg, checkpointLsn: 12n }, (wal) =>
        Effect.map(wal.status, (s) => ({ events: wal.recovery.events, oldest: s.oldestSegmentId, next: s.nextLsn })))
      expect(seen).toEqual({ events: [node(5), node(6), node(7)], oldest: 5n, next: 22n })
    }))
})

describe("structural errors from the low-level primitives (exact messages on reopen)", () => {
  const cases: ReadonlyArray<readonly [string, (wal: Log) => Effect.Effect<unknown, unknown>, string]> = [
    ["commit without begin", (wal) => wal.commit(lsn(99n)), "commit at lsn 1 references missing tx begin 99"],
    ["abort without begin", (wal) => wal.abort(lsn(99n)), "abort at lsn 1 references missing tx begin 99"],
    ["mutation without begin", (wal) => wal.append(lsn(99n), node(1)), "mutation at lsn 1 references missing tx begin 99"],
    ["mutation batch without begin", (wal) => wal.appendBatch(lsn(99n), [node(1)]), "mutation batch at lsn 1 references missing tx begin 99"],
    [
      "commit of an already committed transaction",
      (wal) => Effect.andThen(wal.commitTx([node(1)]), wal.commit(lsn(1n))),
      "commit at lsn 4 references missing tx begin 1"
    ]
  ]
  it.live.each(cases)("%s", ([, write, reason]) =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("malformed")
      yield* withDiskWal({ dir, syncMode: SyncMode.None }, (wal) => write(wal))
      const before = dirSnapshot(dir)
      const err = yield* failureOf(withDiskWal({ dir, syncMode: SyncMode.None }, () => Effect.void))
      expect(err._tag).toBe("Malformed")
      expect(err.message).toBe(`WAL structure is malformed: ${reason}`)
      expect(dirSnapshot(dir)).toEqual(before) // a failing open changes no file
    }))
})

describe("torn tail (real files, damaged by hand)", () => {
  /** Writes two committed transactions (A = ada, B = node 2) and returns the segment's record offsets. */
  const twoTxs = (dir: string) =>
    Effect.gen(function* () {
      yield* withDiskWal({ dir, syncMode: SyncMode.None }, (wal) =>
        Effect.andThen(wal.commitTx([ada]), wal.commitTx([node(2)])))
      const [seg] = parseDiskSegments(dir)
      return { file: Path.join(dir, "0000000001.wal"), records: seg!.records, size: seg!.size }
    })

  const damages: ReadonlyArray<
    readonly [
      string,
      (file: string, recs: ReadonlyArray<{ offset: number; length: number }>, size: number) => void,
      (recs: ReadonlyArray<{ offset: number; length: number }>, size: number) => { cut: number; cause: string; events: Array<Ev>; maxLsn: bigint }
    ]
  > = [
    [
      "garbage appended after the last record",
      (file) => Fs.appendFileSync(file, Buffer.from("deadbeefcafe0102", "hex")),
      (_recs, size) => ({ cut: size, cause: "Decode", events: [ada, node(2)], maxLsn: 6n })
    ],
    [
      "the last record cut short",
      (file, _recs, size) => Fs.truncateSync(file, size - 10),
      (recs) => ({ cut: recs[5]!.offset, cause: "Truncated", events: [ada], maxLsn: 5n })
    ],
    [
      "a bit flipped inside B's batch payload",
      (file, recs) => {
        const b = Fs.readFileSync(file)
        b[recs[4]!.offset + 30]! ^= 0x10
        Fs.writeFileSync(file, b)
      },
      (recs) => ({ cut: recs[4]!.offset, cause: "CrcMismatch", events: [ada], maxLsn: 4n })
    ],
    [
      "a record's kind byte corrupted",
      (file, recs) => {
        const b = Fs.readFileSync(file)
        b[recs[3]!.offset + 4] = 9
        Fs.writeFileSync(file, b)
      },
      (recs) => ({ cut: recs[3]!.offset, cause: "UnknownKind", events: [ada], maxLsn: 3n })
    ]
  ]

  it.live.each(damages)("%s: cut back to the last good record on reopen; later appends survive another reopen", ([, damage, expect_]) =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("torn")
      const { file, records, size } = yield* twoTxs(dir)
      damage(file, records, size)
      const damagedSize = Fs.statSync(file).size
      const want = expect_(records, size)
      const seen = yield* withDiskWal({ dir, syncMode: SyncMode.None }, (wal) =>
        Effect.gen(function* () {
          const next = yield* wal.nextLsn
          const committed = yield* wal.commitTx([node(3)])
          return { r: wal.recovery, next, committed }
        }))
      expect(seen.r.events).toEqual(want.events)
      expect(seen.r.maxLsn).toBe(want.maxLsn)
      expect(seen.next).toBe(want.maxLsn + 1n)
      expect(seen.r.tornTail?.lastGoodOffset).toBe(want.cut)
      expect(seen.r.tornTail?.segmentPath).toBe(file)
      expect(seen.r.tornTail?.cause._tag).toBe(want.cause)
      expect(seen.r.truncated).toEqual([{ file: "0000000001.wal", fromBytes: damagedSize, toBytes: want.cut }])
      expect(seen.committed).toMatchObject({ _tag: "Committed", beginLsn: want.maxLsn + 1n })
      const again = yield* withDiskWal({ dir, syncMode: SyncMode.None }, (wal) => Effect.succeed(wal.recovery))
      expect(again.events).toEqual([...want.events, node(3)])
      expect(again.tornTail).toBeUndefined()
      expect(again.truncated).toEqual([])
      expect(parseDiskSegments(dir)[0]!.badAt).toBeUndefined()
    }))

  it.live("an unreadable record in a sealed (older) segment fails the open, in the reference's check order, and changes no file", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("torn-sealed")
      const cfg: WalConfig = { dir, syncMode: SyncMode.None, segmentTargetBytes: 64 }
      yield* withDiskWal(cfg, (wal) => Effect.andThen(wal.commitTx([ada]), wal.commitTx([node(2)])))
      expect(walFiles(dir)).toEqual(["0000000001.wal", "0000000002.wal"])
      const file = Path.join(dir, "0000000001.wal")
      const [s1, s2] = parseDiskSegments(dir)
      const pristine = Fs.readFileSync(file)
      const flipAt = (offset: number) => {
        const b = Buffer.from(pristine)
        b[offset]! ^= 0x01
        Fs.writeFileSync(file, b)
        return { ...dirSnapshot(dir), ".lora-wal.lock": "" }
      }
      // The batch at offset 57 is unreadable: replay stops there, the active segment (2) can be reopened at
      // offset 57, then the torn tail is found outside it (spec §5.5 step 4).
      let before = flipAt(s1!.records[1]!.offset + 30)
      let err = yield* failureOf(withDiskWal(cfg, () => Effect.void))
      expect(err.message).toBe(`WAL structure is malformed: torn tail found in sealed segment ${file}`)
      expect(dirSnapshot(dir)).toEqual(before)
      // The commit record of segment 1 lies past the end of segment 2: reopening the active segment at that
      // offset fails first (step 3 comes before step 4).
      expect(s1!.records[2]!.offset).toBeGreaterThan(s2!.size)
      before = flipAt(s1!.records[2]!.offset + 10)
      err = yield* failureOf(withDiskWal(cfg, () => Effect.void))
      expect(err.message).toBe("WAL segment header is malformed: append offset past end of segment")
      expect(dirSnapshot(dir)).toEqual(before)
    }))
})

describe("durable LSN", () => {
  const modes = [
    ["GroupSync", NO_TICK],
    ["PerCommit", SyncMode.PerCommit],
    ["None", SyncMode.None]
  ] as const

  it.live.each(modes)("%s: forceFsync always advances durableLsn to nextLsn - 1 (burned and unfinished LSNs included)", ([name, mode]) =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      const dir = memDir()
      yield* withMemWal(disk, { dir, syncMode: mode }, (wal) =>
        Effect.gen(function* () {
          yield* wal.forceFsync
          expect(yield* wal.durableLsn).toBe(0n)
          const tx = yield* wal.begin
          yield* wal.append(tx, node(1)) // an unfinished transaction
          yield* wal.forceFsync
          expect(yield* wal.durableLsn).toBe(2n)
          yield* wal.commitTx([node(2)], { durability: "written" })
          yield* wal.checkpointMarker(0n)
          const syncsBefore = disk.counts.get("datasync") ?? 0
          yield* wal.forceFsync
          expect(yield* wal.durableLsn).toBe((yield* wal.nextLsn) - 1n)
          expect(yield* wal.durableLsn).toBe(6n)
          expect((yield* wal.status).pendingBytes).toBe(0)
          // GroupSync and PerCommit fsync even when nothing is pending; None never fsyncs.
          yield* wal.forceFsync
          const syncs = (disk.counts.get("datasync") ?? 0) - syncsBefore
          expect(syncs).toBe(name === "None" ? 0 : 2)
          expect(yield* wal.durableLsn).toBe(6n)
        }))
    }))

  it.live("None: flush (and a commit) advance durableLsn; GroupSync: flush does not", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      yield* withMemWal(disk, { dir: memDir(), syncMode: SyncMode.None }, (wal) =>
        Effect.gen(function* () {
          const tx = yield* wal.begin
          expect(yield* wal.durableLsn).toBe(0n)
          yield* wal.flush
          expect(yield* wal.writtenLsn).toBe(tx)
          expect(yield* wal.durableLsn).toBe(tx)
          yield* wal.commitTx([node(1)])
          expect(yield* wal.durableLsn).toBe(4n)
        }))
      yield* withMemWal(disk, { dir: memDir(), syncMode: NO_TICK }, (wal) =>
        Effect.gen(function* () {
          const tx = yield* wal.begin
          yield* wal.flush
          expect(yield* wal.writtenLsn).toBe(tx)
          expect(yield* wal.durableLsn).toBe(0n)
          yield* wal.commitTx([node(1)])
          expect(yield* wal.writtenLsn).toBe(4n)
          expect(yield* wal.durableLsn).toBe(0n)
        }))
    }))

  it.effect("awaitDurable of an LSN not yet allocated waits without fsyncing in a loop, and resolves once a commit covers it", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      yield* withMemWal(disk, { dir: memDir(), syncMode: SyncMode.PerCommit }, (wal) =>
        Effect.gen(function* () {
          yield* wal.commitTx([node(1)])
          const d0 = disk.counts.get("datasync") ?? 0
          const waiter = yield* Effect.forkChild(wal.awaitDurable(6n), { startImmediately: true })
          for (let i = 0; i < 50; i++) yield* Effect.yieldNow
          expect(waiter.pollUnsafe()).toBeUndefined()
          // Nothing new to make durable: at most one fsync, never a spin.
          expect((disk.counts.get("datasync") ?? 0) - d0).toBeLessThanOrEqual(1)
          yield* wal.commitTx([node(2)]) // LSNs 4..6, durable on return
          yield* Fiber.join(waiter)
          expect(yield* wal.durableLsn).toBe(6n)
        }))
    }))

  it.live("PerCommit: a commit returns durable (durableLsn covers it, the bytes survive a crash)", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      const dir = memDir()
      yield* withMemWal(disk, { dir, syncMode: SyncMode.PerCommit }, (wal) =>
        Effect.gen(function* () {
          const r = yield* wal.commitTx([node(1)])
          expect(r._tag === "Committed" && (yield* wal.durableLsn) >= r.commitLsn).toBe(true)
          disk.crash()
        }))
      const events = yield* withMemWal(disk, { dir, syncMode: SyncMode.PerCommit }, (wal) => Effect.succeed(wal.recovery.events))
      expect(events).toEqual([node(1)])
    }))
})

describe("LSN exhaustion", () => {
  const handMade = (lastTxBegin: bigint) =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("exhaust")
      yield* writeFileWith(nodeFileIo, Path.join(dir, "0000000001.wal"), segmentBytes(U64_MAX - 10n, false, txRecords(lastTxBegin, [node(1)])))
      return dir
    })

  it.live("a log whose last record has LSN 2^64-2: commitTx and the primitives fail with Malformed(\"WAL LSN space is exhausted\")", () =>
    Effect.gen(function* () {
      const dir = yield* handMade(U64_MAX - 3n) // records 2^64-4 .. 2^64-2
      const before = { ...dirSnapshot(dir), ".lora-wal.lock": "" } // the open creates the (empty) lock file
      yield* withDiskWal({ dir, syncMode: SyncMode.None }, (wal) =>
        Effect.gen(function* () {
          expect(wal.recovery.events).toEqual([node(1)])
          expect(yield* wal.nextLsn).toBe(U64_MAX)
          const ops: Array<Effect.Effect<unknown, WalError>> = [wal.commitTx([node(2)]), wal.begin, wal.checkpointMarker(0n), wal.commit(lsn(U64_MAX - 3n))]
          for (const op of ops) {
            const err = yield* failureOf(op)
            expect(err._tag).toBe("Malformed")
            expect(err.message).toBe("WAL structure is malformed: WAL LSN space is exhausted")
          }
          expect(yield* wal.nextLsn).toBe(U64_MAX)
          expect(yield* wal.commitTx([])).toEqual({ _tag: "Empty" })
        }))
      expect(dirSnapshot(dir)).toEqual(before)
    }))

  it.live("the last commit that fits ends at LSN 2^64-2; the next one is refused; the log reopens", () =>
    Effect.gen(function* () {
      const dir = yield* handMade(U64_MAX - 6n) // records 2^64-7 .. 2^64-5, next LSN 2^64-4
      yield* withDiskWal({ dir, syncMode: SyncMode.None }, (wal) =>
        Effect.gen(function* () {
          expect(yield* wal.commitTx([node(2)])).toEqual({
            _tag: "Committed",
            beginLsn: U64_MAX - 3n,
            batchLsn: U64_MAX - 2n,
            commitLsn: U64_MAX - 1n
          })
          expect((yield* failureOf(wal.commitTx([node(3)]))).message).toBe("WAL structure is malformed: WAL LSN space is exhausted")
          expect((yield* failureOf(wal.begin)).message).toBe("WAL structure is malformed: WAL LSN space is exhausted")
        }))
      const seen = yield* withDiskWal({ dir, syncMode: SyncMode.None }, (wal) => Effect.map(wal.nextLsn, (n) => [wal.recovery.events, n] as const))
      expect(seen).toEqual([[node(1), node(2)], U64_MAX])
    }))

  it.live("with next LSN 2^64-2 a three-record commit no longer fits, but single records still do until 2^64-1", () =>
    Effect.gen(function* () {
      const dir = yield* handMade(U64_MAX - 5n) // records 2^64-6 .. 2^64-4, next LSN 2^64-3
      yield* withDiskWal({ dir, syncMode: SyncMode.None }, (wal) =>
        Effect.gen(function* () {
          expect(yield* wal.checkpointMarker(3n)).toBe(U64_MAX - 2n)
          expect((yield* failureOf(wal.commitTx([node(3)]))).message).toBe("WAL structure is malformed: WAL LSN space is exhausted")
          const tx = yield* wal.begin
          expect(tx).toBe(U64_MAX - 1n)
          expect((yield* failureOf(wal.append(tx, node(4)))).message).toBe("WAL structure is malformed: WAL LSN space is exhausted")
          expect(yield* wal.nextLsn).toBe(U64_MAX)
        }))
      const seen = yield* withDiskWal({ dir, syncMode: SyncMode.None }, (wal) =>
        Effect.map(wal.nextLsn, (n) => [wal.recovery.events, wal.recovery.checkpointLsnObserved, n] as const))
      expect(seen).toEqual([[node(1)], 3n, U64_MAX])
    }))

  it.live("a log whose last record has LSN 2^64-1 cannot be opened", () =>
    Effect.gen(function* () {
      const dir = yield* handMade(U64_MAX - 2n) // records 2^64-3 .. 2^64-1
      const before = { ...dirSnapshot(dir), ".lora-wal.lock": "" } // the open creates the (empty) lock file
      const err = yield* failureOf(withDiskWal({ dir, syncMode: SyncMode.None }, () => Effect.void))
      expect(err._tag).toBe("Malformed")
      expect(err.message).toBe("WAL structure is malformed: WAL LSN space is exhausted")
      expect(dirSnapshot(dir)).toEqual(before)
    }))
})
