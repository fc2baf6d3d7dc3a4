/**
 * Interoperability (c): one live writer per directory, across
 * implementations. LoraDB runs in a child process (`support/loradb-holder.mjs`,
 * `openWalDatabase`) because the lock is a per-process `flock` on
 * `.lora-wal.lock`; effect-wal runs in the test process.
 *
 * - While LoraDB holds the directory, effect-wal's open fails with
 *   `AlreadyOpen` (lora-wal's text) after the ~100 ms retry window; the
 *   read-only replay (no lock) still works.
 * - While effect-wal holds it, LoraDB's open fails. The binding reports that
 *   as `LORA_CONNECTION: database connection is temporarily unavailable`
 *   (it does not pass lora-wal's `AlreadyOpen` text through).
 * - SIGKILL of the holder releases the lock (the kernel drops a dead
 *   process's flock): effect-wal then opens, and recovers what LoraDB had
 *   written before it was killed.
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { Pv } from "../../src/event/PropertyValue.js"
import { SyncMode, Wal } from "../../src/Wal.js"
import { cleanup, killChild, replayTransactions, spawnNode, SUPPORT_DIR, tempDir } from "./support/interop.js"

const HOLDER = Path.join(SUPPORT_DIR, "loradb-holder.mjs")

/** Opens the log with effect-wal, returns what it recovered, closes. */
const openWithEffectWal = (dir: string) =>
  Effect.gen(function* () {
    const wal = yield* Wal
    return wal.recovery.events
  }).pipe(Effect.provide(Wal.layer({ dir, syncMode: SyncMode.PerCommit })))

/** The message of a failed exit's first typed error. */
const failureMessage = (exit: Exit.Exit<unknown, unknown>): string | undefined => {
  if (!Exit.isFailure(exit)) return undefined
  const r = exit.cause.reasons[0]
  return r?._tag === "Fail" ? (r.error as Error).message : String(r)
}

describe("lock exclusion between LoraDB and effect-wal", () => {
  afterEach(cleanup)

  it.live("LoraDB holds the directory: effect-wal's open fails with AlreadyOpen; after SIGKILL it opens and recovers LoraDB's commit", () =>
    Effect.gen(function* () {
      const dir = Path.join(tempDir("lock-lora-holds"), "wal")
      const holder = spawnNode(HOLDER, [dir, "write"])
      yield* Effect.promise(() => holder.waitForLine("ready"))
      expect(holder.stdout().split("\n")).toContain("nodes 1")

      const t0 = Date.now()
      const blocked = yield* Effect.exit(openWithEffectWal(dir))
      const waited = Date.now() - t0
      expect(failureMessage(blocked)).toBe(`WAL directory is already open by another live handle: ${dir}`)
      expect(Exit.isFailure(blocked) && blocked.cause.reasons[0]?._tag === "Fail" && (blocked.cause.reasons[0].error as { _tag: string })._tag)
        .toBe("AlreadyOpen")
      expect(waited).toBeGreaterThanOrEqual(95)
      // The diagnostic read takes no lock: it sees LoraDB's commit (written to the OS before execute() resolved).
      const { transactions } = yield* replayTransactions(dir)
      expect(transactions.length).toBe(1)

      yield* Effect.promise(() => killChild(holder.child))
      expect((yield* Effect.promise(() => holder.exited)).signal).toBe("SIGKILL")
      const events = yield* openWithEffectWal(dir)
      expect(events.length).toBe(1)
      const e = events[0]!
      expect(e._tag === "CreateNode" && [e.labels, e.properties.get("pid")]).toEqual([["Held"], Pv.int(holder.child.pid!)])
      // The lock file is LoraDB's and ours alike: still there, still empty.
      expect(Fs.statSync(Path.join(dir, ".lora-wal.lock")).size).toBe(0)
    }))

  it.live("effect-wal holds the directory: LoraDB's open in a child fails; once effect-wal closes, LoraDB opens", () =>
    Effect.gen(function* () {
      const dir = Path.join(tempDir("lock-effect-holds"), "wal")
      const refused = yield* Effect.scoped(
        Effect.gen(function* () {
          const wal = yield* Wal
          yield* wal.commitTx([{ _tag: "CreateNode", id: 0n, labels: ["Ours"], properties: new Map() }])
          const child = spawnNode(HOLDER, [dir])
          const exit = yield* Effect.promise(() => child.exited)
          return { exit, stdout: child.stdout() }
        }).pipe(Effect.provide(Wal.layer({ dir, syncMode: SyncMode.PerCommit })))
      )
      expect(refused.exit.code).toBe(2)
      const line = refused.stdout.split("\n").find((l) => l.startsWith("error "))!
      expect(JSON.parse(line.slice("error ".length))).toEqual({
        code: "LORA_CONNECTION",
        message: "database connection is temporarily unavailable"
      })

      // effect-wal closed: LoraDB opens the same directory and sees our node.
      const child = spawnNode(HOLDER, [dir])
      yield* Effect.promise(() => child.waitForLine("ready"))
      expect(child.stdout().split("\n")).toContain("nodes 1")
      // …and now effect-wal is the one refused.
      const blocked = yield* Effect.exit(openWithEffectWal(dir))
      expect(failureMessage(blocked)).toBe(`WAL directory is already open by another live handle: ${dir}`)
      yield* Effect.promise(() => killChild(child.child))
      expect((yield* openWithEffectWal(dir)).map((e) => e._tag)).toEqual(["CreateNode"])
    }))
})
