/**
 * classic-level (LevelDB) as a peer: one `batch([put])` with `{ sync: true }`
 * per commit, 8-byte big-endian sequence keys, the payload as the value.
 *
 * LevelDB coalesces concurrent writers itself, but each pending write holds a
 * libuv threadpool thread (4 by default), so the default pool caps it. Both
 * the default pool and UV_THREADPOOL_SIZE=64 are run and labelled.
 *
 * @module
 */
import * as path from "node:path"
import { commitCase } from "../committer.js"
import type { BenchCase } from "../types.js"

export const LEVEL_DIR = "level"

/** 8-byte big-endian key: lexicographic order = commit order. */
export const levelKey = (seq: number): Uint8Array => {
  const k = new Uint8Array(8)
  const v = new DataView(k.buffer)
  v.setUint32(0, Math.floor(seq / 0x1_0000_0000))
  v.setUint32(4, seq >>> 0)
  return k
}

const levelCase = (concurrency: number, pool: "default" | "64"): BenchCase =>
  commitCase({
    id: `level/batch-sync${pool === "64" ? "-uv64" : ""}/c${concurrency}`,
    role: "peer",
    store: "classic-level",
    mode:
      pool === "64"
        ? "batch {sync:true} per commit, UV_THREADPOOL_SIZE=64"
        : "batch {sync:true} per commit, default libuv pool (4)",
    concurrency,
    durable: true,
    straceSyncs: true,
    ...(pool === "64" ? { env: { UV_THREADPOOL_SIZE: "64" } } : {}),
    open: async (dir) => {
      const { ClassicLevel } = await import("classic-level")
      const db = new ClassicLevel<Uint8Array, Uint8Array>(path.join(dir, LEVEL_DIR), {
        keyEncoding: "view",
        valueEncoding: "view"
      })
      await db.open()
      return {
        commit: (c, seq) => db.batch([{ type: "put", key: levelKey(seq), value: c.payload }], { sync: true }),
        close: () => db.close()
      }
    }
  })

export const levelCases: ReadonlyArray<BenchCase> = [1, 16, 256].flatMap((n) => [
  levelCase(n, "default"),
  levelCase(n, "64")
])
