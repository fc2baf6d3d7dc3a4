import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { dumpDirectory } from "../../src/cli/Dump.js"
import { eventFromJson } from "../../src/event/Json.js"
import { Pv, properties } from "../../src/event/PropertyValue.js"
import { FileIo } from "../../src/io/FileIo.js"
import { SyncMode, Wal } from "../../src/Wal.js"

describe("dump --archive --until-lsn (point-in-time recovery from the CLI)", () => {
  it.live("replays archived + live segments in LSN order, up to the chosen LSN", () =>
    Effect.gen(function* () {
      const root = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-wal-pitr-"))
      const dir = Path.join(root, "wal")
      const archiveDir = Path.join(root, "archive")
      const commits = yield* Effect.gen(function* () {
        const wal = yield* Wal
        const lsns: Array<bigint> = []
        for (let i = 0; i < 30; i++) {
          const r = yield* wal.commitTx([
            { _tag: "CreateNode", id: BigInt(i), labels: ["N"], properties: properties({ pad: Pv.string("x".repeat(100)) }) }
          ])
          if (r._tag === "Committed") lsns.push(r.commitLsn)
        }
        const t = yield* wal.truncateUpTo(lsns[20]!)
        expect(t.removed.length).toBeGreaterThan(2)
        return lsns
      }).pipe(Effect.provide(Wal.layer({ dir, syncMode: SyncMode.None, segmentTargetBytes: 600, archive: { dir: archiveDir } })))

      const dumpIds = (options: { archiveDir?: string; untilLsn?: bigint }) =>
        Effect.gen(function* () {
          const lines: Array<string> = []
          yield* dumpDirectory(dir, { ...options, emit: (l) => Effect.sync(() => void lines.push(l)) })
          return lines.flatMap((l) =>
            (JSON.parse(l) as { events: Array<unknown> }).events.map((e) => {
              const ev = eventFromJson(e as never)
              return ev._tag === "CreateNode" ? Number(ev.id) : -1
            }))
        }).pipe(Effect.provide(FileIo.layerNode))

      // The live directory alone has lost the beginning.
      const live = yield* dumpIds({})
      expect(live[0]).toBeGreaterThan(0)
      // Archive + live: everything; with --until-lsn: exactly the prefix.
      expect(yield* dumpIds({ archiveDir })).toEqual(Array.from({ length: 30 }, (_, i) => i))
      expect(yield* dumpIds({ archiveDir, untilLsn: commits[7]! })).toEqual(Array.from({ length: 8 }, (_, i) => i))
      expect(yield* dumpIds({ archiveDir, untilLsn: commits[7]! + 1n })).toEqual(Array.from({ length: 8 }, (_, i) => i))
      Fs.rmSync(root, { recursive: true })
    }))
})
