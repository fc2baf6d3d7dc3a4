import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { encodeSegmentHeader } from "../src/format/SegmentHeader.js"
import { FileIo, nodeFileIo } from "../src/io/FileIo.js"
import type { Lsn } from "../src/Lsn.js"
import { parseSegmentName, SegmentDir, segmentFileName } from "../src/SegmentDir.js"

describe("segment names (spec §1.1)", () => {
  it("canonical names have at least 10 digits", () => {
    expect(segmentFileName(1n)).toBe("0000000001.wal")
    expect(segmentFileName(42n)).toBe("0000000042.wal")
    expect(segmentFileName(12_345_678_901n)).toBe("12345678901.wal")
  })

  it.each([
    ["0000000007.wal", 7n],
    ["7.wal", 7n],
    ["+7.wal", 7n],
    ["00.wal", 0n],
    ["18446744073709551615.wal", 2n ** 64n - 1n]
  ])("accepts %s as id %s", (name, id) => expect(parseSegmentName(name)).toBe(id))

  it.each([
    "0000000001.wal.tmp",
    ".lora-wal.lock",
    "notes.txt",
    "abc.wal",
    ".wal",
    "1.5.wal",
    "99999999999999999999.wal",
    "18446744073709551616.wal",
    "1.WAL",
    "-1.wal",
    " 1.wal",
    "0x1.wal",
    "++1.wal",
    "+.wal"
  ])("ignores %s", (name) => expect(parseSegmentName(name)).toBeUndefined())
})

describe("SegmentDir service", () => {
  it.effect("lists segments by numeric id, ignoring other names, and reads base LSNs", () =>
    Effect.gen(function* () {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-wal-segdir-"))
      for (const [name, base] of [["0000000010.wal", 30n], ["2.wal", 5n], ["0000000001.wal", 1n]] as const) {
        Fs.writeFileSync(Path.join(dir, name), encodeSegmentHeader(base as Lsn, false))
      }
      Fs.writeFileSync(Path.join(dir, "notes.txt"), "x")
      Fs.writeFileSync(Path.join(dir, "0000000003.wal.tmp"), "x")
      Fs.writeFileSync(Path.join(dir, "short.wal"), "x")
      Fs.writeFileSync(Path.join(dir, "0000000004.wal"), "LORA")
      const sd = yield* SegmentDir
      const list = yield* sd.list(dir)
      expect(list.map((e) => [e.id, e.name])).toEqual([
        [1n, "0000000001.wal"],
        [2n, "2.wal"],
        [4n, "0000000004.wal"],
        [10n, "0000000010.wal"]
      ])
      expect(yield* sd.baseLsn(Path.join(dir, "2.wal"))).toBe(5n)
      expect(yield* sd.baseLsn(Path.join(dir, "0000000010.wal"))).toBe(30n)
      const short = yield* Effect.flip(sd.baseLsn(Path.join(dir, "0000000004.wal")))
      expect(short.message).toBe("WAL I/O error: failed to fill whole buffer")
      const missing = yield* Effect.flip(sd.list(Path.join(dir, "nope")))
      expect(missing._tag).toBe("Io")
      expect(missing.message).toBe("WAL I/O error: No such file or directory (os error 2)")
      yield* sd.syncDir(dir)
      Fs.rmSync(dir, { recursive: true })
    }).pipe(Effect.provide(SegmentDir.layer), Effect.provide(FileIo.layerNode)))

  it("keeps the errno code of I/O errors", async () => {
    const e = await Effect.runPromise(Effect.flip(nodeFileIo.open("/nonexistent-dir/x.wal", "read")))
    expect(e.code).toBe("ENOENT")
  })
})
