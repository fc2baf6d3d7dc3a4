/**
 * End to end: the built `effect-wal` binary (`node dist/src/cli/main.js`),
 * rebuilt first when it is missing or older than the sources. On a copy of
 * every public fixture: `verify` exits 0 / 1 / 2 with the problem on stderr;
 * `inspect --records --json` prints the same report as the in-process logic
 * (itself checked against expected.json); `recover --json` gives the open's
 * outcome of expected.json, or exit 2 with its exact error text; `dump`
 * prints one line per committed transaction with open's event count. Also:
 * help and version, usage errors, `compact` and its refusal, `dump | head`
 * ending quietly, and `dump` in another process beside a live writer.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Ref } from "effect"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { inspectDirectory, inspectToJson } from "../../src/cli/Inspect.js"
import type { MutationEvent } from "../../src/event/MutationEvent.js"
import { FileIo } from "../../src/io/FileIo.js"
import { SyncMode, Wal } from "../../src/Wal.js"
import { copyFixture, loadFixture, SCENARIOS } from "../support/fixtures.js"

const ROOT = Path.resolve(import.meta.dirname, "..", "..")
const MAIN = Path.join(ROOT, "dist", "src", "cli", "main.js")
const TSC = Path.join(ROOT, "node_modules", "typescript", "bin", "tsc")

const newestMtime = (dir: string): number => {
  let newest = 0
  for (const e of Fs.readdirSync(dir, { withFileTypes: true })) {
    const p = Path.join(dir, e.name)
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : Fs.statSync(p).mtimeMs)
  }
  return newest
}

/**
 * Builds dist with the project's build config; if that fails because of
 * files outside `src` (examples, bench being edited), builds `src` alone
 * into the same place (a throw-away config under dist/, which git ignores).
 */
const build = () => {
  const full = ChildProcess.spawnSync(process.execPath, [TSC, "-p", "tsconfig.build.json"], { cwd: ROOT, encoding: "utf8" })
  if (full.status === 0) return
  const config = Path.join(ROOT, "dist", "tsconfig.cli-test.json")
  Fs.mkdirSync(Path.dirname(config), { recursive: true })
  Fs.writeFileSync(config, JSON.stringify({ extends: "../tsconfig.json", compilerOptions: { rootDir: "..", outDir: "." }, include: ["../src"] }))
  const srcOnly = ChildProcess.spawnSync(process.execPath, [TSC, "-p", config], { cwd: ROOT, encoding: "utf8" })
  if (srcOnly.status !== 0) throw new Error(`tsc failed:\n${full.stdout}\n${srcOnly.stdout}`)
}

beforeAll(() => {
  if (!Fs.existsSync(MAIN) || Fs.statSync(MAIN).mtimeMs < newestMtime(Path.join(ROOT, "src"))) build()
}, 180_000)

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs the binary (asynchronously, so several can run at once). */
const cli = (...args: ReadonlyArray<string>): Promise<Run> =>
  new Promise((resolve, reject) => {
    ChildProcess.execFile(process.execPath, [MAIN, ...args], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== "number") return reject(error)
      resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr })
    })
  })

const cleanup: Array<string> = []
const copy = (scenario: string) => {
  const d = copyFixture(scenario)
  cleanup.push(d)
  return d
}
const tmp = (name: string) => {
  const d = Fs.mkdtempSync(Path.join(Os.tmpdir(), `effect-wal-e2e-${name}-`))
  cleanup.push(d)
  return d
}
afterAll(() => {
  for (const d of cleanup) Fs.rmSync(d, { recursive: true, force: true })
})

describe("effect-wal binary", () => {
  it("--help lists the commands and the exit codes; every command has --help; --version prints the version", async () => {
    const [top, version, ...subs] = await Promise.all([
      cli("--help"),
      cli("--version"),
      ...["inspect", "verify", "dump", "recover", "compact"].map((c) => cli(c, "--help"))
    ])
    expect(top.code).toBe(0)
    for (const c of ["inspect", "verify", "dump", "recover", "compact"]) expect(top.stdout).toMatch(new RegExp(`^  ${c} `, "m"))
    expect(top.stdout).toContain("Exit codes: 0 ok; 1 torn tail in the active segment (verify only); 2 corruption")
    expect(version.stdout.trim()).toContain(JSON.parse(Fs.readFileSync(Path.join(ROOT, "package.json"), "utf8")).version)
    for (const s of subs) {
      expect(s.code).toBe(0)
      expect(s.stdout).toContain("USAGE")
      expect(s.stdout).toContain("Exit codes: 0 ")
    }
    expect(subs[1]!.stdout).toContain("1 torn tail in the active (highest-id) segment")
  })

  for (const scenario of SCENARIOS) {
    it(`${scenario}: verify, inspect --records --json, dump, recover --json`, async () => {
      const fx = loadFixture(scenario)
      const dir = copy(scenario)
      const [verify, inspect, dump] = await Promise.all([cli("verify", dir), cli("inspect", "--records", "--json", dir), cli("dump", dir)])
      // recover changes the directory: run it after the read-only commands.
      const recover = await cli("recover", "--json", dir)

      const torn = fx.expected.replay_dir.torn_tail
      const verifyExit = scenario.startsWith("torn-tail-") ? 1 : scenario === "corrupt-sealed" ? 2 : 0
      expect(verify.code).toBe(verifyExit)
      if (verifyExit === 0) expect(verify.stderr).toBe("")
      else expect(verify.stderr.split("\n")[0]).toBe(`${Path.join(dir, torn!.segment_file)}: offset ${torn!.last_good_offset}: ${torn!.cause}`)

      expect(inspect.code).toBe(0)
      const inProcess = inspectToJson(await Effect.runPromise(Effect.provide(inspectDirectory(copy(scenario), { records: true }), FileIo.layerNode)))
      expect(JSON.parse(inspect.stdout)).toEqual(JSON.parse(JSON.stringify(inProcess)))
      const segs = (JSON.parse(inspect.stdout) as { segments: Array<{ file: string; records: Array<{ offset: number; lsn: string }> }> }).segments
      expect(segs.map((s) => s.file)).toEqual(fx.expected.segments.map((s) => s.file))
      expect(segs[0]!.records[0]).toMatchObject({ offset: 32, lsn: String(fx.expected.segments[0]!.records[0]!.lsn) })

      const lines = dump.stdout.split("\n").filter((l) => l !== "")
      const events = lines.reduce((n, l) => n + (JSON.parse(l) as { events: Array<unknown> }).events.length, 0)
      expect(events).toBe(fx.expected.replay_dir.committed_event_count)
      expect(dump.code).toBe(scenario === "corrupt-sealed" ? 2 : 0)

      const open = fx.expected.open
      if (open.ok) {
        expect(recover.code).toBe(0)
        expect(JSON.parse(recover.stdout)).toEqual({
          eventCount: open.event_count,
          transactionCount: expect.any(Number),
          nextLsn: String(open.next_lsn),
          durableLsn: String(open.durable_lsn),
          activeSegmentId: String(open.active_segment_id),
          oldestSegmentId: String(open.oldest_segment_id),
          truncated: open.file_changes!.map((c) => ({ file: c.file, fromBytes: c.size_before, toBytes: c.size_after })),
          setAside: []
        })
        expect(events).toBe(open.event_count)
      } else {
        expect(recover.code).toBe(2)
        expect(recover.stdout).toBe("")
        expect(recover.stderr).toBe(`error: ${open.error!.replaceAll("<dir>", dir)}\n`)
      }
      // After recover, a torn tail is gone: verify is clean.
      if (verifyExit === 1) expect((await cli("verify", dir)).code).toBe(0)
    })
  }

  it("checkpoint-truncate: recover --checkpoint-lsn 63 and dump --checkpoint-lsn 63 give open_with_checkpoint's 50 events", async () => {
    const fx = loadFixture("checkpoint-truncate")
    const dir = copy("checkpoint-truncate")
    const dump = await cli("dump", "--checkpoint-lsn", "63", dir)
    const events = dump.stdout.split("\n").filter((l) => l !== "").reduce((n, l) => n + (JSON.parse(l) as { events: Array<unknown> }).events.length, 0)
    expect(events).toBe(fx.expected.open_with_checkpoint!.event_count)
    const recover = await cli("recover", "--json", "--checkpoint-lsn", "63", dir)
    expect(JSON.parse(recover.stdout)).toMatchObject({ eventCount: 50, nextLsn: String(fx.expected.open_with_checkpoint!.next_lsn) })
  })

  it("compact writes a log that verifies clean and dumps to the same events; a non-empty destination is refused (exit 2)", async () => {
    const src = copy("multi-segment")
    const dst = Path.join(tmp("compact"), "out")
    const r = await cli("compact", src, dst, "--segment-target-bytes", "4096")
    expect([r.code, r.stderr]).toEqual([0, ""])
    expect(r.stdout).toMatch(/200 transactions, 403 events written/)
    const [v, a, b] = await Promise.all([cli("verify", dst), cli("dump", src), cli("dump", dst)])
    expect(v.code).toBe(0)
    const events = (text: string) => text.split("\n").filter((l) => l !== "").map((l) => JSON.stringify((JSON.parse(l) as { events: unknown }).events))
    expect(events(b.stdout)).toEqual(events(a.stdout))
    const again = await cli("compact", src, dst)
    expect(again.code).toBe(2)
    expect(again.stderr).toBe(`error: destination directory is not empty: ${dst} (compact writes a fresh log and never overwrites one)\n`)
  })

  it("usage errors are reported by the parser with exit 1", async () => {
    const dir = copy("basic")
    const [unknown, badLsn, missing, badTarget] = await Promise.all([
      cli("inspect", "--bogus", dir),
      cli("dump", "--from-lsn", "ten", dir),
      cli("verify"),
      cli("compact", dir, Path.join(dir, "x"), "--segment-target-bytes", "0")
    ])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain("Unrecognized flag: --bogus")
    expect(badLsn.code).toBe(1)
    expect(badLsn.stderr).toContain('a decimal u64 (0 to 18446744073709551615), got "ten"')
    expect(missing.code).toBe(1)
    expect(badTarget.code).toBe(1)
    expect(badTarget.stderr).toContain("expected a positive number of bytes, got 0")
    expect(Fs.existsSync(Path.join(dir, "x"))).toBe(false)
  })

  it("dump into a pipe closed early (| head -c) ends quietly with exit 0", () => {
    const dir = copy("large-batch")
    const r = ChildProcess.spawnSync("bash", ["-o", "pipefail", "-c", `"${process.execPath}" "${MAIN}" dump "${dir}" | head -c 100 > /dev/null`], {
      encoding: "utf8"
    })
    expect([r.status, r.stderr]).toEqual([0, ""])
  })

  it("dump in another process beside a live writer in this one: every dump is a prefix of what was committed", async () => {
    const dir = tmp("live")
    const committed = await Effect.runPromise(
      Effect.gen(function* () {
        const wal = yield* Wal
        const count = yield* Ref.make(0)
        const ev = (i: number): MutationEvent => ({ _tag: "DeleteNode", nodeId: BigInt(i) })
        const writer = yield* Effect.forkChild(
          Effect.gen(function* () {
            for (let i = 0; i < 400; i++) {
              yield* wal.commitTx([ev(i)])
              yield* Ref.set(count, i + 1)
              yield* Effect.sleep("1 millis")
            }
          })
        )
        const seen: Array<number> = []
        for (let k = 0; k < 6; k++) {
          const before = yield* Ref.get(count)
          const r = yield* Effect.promise(() => cli("dump", dir))
          expect(r.code).toBe(0)
          const ids = r.stdout.split("\n").filter((l) => l !== "").map((l) => (JSON.parse(l) as { events: Array<{ nodeId: string }> }).events[0]!.nodeId)
          expect(ids.length).toBeGreaterThanOrEqual(before)
          expect(ids).toEqual(ids.map((_, i) => String(i)))
          seen.push(ids.length)
        }
        yield* Fiber.join(writer)
        return seen
      }).pipe(Effect.provide(Wal.layer({ dir, syncMode: SyncMode.GroupSync({ interval: 5 }), segmentTargetBytes: 2048 })))
    )
    expect(committed.some((n) => n > 0 && n < 400)).toBe(true)
    const final = await cli("dump", dir)
    expect(final.stdout.split("\n").filter((l) => l !== "")).toHaveLength(400)
  })
})
