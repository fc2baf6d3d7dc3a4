import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import type { MutationEvent } from "../../src/event/MutationEvent.js"
import { Pv, properties } from "../../src/event/PropertyValue.js"
import { FileIo, makeMemoryFileIo } from "../../src/io/FileIo.js"
import { makeWal, SyncMode, Wal, type WalConfig } from "../../src/Wal.js"

const ev = (i: number): MutationEvent => ({
  _tag: "CreateNode",
  id: BigInt(i),
  labels: ["N"],
  properties: properties({ i: Pv.int(BigInt(i)), pad: Pv.string("x".repeat(200)) })
})

const files = (dir: string) =>
  Object.fromEntries(Fs.readdirSync(dir).filter((f) => f.endsWith(".wal")).sort().map((f) => [f, Fs.readFileSync(Path.join(dir, f))]))

const writeLog = (config: Omit<WalConfig, "dir">, during?: (dir: string) => void): Effect.Effect<string, unknown> =>
  Effect.gen(function* () {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-wal-prealloc-"))
    yield* Effect.gen(function* () {
      const wal = yield* Wal
      for (let i = 0; i < 40; i++) yield* wal.commitTx([ev(i)])
      during?.(dir)
    }).pipe(Effect.provide(Wal.layer({ dir, syncMode: SyncMode.PerCommit, ...config })))
    return dir
  })

describe("preallocated active segment", () => {
  it.live("while open the active segment is preallocated; sealed segments and the closed log are byte-identical to an unpreallocated log", () =>
    Effect.gen(function* () {
      const target = 4096
      let sizesWhileOpen: Record<string, number> = {}
      const pre = yield* writeLog({ segmentTargetBytes: target, preallocate: true }, (dir) => {
        sizesWhileOpen = Object.fromEntries(Object.entries(files(dir)).map(([f, b]) => [f, b.length]))
      })
      const plain = yield* writeLog({ segmentTargetBytes: target })
      const a = files(pre)
      const b = files(plain)
      expect(Object.keys(a).length).toBeGreaterThan(2)
      expect(a).toEqual(b)
      // While open, the highest segment held the preallocated zeros; the sealed ones held records only.
      const names = Object.keys(sizesWhileOpen).sort()
      const last = names[names.length - 1]!
      expect(sizesWhileOpen[last]).toBeGreaterThanOrEqual(target)
      for (const n of names.slice(0, -1)) expect(sizesWhileOpen[n]).toBe(b[n]!.length)
      // And the closed log reopens with every commit.
      const n = yield* Effect.map(Effect.service(Wal), (w) => w.recovery.eventCount).pipe(Effect.provide(Wal.layer({ dir: pre })))
      expect(n).toBe(40)
      Fs.rmSync(pre, { recursive: true })
      Fs.rmSync(plain, { recursive: true })
    }))

  it.live("after a crash the zero tail is a torn tail: the open cuts it and every durable commit is there", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      const acked: Array<number> = []
      yield* Effect.scoped(
        Effect.gen(function* () {
          const wal = yield* makeWal({ dir: "/w", syncMode: SyncMode.PerCommit, segmentTargetBytes: 8192, preallocate: true })
          for (let i = 0; i < 25; i++) {
            yield* wal.commitTx([ev(i)])
            acked.push(i)
          }
          disk.crash() // power loss before close: the fsynced zeros stay behind the records
        })
      ).pipe(Effect.provide(FileIo.layerMemory(disk)))
      const recovered = yield* Effect.scoped(
        Effect.map(makeWal({ dir: "/w", syncMode: SyncMode.None }), (w) => w.recovery)
      ).pipe(Effect.provide(FileIo.layerMemory(disk)))
      expect(recovered.events.map((e) => (e._tag === "CreateNode" ? Number(e.id) : -1))).toEqual(acked)
      expect(recovered.truncated.length).toBe(1)
      expect(recovered.tornTail?.cause.message).toBe("WAL record could not be decoded: record length 0 smaller than fixed framing")
    }))
})
