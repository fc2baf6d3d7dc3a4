/**
 * Recovery: reopen a store and read everything back, as a log's replay does.
 *
 * A `prepare` process loads `params.recoveryBytes` of workload payloads
 * (`--recovery-mb`; bulk, not timed) and closes the store cleanly. It runs
 * once per store: the warm and cold cases of a store share that directory as
 * a fixture, which the runner copies into each repetition's fresh directory.
 * `run` — a fresh process, so its peak RSS is the scan's — imports the
 * library, optionally drops the page cache (`cold`), then times the reopen
 * and a full scan touching every record.
 *
 * Cold needs `sync` + `echo 3 > /proc/sys/vm/drop_caches` (root, not in a
 * read-only /proc); when that fails the result says "cold unavailable" and
 * nothing is measured. Dropping the cache is machine-wide: other processes'
 * files are evicted too.
 *
 * Stores: the raw framed log (u32 length + u32 CRC-32 + payload, CRC checked
 * on read, the floor), node:sqlite, classic-level, lmdb. The peers' scans
 * hand back payload bytes (nothing decoded); effect-wal's replay (in
 * `effect-wal.ts`, through {@link recoveryCase}) checks framing and CRC and
 * decodes every LW1 event.
 *
 * @module
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import * as zlib from "node:zlib"
import type { BenchCase, CaseRole, RecoveryResult } from "../types.js"
import { makeCommitPool, type Commit } from "../workload.js"
import { LEVEL_DIR, levelKey } from "./level.js"
import { openLmdb } from "./lmdb.js"
import { SQLITE_FILE, SQLITE_SCHEMA } from "./sqlite.js"

/** An opened store, ready to be scanned. */
export interface Reopened {
  /** Reads every record; returns how many and their payload bytes. */
  readonly scan: () => Promise<{ readonly records: number; readonly bytes: number }>
  readonly close: () => Promise<void> | void
}

/** How a store takes part in the recovery benchmark. */
export interface RecoveryStore {
  /** Imports the store's library (before the cache is dropped and before timing). */
  readonly load: () => Promise<void>
  /** Writes `count` commits (cycling through `pool`, keys 0..count−1) and closes cleanly. Not timed. */
  readonly fill: (dir: string, pool: ReadonlyArray<Commit>, count: number) => Promise<void>
  /**
   * Reopens the store in `dir` (timed). `visit`, when given, is called with
   * every payload the scan reads (the "+ LW1 decode" variants decode it).
   */
  readonly reopen: (dir: string, visit?: (payload: Uint8Array) => void) => Promise<Reopened>
}

const POOL = 256

/** Drops the page cache; returns null when it worked, else why not. */
const dropCaches = (): string | null => {
  try {
    execFileSync("sync")
    fs.writeFileSync("/proc/sys/vm/drop_caches", "3")
    return null
  } catch (e) {
    return e instanceof Error ? e.message.split("\n")[0] ?? String(e) : String(e)
  }
}

const diskUsage = (p: string): number => {
  const st = fs.statSync(p)
  if (!st.isDirectory()) return st.size
  let n = 0
  for (const e of fs.readdirSync(p)) n += diskUsage(path.join(p, e))
  return n
}

const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10

/** Builds the warm or cold recovery case of one store. */
export const recoveryCase = (opts: {
  readonly id: string
  readonly role: CaseRole
  readonly store: string
  readonly mode: string
  readonly cache: "warm" | "cold"
  readonly impl: RecoveryStore
  /** Shared prepared directory (see `BenchCase.fixture`); default `recovery/<store id>`. */
  readonly fixture?: string
  /** Decode every payload with LW1 `decodeBatch` during the scan (the same work effect-wal's replay does). */
  readonly decode?: boolean
}): BenchCase => ({
  id: opts.id,
  kind: "recovery",
  role: opts.role,
  store: opts.store,
  mode: `${opts.mode} (${opts.cache})`,
  concurrency: 1,
  durable: true,
  fixture: opts.fixture ?? opts.id.replace(/\/(warm|cold)$/, ""),
  prepare: async (dir, params) => {
    await opts.impl.load()
    const pool = makeCommitPool(POOL)
    const count = Math.max(1, Math.round(params.recoveryBytes / pool[0]!.payload.length))
    await opts.impl.fill(dir, pool, count)
  },
  run: async (dir): Promise<RecoveryResult> => {
    await opts.impl.load()
    if (opts.cache === "cold") {
      const why = dropCaches()
      if (why !== null) return { kind: "recovery", cache: "cold unavailable", reason: why }
    }
    let visit: ((payload: Uint8Array) => void) | undefined
    if (opts.decode === true) {
      const { decodeBatch } = await import("../../src/event/LW1.js")
      let events = 0
      visit = (p) => {
        events += decodeBatch(p).length
      }
      if (events < 0) throw new Error("unreachable")
    }
    const baseRssMb = mb(process.memoryUsage().rss)
    const t0 = process.hrtime.bigint()
    const store = await opts.impl.reopen(dir, visit)
    const t1 = process.hrtime.bigint()
    const { records, bytes } = await store.scan()
    const t2 = process.hrtime.bigint()
    await store.close()
    const openMs = Number(t1 - t0) / 1e6
    const scanMs = Number(t2 - t1) / 1e6
    return {
      kind: "recovery",
      cache: opts.cache,
      records,
      bytes,
      openMs,
      scanMs,
      mbPerSec: bytes / 1e6 / ((openMs + scanMs) / 1000),
      peakRssMb: mb(process.resourceUsage().maxRSS * 1024),
      baseRssMb,
      diskBytes: diskUsage(dir)
    }
  }
})

// ---------------------------------------------------------------------------
// raw framed log: [u32 LE length][u32 LE CRC-32 of payload][payload] …

/** zlib's native CRC-32 (IEEE, same as lora-wal's); the floor uses the fastest one Node has. */
const crc32 = (data: Uint8Array): number => zlib.crc32(data)

const RAW_FILE = "floor.log"
const FRAME = 8

const rawLog: RecoveryStore = {
  load: async () => {},
  fill: async (dir, pool, count) => {
    const crc = crc32
    const fd = fs.openSync(path.join(dir, RAW_FILE), "w")
    const chunk = Buffer.alloc(4 * 1024 * 1024)
    let used = 0
    let pos = 0
    const flush = () => {
      fs.writeSync(fd, chunk, 0, used, pos)
      pos += used
      used = 0
    }
    for (let i = 0; i < count; i++) {
      const p = pool[i % pool.length]!.payload
      if (used + FRAME + p.length > chunk.length) flush()
      chunk.writeUInt32LE(p.length, used)
      chunk.writeUInt32LE(crc(p) >>> 0, used + 4)
      chunk.set(p, used + FRAME)
      used += FRAME + p.length
    }
    flush()
    fs.fsyncSync(fd)
    fs.closeSync(fd)
  },
  reopen: async (dir, visit) => {
    const crc = crc32
    const fd = fs.openSync(path.join(dir, RAW_FILE), "r")
    return {
      scan: async () => {
        const size = 1024 * 1024
        let buf = Buffer.alloc(size)
        let have = 0 // bytes in buf
        let filePos = 0
        let records = 0
        let bytes = 0
        for (;;) {
          const n = fs.readSync(fd, buf, have, buf.length - have, filePos)
          filePos += n
          have += n
          let off = 0
          while (have - off >= FRAME) {
            const len = buf.readUInt32LE(off)
            if (have - off < FRAME + len) {
              if (FRAME + len > buf.length) {
                const bigger = Buffer.alloc(FRAME + len)
                buf.copy(bigger, 0, off, have)
                buf = bigger
                have -= off
                off = 0
              }
              break
            }
            const payload = buf.subarray(off + FRAME, off + FRAME + len)
            if (crc(payload) >>> 0 !== buf.readUInt32LE(off + 4)) throw new Error(`CRC mismatch at record ${records}`)
            if (visit !== undefined) visit(payload)
            records++
            bytes += len
            off += FRAME + len
          }
          if (off > 0) {
            buf.copy(buf, 0, off, have)
            have -= off
          }
          if (n === 0) break
        }
        if (have !== 0) throw new Error(`torn tail: ${have} bytes`)
        return { records, bytes }
      },
      close: () => fs.closeSync(fd)
    }
  }
}

// ---------------------------------------------------------------------------
// node:sqlite

type Sqlite = typeof import("node:sqlite")
let sqliteMod: Sqlite | undefined

const sqlite: RecoveryStore = {
  load: async () => {
    sqliteMod ??= await import("node:sqlite")
  },
  fill: async (dir, pool, count) => {
    const db = new sqliteMod!.DatabaseSync(path.join(dir, SQLITE_FILE))
    db.exec("PRAGMA journal_mode=WAL")
    db.exec("PRAGMA synchronous=NORMAL")
    db.exec(SQLITE_SCHEMA)
    const insert = db.prepare("INSERT INTO log (seq, payload) VALUES (?, ?)")
    for (let i = 0; i < count; i += 5000) {
      db.exec("BEGIN")
      for (let j = i; j < Math.min(count, i + 5000); j++) insert.run(j, pool[j % pool.length]!.payload)
      db.exec("COMMIT")
    }
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
  },
  reopen: async (dir) => {
    const db = new sqliteMod!.DatabaseSync(path.join(dir, SQLITE_FILE))
    return {
      scan: async () => {
        const st = db.prepare("SELECT payload FROM log ORDER BY seq")
        st.setReturnArrays(true)
        let records = 0
        let bytes = 0
        for (const row of st.iterate()) {
          const v = (row as unknown as ReadonlyArray<Uint8Array>)[0]!
          bytes += v.length
          records++
        }
        return { records, bytes }
      },
      close: () => db.close()
    }
  }
}

// ---------------------------------------------------------------------------
// classic-level

type LevelMod = typeof import("classic-level")
let levelMod: LevelMod | undefined

const openLevel = async (dir: string) => {
  const db = new levelMod!.ClassicLevel<Uint8Array, Uint8Array>(path.join(dir, LEVEL_DIR), {
    keyEncoding: "view",
    valueEncoding: "view"
  })
  await db.open()
  return db
}

const level: RecoveryStore = {
  load: async () => {
    levelMod ??= await import("classic-level")
  },
  fill: async (dir, pool, count) => {
    const db = await openLevel(dir)
    for (let i = 0; i < count; i += 1000) {
      const ops = []
      for (let j = i; j < Math.min(count, i + 1000); j++)
        ops.push({ type: "put" as const, key: levelKey(j), value: pool[j % pool.length]!.payload })
      await db.batch(ops)
    }
    await db.close()
  },
  reopen: async (dir) => {
    const db = await openLevel(dir)
    return {
      scan: async () => {
        const it = db.iterator()
        let records = 0
        let bytes = 0
        for (;;) {
          const entries = await it.nextv(1000)
          if (entries.length === 0) break
          for (const [, v] of entries) {
            bytes += v.length
            records++
          }
        }
        await it.close()
        return { records, bytes }
      },
      close: () => db.close()
    }
  }
}

// ---------------------------------------------------------------------------
// lmdb

const lmdb: RecoveryStore = {
  load: async () => {
    await import("lmdb")
  },
  fill: async (dir, pool, count) => {
    const db = await openLmdb(dir)
    for (let i = 0; i < count; i += 5000) {
      db.transactionSync(() => {
        for (let j = i; j < Math.min(count, i + 5000); j++) void db.put(j, pool[j % pool.length]!.payload as Buffer)
      })
    }
    await db.flushed
    await db.close()
  },
  reopen: async (dir, visit) => {
    const db = await openLmdb(dir)
    return {
      scan: async () => {
        let records = 0
        let bytes = 0
        for (const { value } of db.getRange()) {
          if (visit !== undefined) visit(value)
          bytes += value.length
          records++
        }
        return { records, bytes }
      },
      close: () => db.close()
    }
  }
}

const STORES: ReadonlyArray<readonly [string, string, string, RecoveryStore]> = [
  ["raw", "raw file", "framed log (len + CRC-32), sequential read, CRC checked", rawLog],
  ["sqlite", "node:sqlite", "SELECT payload ORDER BY seq", sqlite],
  ["level", "classic-level", "iterator.nextv(1000)", level],
  ["lmdb", "lmdb", "getRange()", lmdb]
]

export const recoveryCases: ReadonlyArray<BenchCase> = [
  ...STORES.flatMap(([key, store, mode, impl]) =>
    (["warm", "cold"] as const).map((cache) =>
      recoveryCase({
        id: `recovery/${key}/${cache}`,
        role: key === "raw" ? "floor" : "peer",
        store,
        mode,
        cache,
        impl
      })
    )
  ),
  // The same scans plus an LW1 decode of every payload: what recovering *events* (not bytes) costs
  // there, i.e. the work effect-wal's replay does. Warm only; same fixtures as the plain scans.
  recoveryCase({
    id: "recovery/raw-decode/warm",
    role: "floor",
    store: "raw file + LW1 decode",
    mode: "framed log, CRC checked, decodeBatch per record",
    cache: "warm",
    fixture: "recovery/raw",
    decode: true,
    impl: rawLog
  }),
  recoveryCase({
    id: "recovery/lmdb-decode/warm",
    role: "peer",
    store: "lmdb + LW1 decode",
    mode: "getRange(), decodeBatch per record",
    cache: "warm",
    fixture: "recovery/lmdb",
    decode: true,
    impl: lmdb
  })
]
