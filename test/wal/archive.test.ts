import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { archiveSegment, listArchiveAndLive, pruneArchive, replayWithArchive } from "../../src/Archive.js"
import { LW1Codec } from "../../src/event/LW1.js"
import type { MutationEvent } from "../../src/event/MutationEvent.js"
import { Pv, properties } from "../../src/event/PropertyValue.js"
import { FileIo, makeMemoryFileIo, type MemoryDisk } from "../../src/io/FileIo.js"
import { listSegments } from "../../src/SegmentDir.js"
import { SyncBackend } from "../../src/SyncBackend.js"
import { makeWal, SyncMode, type WalConfig, type WalService } from "../../src/Wal.js"

const ev = (i: number): MutationEvent => ({
  _tag: "CreateNode",
  id: BigInt(i),
  labels: ["N"],
  properties: properties({ i: Pv.int(BigInt(i)), pad: Pv.string("p".repeat(120)) })
})

const ids = (events: ReadonlyArray<MutationEvent>) => events.map((e) => (e._tag === "CreateNode" ? Number(e.id) : -1))

const withWal = <A, E>(disk: MemoryDisk, config: Omit<WalConfig, "dir">, f: (wal: WalService<MutationEvent>) => Effect.Effect<A, E>) =>
  Effect.scoped(Effect.flatMap(makeWal({ dir: "/wal", syncMode: SyncMode.None, ...config }), f)).pipe(
    Effect.provide(FileIo.layerMemory(disk))
  )

/** Writes `n` one-event transactions with a small segment target; returns commit LSNs. */
const fill = (wal: WalService<MutationEvent>, from: number, n: number) =>
  Effect.forEach(Array.from({ length: n }, (_, k) => from + k), (i) =>
    Effect.map(wal.commitTx([ev(i)]), (r) => (r._tag === "Committed" ? r.commitLsn : 0n)))

describe("archiving (truncateUpTo with an archive)", () => {
  it.effect("moves dropped segments to the archive byte for byte, and replay of archive + live gives the whole history", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      const archive = { dir: "/archive" }
      const before = new Map<string, Uint8Array>()
      const result = yield* withWal(disk, { segmentTargetBytes: 400, archive }, (wal) =>
        Effect.gen(function* () {
          const lsns = yield* fill(wal, 0, 20)
          for (const [p, b] of disk.files()) before.set(p, b)
          const fence = lsns[12]!
          yield* wal.checkpointMarker(fence)
          return yield* wal.truncateUpTo(fence)
        }))
      expect(result.removed.length).toBeGreaterThan(0)
      const archived = yield* listSegments(disk.io, "/archive")
      expect(archived.map((a) => a.id)).toEqual(result.removed)
      for (const a of archived) {
        expect(disk.files().get(a.path)).toEqual(before.get(`/wal/${a.name}`))
        expect(disk.files().has(`/wal/${a.name}`)).toBe(false)
      }
      // Live alone no longer has the start; archive + live does.
      const all: Array<MutationEvent> = []
      const out = yield* replayWithArchive({
        io: disk.io,
        dir: "/wal",
        archiveDir: "/archive",
        codec: LW1Codec,
        onTransaction: (tx) => Effect.sync(() => void all.push(...tx.events))
      })
      expect(out.tornTail).toBeUndefined()
      expect(ids(all)).toEqual(Array.from({ length: 20 }, (_, i) => i))
    }))

  it.effect("point-in-time recovery replays only transactions committed at or below untilLsn", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      const lsns = yield* withWal(disk, { segmentTargetBytes: 400, archive: { dir: "/archive" } }, (wal) =>
        Effect.gen(function* () {
          const l = yield* fill(wal, 0, 15)
          yield* wal.truncateUpTo(l[9]!)
          return l
        }))
      for (const k of [0, 4, 9, 10, 14]) {
        const got: Array<MutationEvent> = []
        const out = yield* replayWithArchive({
          io: disk.io,
          dir: "/wal",
          archiveDir: "/archive",
          codec: LW1Codec,
          untilLsn: lsns[k]!,
          onTransaction: (tx) => Effect.sync(() => void got.push(...tx.events))
        })
        expect(ids(got)).toEqual(Array.from({ length: k + 1 }, (_, i) => i))
        expect(out.reachedUntil).toBe(k < 14)
      }
    }))

  it.effect("archiving the same segment twice is harmless; different bytes under the same name is an error and nothing is deleted", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      yield* withWal(disk, { segmentTargetBytes: 400 }, (wal) => fill(wal, 0, 6))
      const [first] = yield* listSegments(disk.io, "/wal")
      expect(yield* archiveSegment(disk.io, SyncBackend.fdatasync, "/archive", first!)).toBe("archived")
      expect(yield* archiveSegment(disk.io, SyncBackend.fdatasync, "/archive", first!)).toBe("already-archived")
      // Same name, different bytes in the live directory.
      const h = yield* disk.io.open(first!.path, "readwrite")
      yield* h.write(new Uint8Array([0xff]), 40)
      const err = yield* Effect.flip(archiveSegment(disk.io, SyncBackend.fdatasync, "/archive", first!))
      expect(err.message).toBe(
        `WAL structure is malformed: archive already holds a different ${first!.name} (/archive/${first!.name})`
      )
      // Through the log: truncateUpTo fails and the live file stays.
      const e2 = yield* Effect.flip(
        withWal(disk, { segmentTargetBytes: 400, archive: { dir: "/archive" } }, (wal) => wal.truncateUpTo(10_000n))
      )
      expect(e2._tag).toBe("Malformed")
      expect(disk.files().has(first!.path)).toBe(true)
    }))

  it.effect("an archive copy counts only after its directory entry is fsynced: a crash before leaves no archived segment", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      yield* withWal(disk, { segmentTargetBytes: 400 }, (wal) => Effect.andThen(fill(wal, 0, 6), wal.forceFsync))
      const [first] = yield* listSegments(disk.io, "/wal")
      yield* disk.io.mkdirp("/archive")
      // Copy written and fsynced as .tmp, but the crash comes before rename + directory fsync.
      const h = yield* disk.io.open("/archive/" + first!.name + ".tmp", "create")
      yield* h.write(yield* disk.io.readFile(first!.path), 0)
      yield* h.datasync
      disk.crash()
      expect(yield* listArchiveAndLive(disk.io, "/archive", "/wal").pipe(Effect.map((l) => l.map((e) => e.path)))).not.toContain(
        `/archive/${first!.name}`
      )
      // The next attempt succeeds.
      expect(yield* archiveSegment(disk.io, SyncBackend.fdatasync, "/archive", first!)).toBe("archived")
    }))

  it.effect("pruning keeps at most maxSegments, oldest first, and never removes a segment above the fence", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      const archive = { dir: "/archive", maxSegments: 2 }
      const r = yield* withWal(disk, { segmentTargetBytes: 400, archive }, (wal) =>
        Effect.gen(function* () {
          const l = yield* fill(wal, 0, 20)
          return yield* wal.truncateUpTo(l[15]!)
        }))
      const left = yield* listSegments(disk.io, "/archive")
      expect(left.length).toBe(2)
      expect(r.pruned.length).toBe(r.removed.length - 2)
      // The survivors are the newest archived ones.
      expect(left.map((x) => x.id)).toEqual(r.removed.slice(-2))
      // With a fence of 0 nothing may be pruned.
      const disk2 = makeMemoryFileIo()
      yield* withWal(disk2, { segmentTargetBytes: 400 }, (wal) => fill(wal, 0, 20))
      const segs = yield* listSegments(disk2.io, "/wal")
      for (const s of segs.slice(0, 5)) yield* archiveSegment(disk2.io, SyncBackend.fdatasync, "/archive", s)
      const pruned = yield* pruneArchive(disk2.io, { dir: "/archive", maxSegments: 1 }, "/wal", 0n)
      expect(pruned).toEqual([])
      const prunedSome = yield* pruneArchive(disk2.io, { dir: "/archive", maxSegments: 1 }, "/wal", 2n ** 63n)
      expect(prunedSome.length).toBe(4)
    }))
})
