import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { SyncMode, Wal } from "../../src/Wal.js"
import { big, copyFixture, type FixtureOpen, loadFixture, SCENARIOS } from "../support/fixtures.js"

/** Opens a copy of a fixture like lora-wal's `Wal::open(copy, GroupSync, target, checkpoint)` did and compares with `expected.json`. */
const checkOpen = (scenario: string, expected: FixtureOpen) =>
  Effect.gen(function* () {
    const fx = loadFixture(scenario)
    const dir = copyFixture(scenario)
    const layer = Wal.layer({
      dir,
      syncMode: SyncMode.GroupSync({ interval: 50 }),
      segmentTargetBytes: fx.expected.params.segment_target_bytes,
      checkpointLsn: BigInt(expected.checkpoint_lsn)
    })
    const sizes = () =>
      Object.fromEntries(Fs.readdirSync(dir).filter((f) => f.endsWith(".wal")).sort().map((f) => [f, Fs.statSync(Path.join(dir, f)).size]))
    const before = sizes()
    const r = yield* Effect.exit(
      Effect.gen(function* () {
        const wal = yield* Wal
        return {
          eventCount: wal.recovery.events.length,
          nextLsn: yield* wal.nextLsn,
          durableLsn: yield* wal.durableLsn,
          active: yield* wal.activeSegmentId,
          oldest: yield* wal.oldestSegmentId,
          truncated: wal.recovery.truncated,
          files: sizes()
        }
      }).pipe(Effect.provide(layer))
    )
    if (expected.ok) {
      expect(Exit.isSuccess(r)).toBe(true)
      if (!Exit.isSuccess(r)) return
      const got = r.value
      expect(got.eventCount).toBe(expected.event_count)
      expect(got.nextLsn).toBe(big(expected.next_lsn))
      expect(got.durableLsn).toBe(big(expected.durable_lsn))
      expect(got.active).toBe(big(expected.active_segment_id))
      expect(got.oldest).toBe(big(expected.oldest_segment_id))
      expect(got.files).toEqual(Object.fromEntries(expected.files_after_open!.map((f) => [f.file, f.size])))
      expect(got.truncated.map((t) => ({ file: t.file, size_before: t.fromBytes, size_after: t.toBytes }))).toEqual(
        expected.file_changes
      )
      // The close did not change a byte either (final fsync only).
      expect(sizes()).toEqual(got.files)
    } else {
      expect(Exit.isFailure(r)).toBe(true)
      if (!Exit.isFailure(r)) return
      const reason = r.cause.reasons[0]
      const message = reason?._tag === "Fail" ? (reason.error as Error).message : String(reason)
      expect(message).toBe(expected.error!.replaceAll("<dir>", dir))
      expect(sizes()).toEqual(before)
    }
    Fs.rmSync(dir, { recursive: true })
  })

describe("opening every reference fixture (a copy) gives lora-wal's result", () => {
  for (const scenario of SCENARIOS) {
    const fx = loadFixture(scenario)
    it.live(`${scenario}: open`, () => checkOpen(scenario, fx.expected.open))
    if (fx.expected.open_with_checkpoint) {
      it.live(`${scenario}: open with checkpoint ${fx.expected.open_with_checkpoint.checkpoint_lsn}`, () =>
        checkOpen(scenario, fx.expected.open_with_checkpoint!))
    }
  }
})

