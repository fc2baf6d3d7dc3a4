/**
 * The raw-file floors: what a plain file gives before any log format or
 * library is added. Each counts its own fsync/fdatasync calls.
 *
 * - `floor/sync-fdatasync/c1` — THE floor: `writeSync` + `fdatasyncSync` per
 *   commit, appending (every commit grows the file).
 * - `floor/write-only/c1` — `writeSync` only, no sync (not durable).
 * - `floor/prealloc-fdatasync/c1` — reference: overwrite an already-written
 *   (preallocated) file + `fdatasyncSync`, no size change per commit.
 * - `floor/group-commit/cN` — the hand-rolled group commit: concurrent
 *   committers coalesced into one `fs.write` + one `fs.fdatasync` per batch
 *   (async API), one shared completion per batch, and one `setImmediate`
 *   yield after acknowledging a batch before taking the next.
 *
 * @module
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { commitCase, type CommitStore } from "../committer.js"
import type { BenchCase } from "../types.js"

const STORE = "raw file"

/** THE floor: every ratio "× floor" in the tables divides by this case. */
export const FLOOR_ID = "floor/sync-fdatasync/c1"
/** The group-commit floor at `concurrency` committers ("× floor@c"). */
export const groupFloorId = (concurrency: number): string => `floor/group-commit/c${concurrency}`

const openLog = (dir: string): number => fs.openSync(path.join(dir, "floor.log"), "w")

const syncPerCommit = (dir: string, sync: boolean): CommitStore => {
  const fd = openLog(dir)
  let pos = 0
  let syncs = 0
  return {
    commit: (c) => {
      const n = c.payload.length
      let off = 0
      while (off < n) off += fs.writeSync(fd, c.payload, off, n - off, pos + off)
      pos += n
      if (sync) {
        fs.fdatasyncSync(fd)
        syncs++
      }
      return undefined
    },
    close: () => fs.closeSync(fd),
    syncCount: () => syncs
  }
}

/** Bytes written (and synced) before the measured run of the preallocated variant. */
const preallocBytes = (quick: boolean) => (quick ? 4 : 64) * 1024 * 1024

const preallocated = (dir: string, quick: boolean): CommitStore => {
  const fd = openLog(dir)
  const size = preallocBytes(quick)
  const zeros = Buffer.alloc(1024 * 1024)
  for (let off = 0; off < size; off += zeros.length) fs.writeSync(fd, zeros, 0, zeros.length, off)
  fs.fsyncSync(fd)
  let syncs = 1
  let pos = 0
  return {
    commit: (c) => {
      const n = c.payload.length
      if (pos + n > size) pos = 0 // wrap: stays inside the already-written range
      let off = 0
      while (off < n) off += fs.writeSync(fd, c.payload, off, n - off, pos + off)
      pos += n
      fs.fdatasyncSync(fd)
      syncs++
      return undefined
    },
    close: () => fs.closeSync(fd),
    syncCount: () => syncs
  }
}

interface Deferred {
  readonly promise: Promise<void>
  readonly resolve: () => void
  readonly reject: (e: unknown) => void
}

const deferred = (): Deferred => {
  let resolve!: () => void
  let reject!: (e: unknown) => void
  const promise = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

const writeAt = (fd: number, buf: Uint8Array, pos: number): Promise<void> =>
  new Promise((resolve, reject) => {
    const step = (off: number): void =>
      fs.write(fd, buf, off, buf.length - off, pos + off, (err, n) => {
        if (err) return reject(err)
        if (off + n < buf.length) return step(off + n)
        resolve()
      })
    step(0)
  })

const fdatasync = (fd: number): Promise<void> =>
  new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())))

const yieldOnce = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/**
 * Group commit over the async file API. Committers append to `queue` and all
 * await the same {@link Deferred} (the batch being formed); one flush loop
 * takes the whole queue, writes it with one `fs.write`, syncs once, resolves
 * the batch, then yields once so the acknowledged committers can enqueue
 * their next commit before the next batch is taken (without the yield,
 * batches alternate between 1 and N−1).
 */
class GroupCommitFloor implements CommitStore {
  private queue: Array<Uint8Array> = []
  private queuedBytes = 0
  private forming: Deferred | undefined
  private running = false
  private pos = 0
  private syncs = 0
  private batches = 0
  private batched = 0
  private maxBatch = 0

  constructor(private readonly fd: number) {}

  readonly commit = (c: { readonly payload: Uint8Array }): Promise<void> => {
    this.queue.push(c.payload)
    this.queuedBytes += c.payload.length
    const batch = (this.forming ??= deferred())
    if (!this.running) {
      this.running = true
      void this.flushLoop()
    }
    return batch.promise
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const items = this.queue
        const bytes = this.queuedBytes
        const done = this.forming!
        this.queue = []
        this.queuedBytes = 0
        this.forming = undefined
        try {
          const buf = items.length === 1 ? items[0]! : Buffer.concat(items, bytes)
          await writeAt(this.fd, buf, this.pos)
          this.pos += bytes
          await fdatasync(this.fd)
          this.syncs++
        } catch (e) {
          done.reject(e)
          throw e
        }
        this.batches++
        this.batched += items.length
        if (items.length > this.maxBatch) this.maxBatch = items.length
        done.resolve()
        await yieldOnce()
      }
    } catch (e) {
      this.forming?.reject(e)
      this.forming = undefined
    } finally {
      this.running = false
    }
  }

  readonly close = (): void => fs.closeSync(this.fd)
  readonly syncCount = (): number => this.syncs
  readonly extra = () => ({
    meanBatch: this.batches === 0 ? 0 : Math.round((this.batched / this.batches) * 10) / 10,
    maxBatch: this.maxBatch
  })
}

export const floorCases: ReadonlyArray<BenchCase> = [
  commitCase({
    id: FLOOR_ID,
    role: "floor",
    store: STORE,
    mode: "writeSync + fdatasyncSync per commit (append) — the floor",
    concurrency: 1,
    durable: true,
    syncApi: true,
    straceSyncs: true,
    open: async (dir) => syncPerCommit(dir, true)
  }),
  commitCase({
    id: "floor/write-only/c1",
    role: "floor",
    store: STORE,
    mode: "writeSync only, no sync (append)",
    concurrency: 1,
    durable: false,
    syncApi: true,
    open: async (dir) => syncPerCommit(dir, false)
  }),
  commitCase({
    id: "floor/prealloc-fdatasync/c1",
    role: "floor",
    store: STORE,
    mode: "writeSync into a preallocated file + fdatasyncSync per commit",
    concurrency: 1,
    durable: true,
    syncApi: true,
    open: async (dir, params) => preallocated(dir, params.quick)
  }),
  ...[1, 16, 256].map((n) =>
    commitCase({
      id: groupFloorId(n),
      role: "floor",
      store: STORE,
      mode: "group commit: 1 fs.write + 1 fs.fdatasync per batch (async API)",
      concurrency: n,
      durable: true,
      straceSyncs: true,
      open: async (dir) => new GroupCommitFloor(openLog(dir))
    })
  )
]
