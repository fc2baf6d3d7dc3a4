/**
 * lmdb (lmdb-js 3.5.x) as a peer, uint32 sequence keys, binary values.
 *
 * - async: `put()` then await `db.flushed` (the documented "committed and
 *   flushed to disk" signal; lmdb-js batches concurrent puts into one
 *   transaction and, with overlappingSync (the Linux default), syncs it after
 *   the commit).
 * - `transactionSync(() => put)`: one synchronous transaction per commit,
 *   with the default flags (synchronous commit, flushed before returning).
 *   Synchronous API, so only 1 committer.
 *
 * @module
 */
import * as path from "node:path"
import { commitCase } from "../committer.js"
import type { BenchCase } from "../types.js"

export const LMDB_DIR = "lmdb"

export const openLmdb = async (dir: string) => {
  const { open } = await import("lmdb")
  return open<Buffer, number>({ path: path.join(dir, LMDB_DIR), encoding: "binary", keyEncoding: "uint32" })
}

const asyncCase = (concurrency: number): BenchCase =>
  commitCase({
    id: `lmdb/put-flushed/c${concurrency}`,
    role: "peer",
    store: "lmdb",
    mode: "async put(), await db.flushed",
    concurrency,
    durable: true,
    straceSyncs: true,
    open: async (dir) => {
      const db = await openLmdb(dir)
      let failure: unknown = undefined
      const remember = (e: unknown) => {
        failure ??= e
      }
      return {
        commit: (c, seq) => {
          if (failure !== undefined) throw failure
          db.put(seq, c.payload as Buffer).then(undefined, remember)
          return db.flushed
        },
        close: () => db.close()
      }
    }
  })

export const lmdbCases: ReadonlyArray<BenchCase> = [
  ...[1, 16, 256].map(asyncCase),
  commitCase({
    id: "lmdb/transaction-sync/c1",
    role: "peer",
    store: "lmdb",
    mode: "transactionSync(() => put()) per commit",
    concurrency: 1,
    durable: true,
    syncApi: true,
    straceSyncs: true,
    open: async (dir) => {
      const db = await openLmdb(dir)
      return {
        commit: (c, seq) => {
          db.transactionSync(() => {
            void db.put(seq, c.payload as Buffer)
          })
          return undefined
        },
        close: () => db.close()
      }
    }
  })
]
