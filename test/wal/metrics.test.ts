import { describe, expect, it } from "@effect/vitest"
import { Effect, Metric } from "effect"
import { Pv, properties } from "../../src/event/PropertyValue.js"
import { FileIo, makeMemoryFileIo } from "../../src/io/FileIo.js"
import { makeWal, SyncMode } from "../../src/Wal.js"
import * as M from "../../src/WalMetrics.js"

describe("metrics and status", () => {
  it.live("commits, bytes, fsyncs, fsync latency and group size are counted; status reports positions", () =>
    Effect.gen(function* () {
      const before = {
        commits: (yield* Metric.value(M.commits)).count,
        bytes: (yield* Metric.value(M.bytesWritten)).count,
        fsyncs: (yield* Metric.value(M.fsyncs)).count,
        latency: (yield* Metric.value(M.fsyncLatency)).count,
        groups: (yield* Metric.value(M.groupSize)).count,
        groupSum: (yield* Metric.value(M.groupSize)).sum
      }
      const disk = makeMemoryFileIo()
      const status = yield* Effect.scoped(
        Effect.gen(function* () {
          const wal = yield* makeWal({ dir: "/wal", syncMode: SyncMode.PerCommit })
          yield* Effect.forEach(
            Array.from({ length: 32 }, (_, i) => i),
            (i) =>
              wal.commitTx([{ _tag: "CreateNode", id: BigInt(i), labels: [], properties: properties({ i: Pv.int(BigInt(i)) }) }]),
            { concurrency: "unbounded", discard: true }
          )
          return yield* wal.status
        })
      ).pipe(Effect.provide(FileIo.layerMemory(disk)))
      const commits = (yield* Metric.value(M.commits)).count - before.commits
      const fsyncs = (yield* Metric.value(M.fsyncs)).count - before.fsyncs
      const groups = (yield* Metric.value(M.groupSize)).count - before.groups
      const groupSum = (yield* Metric.value(M.groupSize)).sum - before.groupSum
      expect(commits).toBe(32)
      expect((yield* Metric.value(M.bytesWritten)).count - before.bytes).toBeGreaterThan(32 * 75)
      expect(fsyncs).toBeGreaterThan(0)
      expect(fsyncs).toBeLessThan(32) // group commit
      expect((yield* Metric.value(M.fsyncLatency)).count - before.latency).toBe(fsyncs)
      expect(groupSum).toBe(32) // every commit counted in exactly one group
      expect(groups).toBeLessThan(32)
      expect(status).toMatchObject({ nextLsn: 97n, writtenLsn: 96n, durableLsn: 96n, activeSegmentId: 1n, pendingBytes: 0, syncMode: "PerCommit" })
    }))
})
