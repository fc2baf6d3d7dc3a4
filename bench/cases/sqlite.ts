/**
 * node:sqlite (built into Node ≥ 22.5) as a peer: a table `log(seq INTEGER
 * PRIMARY KEY, payload BLOB)` in WAL journal mode, one INSERT per transaction
 * (autocommit). The API is synchronous, so committers serialise: only the
 * 1-committer case is run.
 *
 * - `synchronous=FULL`: the WAL is synced at every commit — durable.
 * - `synchronous=NORMAL`: the WAL is synced only at checkpoints — survives a
 *   process crash, not a power loss (not durable in our sense).
 *
 * @module
 */
import * as path from "node:path"
import { commitCase } from "../committer.js"
import type { BenchCase } from "../types.js"

export const SQLITE_FILE = "peer.sqlite"
export const SQLITE_SCHEMA = "CREATE TABLE IF NOT EXISTS log (seq INTEGER PRIMARY KEY, payload BLOB NOT NULL)"

const sqliteCase = (synchronous: "FULL" | "NORMAL"): BenchCase =>
  commitCase({
    id: `sqlite/wal-${synchronous.toLowerCase()}/c1`,
    role: "peer",
    store: "node:sqlite",
    mode: `WAL, synchronous=${synchronous}, 1 INSERT per transaction`,
    concurrency: 1,
    durable: synchronous === "FULL",
    syncApi: true,
    straceSyncs: true,
    open: async (dir) => {
      const { DatabaseSync } = await import("node:sqlite")
      const db = new DatabaseSync(path.join(dir, SQLITE_FILE))
      const mode = db.prepare("PRAGMA journal_mode=WAL").get()
      if (mode?.["journal_mode"] !== "wal") throw new Error(`sqlite: journal_mode is ${JSON.stringify(mode)}`)
      db.exec(`PRAGMA synchronous=${synchronous}`)
      db.exec(SQLITE_SCHEMA)
      const insert = db.prepare("INSERT INTO log (seq, payload) VALUES (?, ?)")
      return {
        commit: (c, seq) => {
          insert.run(seq, c.payload)
          return undefined
        },
        close: () => db.close()
      }
    }
  })

export const sqliteCases: ReadonlyArray<BenchCase> = [sqliteCase("FULL"), sqliteCase("NORMAL")]
