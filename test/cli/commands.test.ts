/**
 * The command logic of `effect-wal`, in process, against every public
 * lora-wal fixture (on copies): `inspect` reports the segments and records
 * of `expected.json` (offsets, lengths, kinds, LSNs, slots, event counts)
 * and the replay torn tail; `verify` exits 0 / 1 / 2 as an open would fare
 * and changes no byte; `recover` gives `expected.json`'s open outcome
 * (counts, LSNs, segments, what was cut, the exact error); `dump` prints
 * `open.events` in commit order and honours the fence and `--from-lsn`;
 * `compact` keeps the committed transactions above the fence, in order and
 * with their boundaries, and refuses a non-empty destination. Also: `dump`
 * and `verify` beside a live writer in this process, and the command layer
 * (exit codes, stdout / stderr) through `effect/cli`.
 */
import * as NodeServices from "@effect/platform-node/NodeServices"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Layer, Ref } from "effect"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { CliExit, CommandError, Output, renderError } from "../../src/cli/Common.js"
import { runCli } from "../../src/cli/Commands.js"
import { compactDirectory } from "../../src/cli/Compact.js"
import { dumpDirectory } from "../../src/cli/Dump.js"
import { inspectDirectory, inspectToJson } from "../../src/cli/Inspect.js"
import { recoverDirectory, recoverToJson } from "../../src/cli/Recover.js"
import { verifyDirectory } from "../../src/cli/Verify.js"
import { eventFromJson } from "../../src/event/Json.js"
import { LW1Codec } from "../../src/event/LW1.js"
import type { MutationEvent } from "../../src/event/MutationEvent.js"
import { FileIo } from "../../src/io/FileIo.js"
import { type CommittedTransaction, replayDirectory } from "../../src/Replay.js"
import { SyncMode, Wal } from "../../src/Wal.js"
import { copyFixture, type FixtureOpen, loadFixture, SCENARIOS } from "../support/fixtures.js"
import { canonical, canonicalEvent, type J, JObj, parseOrdered } from "../support/serde.js"

const onDisk = <A, E>(eff: Effect.Effect<A, E, FileIo>) => Effect.provide(eff, FileIo.layerNode)

/** Size and SHA-256 of every file in `dir` (to prove a command changed nothing). */
const snapshot = (dir: string): Record<string, string> =>
  Object.fromEntries(
    Fs.readdirSync(dir)
      .sort()
      .map((f) => [f, Crypto.createHash("sha256").update(Fs.readFileSync(Path.join(dir, f))).digest("hex")])
  )

const tmpDir = (name: string) => Fs.mkdtempSync(Path.join(Os.tmpdir(), `effect-wal-cli-${name}-`))

interface Line {
  readonly beginLsn: string
  readonly commitLsn: string
  readonly events: ReadonlyArray<unknown>
}

const dumpLines = (dir: string, options: { fromLsn?: bigint; checkpointLsn?: bigint } = {}) =>
  Effect.gen(function* () {
    const lines: Array<string> = []
    const report = yield* onDisk(dumpDirectory(dir, { ...options, emit: (l) => Effect.sync(() => void lines.push(l)) }))
    return { report, lines: lines.map((l) => JSON.parse(l) as Line) }
  })

/** The committed transactions of `dir` as replay (not the CLI) sees them. */
const replayed = (dir: string, checkpointLsn = 0n) =>
  Effect.gen(function* () {
    const txs: Array<CommittedTransaction<MutationEvent>> = []
    yield* onDisk(
      Effect.flatMap(Effect.service(FileIo), (io) =>
        replayDirectory<MutationEvent>({ io, dir, codec: LW1Codec, checkpointLsn, onTransaction: (tx) => Effect.sync(() => void txs.push(tx)) })
      )
    )
    return txs
  })

const expectedVerifyExit = (scenario: string) => (scenario.startsWith("torn-tail-") ? 1 : scenario === "corrupt-sealed" ? 2 : 0)

// ---------------------------------------------------------------------------

describe("inspect", () => {
  for (const scenario of SCENARIOS) {
    it.effect(`${scenario}: segments and records equal expected.json, torn tail equals replay's`, () =>
      Effect.gen(function* () {
        const fx = loadFixture(scenario)
        const dir = copyFixture(scenario)
        const before = snapshot(dir)
        const report = yield* onDisk(inspectDirectory(dir, { records: true }))
        const json = JSON.parse(JSON.stringify(inspectToJson(report))) as {
          segments: Array<Record<string, unknown> & { records: Array<Record<string, unknown>> }>
          tornTail: null | { file: string; offset: number; error: string }
        }
        expect(Object.keys(json)).toEqual(["segments", "tornTail"])
        expect(json.segments).toHaveLength(fx.expected.segments.length)
        const torn = fx.expected.replay_dir.torn_tail ?? null
        for (let i = 0; i < fx.expected.segments.length; i++) {
          const want = fx.expected.segments[i]!
          const got = json.segments[i]!
          expect(Object.keys(got)).toEqual(["file", "id", "baseLsn", "sealed", "sizeBytes", "recordCount", "transactionCount", "records"])
          expect(got.file).toBe(want.file)
          expect(got.id).toBe(String(Number(want.file.slice(0, -4))))
          expect(got.baseLsn).toBe(String(want.base_lsn))
          expect(got.sealed).toBe(want.sealed)
          expect(got.sizeBytes).toBe(want.size)
          // Records are listed up to the segment's first unreadable one (the damaged fixtures list it with crc_ok false).
          const stop = torn !== null && torn.segment_file === want.file ? torn.last_good_offset : Infinity
          const readable = want.records.filter((r) => r.offset < stop)
          expect(got.records).toEqual(
            readable.map((r) => ({
              offset: r.offset,
              length: r.length,
              kind: r.kind_name,
              lsn: String(r.lsn),
              txBeginLsn: String(r.tx_begin_lsn),
              eventCount: r.kind === 6 ? r.event_count : r.kind === 1 ? 1 : 0
            }))
          )
          expect(got.recordCount).toBe(readable.length)
          expect(got.transactionCount).toBe(readable.filter((r) => r.kind_name === "TxCommit").length)
        }
        expect(json.tornTail).toEqual(torn === null ? null : { file: torn.segment_file, offset: torn.last_good_offset, error: torn.cause })
        // Without --records the counts are the same and no record is kept.
        const light = inspectToJson(yield* onDisk(inspectDirectory(dir)))
        expect((light["segments"] as Array<{ records: Array<unknown> }>).every((s) => s.records.length === 0)).toBe(true)
        expect(snapshot(dir)).toEqual(before)
        Fs.rmSync(dir, { recursive: true })
      }))
  }

  it.effect("corrupt-sealed: the segments after the damaged one are still read and listed in full", () =>
    Effect.gen(function* () {
      const fx = loadFixture("corrupt-sealed")
      const dir = copyFixture("corrupt-sealed")
      const report = yield* onDisk(inspectDirectory(dir))
      expect(report.segments.map((s) => s.recordCount)).toEqual([15, 1, 9, 9, 12, 6])
      expect(report.segments[5]!.recordCount).toBe(fx.expected.segments[5]!.records.length)
      expect(report.segments[1]!.failure?.error._tag).toBe("CrcMismatch")
      Fs.rmSync(dir, { recursive: true })
    }))

  it.effect("a segment header that does not decode fails with the file named; the CLI prints it under the message", () =>
    Effect.gen(function* () {
      const dir = copyFixture("torn-tail-garbage")
      const seg = Path.join(dir, "0000000001.wal")
      const bytes = Fs.readFileSync(seg)
      bytes[29] = bytes[29]! ^ 0xff // header CRC
      Fs.writeFileSync(seg, bytes)
      const e = yield* Effect.flip(onDisk(inspectDirectory(dir)))
      expect(renderError(e)).toEqual(["error: WAL segment header is malformed: header crc mismatch", `  at ${seg}`])
      Fs.rmSync(dir, { recursive: true })
    }))

  it.effect("a missing directory fails with Io (ENOENT)", () =>
    Effect.gen(function* () {
      const r = yield* Effect.flip(onDisk(inspectDirectory(Path.join(Os.tmpdir(), "effect-wal-no-such-dir"))))
      expect(r._tag).toBe("Io")
      expect(r.message).toBe("WAL I/O error: No such file or directory (os error 2)")
    }))
})

describe("verify", () => {
  for (const scenario of SCENARIOS) {
    it.effect(`${scenario}: exit ${expectedVerifyExit(scenario)}, and no byte changes`, () =>
      Effect.gen(function* () {
        const fx = loadFixture(scenario)
        const dir = copyFixture(scenario)
        const before = snapshot(dir)
        const r = yield* onDisk(verifyDirectory(dir))
        expect(r.exitCode).toBe(expectedVerifyExit(scenario))
        expect(r.segments).toBe(fx.expected.segments.length)
        const torn = fx.expected.replay_dir.torn_tail
        if (r.exitCode === 0) {
          expect(r.problem).toBeUndefined()
          expect(r.events).toBe(fx.expected.open.event_count)
          expect(r.maxLsn).toBe(BigInt(fx.expected.replay_dir.max_lsn!))
        } else {
          // The file, offset and message of the unreadable record are replay's.
          expect(r.problem?.path).toBe(Path.join(dir, torn!.segment_file))
          expect(r.problem?.offset).toBe(torn!.last_good_offset)
          expect(r.problem?.error.message).toBe(torn!.cause)
        }
        if (r.exitCode === 1) {
          const change = fx.expected.open.file_changes![0]!
          expect(r.cut).toEqual({ file: change.file, fromBytes: change.size_before, toBytes: change.size_after })
        }
        if (r.exitCode === 2) expect(r.problem?.openError?.message).toBe(fx.expected.open.error!.replaceAll("<dir>", dir))
        expect(snapshot(dir)).toEqual(before)
        Fs.rmSync(dir, { recursive: true })
      }))
  }

  it.live("structural errors exit 2 with the file (a bad header, a fence inside a transaction); a sealed highest segment exits 1", () =>
    Effect.gen(function* () {
      // Bad magic in the first segment.
      const a = copyFixture("multi-segment")
      const first = Path.join(a, "0000000001.wal")
      const bytes = Fs.readFileSync(first)
      bytes[0] = 0x58
      Fs.writeFileSync(first, bytes)
      const ra = yield* onDisk(verifyDirectory(a))
      expect([ra.exitCode, ra.problem?.path, ra.problem?.error.message]).toEqual([2, first, "WAL segment header is malformed: bad magic"])
      // The highest segment sealed (a crash between sealing and creating the next one): lora-wal cannot
      // append, effect-wal's open starts the next segment, so verify says "an open repairs it" (exit 1).
      const b = copyFixture("multi-segment")
      for (const f of Fs.readdirSync(b).filter((n) => n > "0000000064.wal")) Fs.rmSync(Path.join(b, f))
      const rb = yield* onDisk(verifyDirectory(b))
      expect([rb.exitCode, rb.status, rb.problem?.error.message]).toEqual([1, "tornTail", "WAL segment header is malformed: segment is sealed; cannot append"])
      // A fence inside the first transaction: replay's Malformed, with the record's offset.
      const c = copyFixture("basic")
      const rc = yield* onDisk(verifyDirectory(c, { checkpointLsn: 1n }))
      expect([rc.exitCode, rc.problem?.offset, rc.problem?.error.message]).toEqual([
        2,
        57,
        "WAL structure is malformed: mutation batch at lsn 2 references missing tx begin 1"
      ])
      for (const d of [a, b, c]) Fs.rmSync(d, { recursive: true })
    }))

  it.effect("an empty directory is clean (an open would start a fresh log); a missing one exits 2", () =>
    Effect.gen(function* () {
      const dir = tmpDir("empty")
      expect((yield* onDisk(verifyDirectory(dir))).exitCode).toBe(0)
      const missing = yield* onDisk(verifyDirectory(Path.join(dir, "nope")))
      expect([missing.exitCode, missing.problem?.error._tag]).toEqual([2, "Io"])
      Fs.rmSync(dir, { recursive: true })
    }))
})

describe("recover", () => {
  const check = (scenario: string, expected: FixtureOpen) =>
    Effect.gen(function* () {
      const dir = copyFixture(scenario)
      const before = snapshot(dir)
      const r = yield* Effect.exit(onDisk(recoverDirectory(dir, { checkpointLsn: BigInt(expected.checkpoint_lsn) })))
      if (expected.ok) {
        expect(Exit.isSuccess(r)).toBe(true)
        if (!Exit.isSuccess(r)) return
        const j = recoverToJson(r.value)
        expect(Object.keys(j)).toEqual([
          "eventCount",
          "transactionCount",
          "nextLsn",
          "durableLsn",
          "activeSegmentId",
          "oldestSegmentId",
          "truncated",
          "setAside"
        ])
        expect(j["setAside"]).toEqual([])
        expect(j["eventCount"]).toBe(expected.event_count)
        expect(j["nextLsn"]).toBe(String(expected.next_lsn))
        expect(j["durableLsn"]).toBe(String(expected.durable_lsn))
        expect(j["activeSegmentId"]).toBe(String(expected.active_segment_id))
        expect(j["oldestSegmentId"]).toBe(String(expected.oldest_segment_id))
        expect(j["truncated"]).toEqual(expected.file_changes!.map((c) => ({ file: c.file, fromBytes: c.size_before, toBytes: c.size_after })))
        const sizes = Object.fromEntries(
          Fs.readdirSync(dir).filter((f) => f.endsWith(".wal")).map((f) => [f, Fs.statSync(Path.join(dir, f)).size])
        )
        expect(sizes).toEqual(Object.fromEntries(expected.files_after_open!.map((f) => [f.file, f.size])))
      } else {
        expect(Exit.isFailure(r)).toBe(true)
        if (!Exit.isFailure(r)) return
        const reason = r.cause.reasons[0]
        expect(reason?._tag === "Fail" ? reason.error.message : String(reason)).toBe(expected.error!.replaceAll("<dir>", dir))
        const after = snapshot(dir)
        delete after[".lora-wal.lock"]
        expect(after).toEqual(before)
      }
      Fs.rmSync(dir, { recursive: true })
    })

  for (const scenario of SCENARIOS) {
    const fx = loadFixture(scenario)
    it.effect(`${scenario}: the open's outcome of expected.json`, () => check(scenario, fx.expected.open))
    if (fx.expected.open_with_checkpoint) {
      it.effect(`${scenario}: with --checkpoint-lsn ${fx.expected.open_with_checkpoint.checkpoint_lsn}`, () =>
        check(scenario, fx.expected.open_with_checkpoint!))
    }
  }

  it.effect("corrupt-sealed with --recovery truncate: the log ends at the damage, later segments are set aside, the result verifies clean", () =>
    Effect.gen(function* () {
      const fx = loadFixture("corrupt-sealed")
      const dir = copyFixture("corrupt-sealed")
      const r = yield* onDisk(recoverDirectory(dir, { recovery: "truncate" }))
      expect(r.eventCount).toBe(fx.expected.replay_dir.committed_event_count)
      expect(r.truncated).toEqual([{ file: "0000000002.wal", fromBytes: 704, toBytes: 57 }])
      expect(r.setAside).toEqual(["0000000003.wal", "0000000004.wal", "0000000005.wal", "0000000006.wal"])
      expect(Fs.readdirSync(dir).filter((f) => f.endsWith(".corrupt")).sort()).toEqual(r.setAside.map((f) => `${f}.corrupt`))
      expect((yield* onDisk(verifyDirectory(dir))).exitCode).toBe(0)
      expect(recoverToJson(r)["setAside"]).toEqual(r.setAside)
      Fs.rmSync(dir, { recursive: true })
    }))

  it.live("fails with AlreadyOpen while a live handle holds the lock, and refuses a missing directory", () =>
    Effect.gen(function* () {
      const dir = copyFixture("basic")
      const held = yield* Effect.exit(
        Effect.gen(function* () {
          yield* Wal
          return yield* onDisk(recoverDirectory(dir))
        }).pipe(Effect.provide(Wal.layer({ dir, syncMode: SyncMode.None })))
      )
      expect(Exit.isFailure(held) && held.cause.reasons[0]?._tag === "Fail" && held.cause.reasons[0].error.message).toBe(
        `WAL directory is already open by another live handle: ${dir}`
      )
      const missing = yield* Effect.flip(onDisk(recoverDirectory(Path.join(dir, "nope"))))
      expect(missing._tag).toBe("Io")
      expect(Fs.existsSync(Path.join(dir, "nope"))).toBe(false)
      Fs.rmSync(dir, { recursive: true })
    }))
})

describe("dump", () => {
  for (const scenario of SCENARIOS) {
    const fx = loadFixture(scenario)
    const count = fx.expected.replay_dir.committed_event_count
    it.effect(`${scenario}: one line per committed transaction, ${count} events in commit order`, () =>
      Effect.gen(function* () {
        const dir = copyFixture(scenario)
        const before = snapshot(dir)
        const { lines, report } = yield* dumpLines(dir)
        const txs = yield* replayed(dir)
        expect(lines.length).toBe(txs.length)
        expect(lines.map((l) => [l.beginLsn, l.commitLsn])).toEqual(txs.map((t) => [String(t.beginLsn), String(t.commitLsn)]))
        expect(lines.reduce((n, l) => n + l.events.length, 0)).toBe(count)
        if (fx.expected.open.ok) expect(count).toBe(fx.expected.open.event_count)
        expect(report.tornTail?.lastGoodOffset).toBe(fx.expected.replay_dir.torn_tail?.last_good_offset)
        expect(report.tornTailInActiveSegment).toBe(scenario.startsWith("torn-tail-"))
        expect(snapshot(dir)).toEqual(before)
        Fs.rmSync(dir, { recursive: true })
      }))
  }

  for (const scenario of ["basic", "all-kinds"]) {
    it.effect(`${scenario}: the dumped events, decoded, equal open.events (and events_exact) of expected.json`, () =>
      Effect.gen(function* () {
        const fx = loadFixture(scenario)
        const dir = copyFixture(scenario)
        const { lines } = yield* dumpLines(dir)
        const events = lines.flatMap((l) => l.events.map(eventFromJson))
        const open = (parseOrdered(fx.expectedText) as JObj).get("open") as JObj
        const plain = open.get("events") as ReadonlyArray<J>
        expect(events.length).toBe(plain.length)
        for (let i = 0; i < events.length; i++) expect(canonicalEvent(events[i]!, "plain"), `event ${i}`).toBe(canonical(plain[i]!))
        if (open.get("events_exact_present") === true) {
          const exact = open.get("events_exact") as ReadonlyArray<J>
          for (let i = 0; i < events.length; i++) expect(canonicalEvent(events[i]!, "exact"), `event ${i}`).toBe(canonical(exact[i]!))
        }
        Fs.rmSync(dir, { recursive: true })
      }))
  }

  it.effect("checkpoint-truncate: --checkpoint-lsn 63 gives open_with_checkpoint's 50 events; --from-lsn keeps commit LSN ≥ N", () =>
    Effect.gen(function* () {
      const fx = loadFixture("checkpoint-truncate")
      const dir = copyFixture("checkpoint-truncate")
      const fenced = yield* dumpLines(dir, { checkpointLsn: 63n })
      expect(fenced.lines.reduce((n, l) => n + l.events.length, 0)).toBe(fx.expected.open_with_checkpoint!.event_count)
      expect(fenced.lines.every((l) => BigInt(l.beginLsn) > 63n)).toBe(true)
      const all = yield* dumpLines(dir)
      const from = BigInt(all.lines[5]!.commitLsn)
      const tail = yield* dumpLines(dir, { fromLsn: from })
      expect(tail.lines).toEqual(all.lines.slice(5))
      expect(tail.report.skipped).toBe(5)
      // Exactly at a commit LSN and one past it.
      expect((yield* dumpLines(dir, { fromLsn: from + 1n })).lines).toEqual(all.lines.slice(6))
      Fs.rmSync(dir, { recursive: true })
    }))

  it.effect("abort-and-uncommitted: aborted and unfinished transactions are absent; the empty committed one is a line with no events", () =>
    Effect.gen(function* () {
      const dir = copyFixture("abort-and-uncommitted")
      const { lines } = yield* dumpLines(dir)
      expect(lines.map((l) => l.events.length)).toEqual((yield* replayed(dir)).map((t) => t.events.length))
      expect(lines.some((l) => l.events.length === 0)).toBe(true)
      Fs.rmSync(dir, { recursive: true })
    }))

  it.live("works on a directory a live Wal in this process is writing (and rotating): every dump is a prefix of the commits", () =>
    Effect.gen(function* () {
      const dir = tmpDir("live")
      const committed = yield* Ref.make<Array<string>>([])
      const started = yield* Ref.make<Array<string>>([])
      const ev = (i: number): MutationEvent => ({
        _tag: "CreateNode",
        id: BigInt(i),
        labels: ["Live"],
        properties: new Map([["i", { _tag: "Int", value: BigInt(i) }]])
      })
      yield* Effect.gen(function* () {
          const wal = yield* Wal
          const writer = yield* Effect.forkChild(
            Effect.gen(function* () {
              for (let i = 0; i < 150; i++) {
                yield* Ref.update(started, (xs) => [...xs, String(i)])
                yield* wal.commitTx([ev(i)])
                yield* Ref.update(committed, (xs) => [...xs, String(i)])
                if (i % 10 === 0) yield* Effect.sleep("1 millis")
              }
            })
          )
          const seen: Array<number> = []
          while (seen.length < 40) {
            const before = (yield* Ref.get(committed)).length
            const { lines, report } = yield* dumpLines(dir)
            const ids = lines.flatMap((l) => l.events.map((e) => (e as { id: string }).id))
            // A commit may be on disk before commitTx returns to its caller: compare with what was started.
            const after = yield* Ref.get(started)
            expect(ids.length).toBeGreaterThanOrEqual(before)
            expect(ids).toEqual(after.slice(0, ids.length))
            expect(report.tornTail === undefined || report.tornTailInActiveSegment).toBe(true)
            expect((yield* onDisk(verifyDirectory(dir))).exitCode).not.toBe(2)
            seen.push(ids.length)
            yield* Effect.yieldNow
          }
          yield* Fiber.join(writer)
          // The dumps really ran while the log grew (and rotated).
          expect(seen.some((n) => n > 0 && n < 150)).toBe(true)
          expect(new Set(seen).size).toBeGreaterThan(5)
        }).pipe(Effect.provide(Wal.layer({ dir, syncMode: SyncMode.GroupSync({ interval: 5 }), segmentTargetBytes: 600 })))
      const { lines } = yield* dumpLines(dir)
      expect(lines).toHaveLength(150)
      expect(Fs.readdirSync(dir).filter((f) => f.endsWith(".wal")).length).toBeGreaterThan(3)
      Fs.rmSync(dir, { recursive: true })
    }))

  it.effect("a partial record at the end of the active segment (a write in progress) is a torn tail, not an error", () =>
    Effect.gen(function* () {
      const dir = copyFixture("basic")
      const seg = Path.join(dir, "0000000001.wal")
      const whole = Fs.readFileSync(seg)
      // Append the first 30 bytes of a copy of the first transaction's batch record, as a writer caught mid-write.
      Fs.appendFileSync(seg, whole.subarray(57, 87))
      const { lines, report } = yield* dumpLines(dir)
      expect(lines).toHaveLength(5)
      expect([report.tornTail?.lastGoodOffset, report.tornTailInActiveSegment]).toEqual([whole.length, true])
      const v = yield* onDisk(verifyDirectory(dir))
      expect([v.exitCode, v.problem?.error.message]).toEqual([1, "WAL record truncated: expected 201 bytes, got 26"])
      Fs.rmSync(dir, { recursive: true })
    }))
})

describe("compact", () => {
  const sameTransactions = (src: string, dst: string, fence: bigint) =>
    Effect.gen(function* () {
      const a = (yield* replayed(src, fence)).filter((t) => t.events.length > 0)
      const b = yield* replayed(dst)
      // Same boundaries (event count per transaction) and same events in the same order.
      expect(b.map((t) => t.events.length)).toEqual(a.map((t) => t.events.length))
      expect(b.flatMap((t) => t.events.map((e) => canonicalEvent(e, "exact")))).toEqual(
        a.flatMap((t) => t.events.map((e) => canonicalEvent(e, "exact")))
      )
      // One commitTx per transaction: TxBegin, MutationBatch, TxCommit with consecutive LSNs from 1.
      expect(b.map((t) => [t.beginLsn, t.commitLsn])).toEqual(a.map((_, i) => [BigInt(3 * i + 1), BigInt(3 * i + 3)]))
      return { a, b }
    })

  it.effect("multi-segment: the copy replays to the same transactions; small targets rotate; the copy verifies clean", () =>
    Effect.gen(function* () {
      const src = copyFixture("multi-segment")
      const dst = Path.join(tmpDir("compact"), "out")
      const before = snapshot(src)
      const r = yield* onDisk(compactDirectory(src, dst, { segmentTargetBytes: 4096 }))
      const { a } = yield* sameTransactions(src, dst, 0n)
      expect([r.transactionCount, r.eventCount, r.nextLsn]).toEqual([a.length, 403, BigInt(3 * a.length + 1)])
      expect(r.segments).toBeGreaterThan(5)
      expect(r.segments).toBe(Fs.readdirSync(dst).filter((f) => f.endsWith(".wal")).length)
      expect((yield* onDisk(verifyDirectory(dst))).exitCode).toBe(0)
      expect(snapshot(src)).toEqual(before)
      Fs.rmSync(src, { recursive: true })
      Fs.rmSync(Path.dirname(dst), { recursive: true })
    }))

  it.effect("checkpoint-truncate with --checkpoint-lsn 63: only the transactions above the fence, as open_with_checkpoint replays them", () =>
    Effect.gen(function* () {
      const fx = loadFixture("checkpoint-truncate")
      const src = copyFixture("checkpoint-truncate")
      const dst = tmpDir("compact-fence")
      const r = yield* onDisk(compactDirectory(src, dst, { checkpointLsn: 63n }))
      const { b } = yield* sameTransactions(src, dst, 63n)
      expect(r.eventCount).toBe(fx.expected.open_with_checkpoint!.event_count)
      expect(b.reduce((n, t) => n + t.events.length, 0)).toBe(fx.expected.open_with_checkpoint!.event_count)
      Fs.rmSync(src, { recursive: true })
      Fs.rmSync(dst, { recursive: true })
    }))

  it.effect("abort-and-uncommitted: aborted, unfinished and empty transactions are not copied", () =>
    Effect.gen(function* () {
      const src = copyFixture("abort-and-uncommitted")
      const dst = tmpDir("compact-abort")
      const r = yield* onDisk(compactDirectory(src, dst))
      yield* sameTransactions(src, dst, 0n)
      expect(r.emptyTransactionsDropped).toBe(1)
      expect(r.eventCount).toBe(loadFixture("abort-and-uncommitted").expected.open.event_count)
      Fs.rmSync(src, { recursive: true })
      Fs.rmSync(dst, { recursive: true })
    }))

  it.effect("torn-tail-bitflip: copies what an open keeps; the torn tail of the source is reported", () =>
    Effect.gen(function* () {
      const src = copyFixture("torn-tail-bitflip")
      const dst = tmpDir("compact-torn")
      const r = yield* onDisk(compactDirectory(src, dst))
      expect(r.eventCount).toBe(17)
      expect(r.sourceTornTail?.lastGoodOffset).toBe(589)
      Fs.rmSync(src, { recursive: true })
      Fs.rmSync(dst, { recursive: true })
    }))

  it.effect("refuses a non-empty destination and the source itself, writing nothing", () =>
    Effect.gen(function* () {
      const src = copyFixture("basic")
      const dst = tmpDir("compact-busy")
      Fs.writeFileSync(Path.join(dst, "notes.txt"), "keep me")
      const e = yield* Effect.flip(onDisk(compactDirectory(src, dst)))
      expect(e).toBeInstanceOf(CommandError)
      expect(e.message).toBe(`destination directory is not empty: ${dst} (compact writes a fresh log and never overwrites one)`)
      expect(Fs.readdirSync(dst)).toEqual(["notes.txt"])
      const self = yield* Effect.flip(onDisk(compactDirectory(src, src)))
      expect(self.message).toBe(`destination is the source directory: ${src}`)
      Fs.rmSync(src, { recursive: true })
      Fs.rmSync(dst, { recursive: true })
    }))

  it.effect("corrupt-sealed: fails as an open would and removes what it wrote", () =>
    Effect.gen(function* () {
      const src = copyFixture("corrupt-sealed")
      const dst = tmpDir("compact-corrupt")
      const e = yield* Effect.flip(onDisk(compactDirectory(src, dst)))
      expect(e.message).toBe(`WAL structure is malformed: torn tail found in sealed segment ${Path.join(src, "0000000002.wal")}`)
      expect(Fs.readdirSync(dst)).toEqual([])
      Fs.rmSync(src, { recursive: true })
      Fs.rmSync(dst, { recursive: true })
    }))
})

describe("command layer (effect/cli, in process)", () => {
  const run = (argv: ReadonlyArray<string>) =>
    Effect.gen(function* () {
      const out = Output.capture()
      const exit = yield* Effect.exit(
        runCli(argv).pipe(Effect.provide(Layer.mergeAll(NodeServices.layer, FileIo.layerNode, out.layer)))
      )
      const code = Exit.isSuccess(exit)
        ? 0
        : exit.cause.reasons[0]?._tag === "Fail" && exit.cause.reasons[0].error instanceof CliExit
        ? exit.cause.reasons[0].error.code
        : -1
      return { code, stdout: out.stdout, stderr: out.stderr }
    })

  it.live("verify: exit 0 / 1 / 2 with the problem on stderr", () =>
    Effect.gen(function* () {
      const ok = copyFixture("basic")
      const torn = copyFixture("torn-tail-truncated")
      const bad = copyFixture("corrupt-sealed")
      const r0 = yield* run(["verify", ok])
      expect([r0.code, r0.stderr]).toEqual([0, []])
      expect(r0.stdout[0]).toMatch(/^ok: 1 segment, 15 records checked, 5 committed transactions \(8 events\), max LSN 15$/)
      const r1 = yield* run(["verify", torn])
      expect(r1.code).toBe(1)
      expect(r1.stderr[0]).toBe(`${Path.join(torn, "0000000002.wal")}: offset 828: WAL record truncated: expected 21 bytes, got 8`)
      const r2 = yield* run(["verify", bad])
      expect(r2.code).toBe(2)
      expect(r2.stderr).toEqual([
        `${Path.join(bad, "0000000002.wal")}: offset 57: WAL record CRC mismatch at lsn 17: expected 0x80dd70f6, got 0xaddf9f7b`,
        `an open fails: WAL structure is malformed: torn tail found in sealed segment ${Path.join(bad, "0000000002.wal")}`
      ])
      for (const d of [ok, torn, bad]) Fs.rmSync(d, { recursive: true })
    }))

  it.live("dump prints JSON lines to stdout; recover --json prints the report; failures print `error: <WalError message>` and exit 2", () =>
    Effect.gen(function* () {
      const dir = copyFixture("torn-tail-garbage")
      const d = yield* run(["dump", "--from-lsn", "10", dir])
      expect(d.code).toBe(0)
      expect(d.stdout.map((l) => (JSON.parse(l) as Line).commitLsn)).toEqual(["12", "15", "18", "21", "24", "27", "30"])
      expect(d.stderr[0]).toMatch(/^note: replay stopped at a torn tail in the active segment/)
      const r = yield* run(["recover", "--json", dir])
      expect(r.code).toBe(0)
      expect(JSON.parse(r.stdout.join("\n"))).toMatchObject({ eventCount: 20, nextLsn: "31", truncated: [{ file: "0000000002.wal", fromBytes: 891, toBytes: 853 }] })
      const bad = copyFixture("corrupt-sealed")
      const f = yield* run(["recover", bad])
      expect(f.code).toBe(2)
      expect(f.stderr).toEqual([`error: WAL structure is malformed: torn tail found in sealed segment ${Path.join(bad, "0000000002.wal")}`])
      const dd = yield* run(["dump", bad])
      expect(dd.code).toBe(2)
      expect(dd.stdout).toHaveLength(5) // the transactions before the damage are printed first
      for (const x of [dir, bad]) Fs.rmSync(x, { recursive: true })
    }))
})
