/**
 * Test support for the `Wal` behaviour suites: temporary directories, opening
 * a log on real files or on the in-memory disk, sample events, hand-made
 * segment files (written with the format module's own writers), a segment
 * parser for byte-level assertions, and a counting `FileIo` wrapper.
 *
 * Nothing here reimplements the log: helpers only build inputs and inspect
 * outputs.
 */
import { Effect, Layer, type Scope } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { LW1Codec } from "../../src/event/LW1.js"
import type { MutationEvent } from "../../src/event/MutationEvent.js"
import { properties, Pv } from "../../src/event/PropertyValue.js"
import { ByteWriter } from "../../src/format/Bytes.js"
import { decodeRecordAt, type WalRecord, writeRecord } from "../../src/format/Record.js"
import { decodeSegmentHeader, encodeSegmentHeader, SEGMENT_HEADER_SIZE, SegmentHeader } from "../../src/format/SegmentHeader.js"
import { FileIo, type FileHandle, type FileIoShape, type MemoryDisk } from "../../src/io/FileIo.js"
import type { Lsn } from "../../src/Lsn.js"
import type { CommittedTransaction } from "../../src/Replay.js"
import { makeWal, Wal, type WalConfig, type WalService } from "../../src/Wal.js"
import type { WalError } from "../../src/WalError.js"

export type Ev = MutationEvent
export type Log = WalService<MutationEvent>

// ---------------------------------------------------------------------------
// Directories

/** A fresh temporary directory on the real file system (removed by {@link scopedTempDir} or by the OS). */
export const tempDir = (prefix = "wal"): string => Fs.mkdtempSync(Path.join(Os.tmpdir(), `effect-wal-${prefix}-`))

/** A fresh temporary directory removed when the current scope closes. */
export const scopedTempDir = (prefix = "wal"): Effect.Effect<string, never, Scope.Scope> =>
  Effect.acquireRelease(Effect.sync(() => tempDir(prefix)), (d) => Effect.sync(() => Fs.rmSync(d, { recursive: true, force: true })))

let memDirCounter = 0
/** A directory path unique within this process, for the in-memory disk (the in-memory lock registry is process-wide). */
export const memDir = (label = "w"): string => `/mem-${process.pid}-${++memDirCounter}-${label}`

/** Names in `dir` (real file system), sorted. */
export const listDir = (dir: string): Array<string> => Fs.readdirSync(dir).sort()

/** Segment file names in `dir` (real file system), sorted. */
export const walFiles = (dir: string): Array<string> => listDir(dir).filter((f) => f.endsWith(".wal"))

/** Sizes of the segment files of `dir` (real file system), by name. */
export const walSizes = (dir: string): Record<string, number> =>
  Object.fromEntries(walFiles(dir).map((f) => [f, Fs.statSync(Path.join(dir, f)).size]))

/** Contents of every file of `dir` (real file system), by name: to prove nothing changed. */
export const dirSnapshot = (dir: string): Record<string, string> =>
  Object.fromEntries(listDir(dir).map((f) => [f, Fs.readFileSync(Path.join(dir, f)).toString("hex")]))

/** Contents of every file under `dir` on the in-memory disk, by base name. */
export const memSnapshot = (disk: MemoryDisk, dir: string): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [p, bytes] of disk.files()) if (Path.dirname(p) === Path.resolve("/", dir)) out[Path.basename(p)] = hexOf(bytes)
  return out
}

// ---------------------------------------------------------------------------
// Opening a log

/** Runs `body` with a log opened by `Wal.layer(config)` on real files; the log closes when `body` ends. */
export const withDiskWal = <A, E, R>(
  config: WalConfig<MutationEvent>,
  body: (wal: Log) => Effect.Effect<A, E, R>
): Effect.Effect<A, E | WalError, Exclude<R, Wal>> =>
  Wal.use(body).pipe(Effect.provide(Wal.layer(config))) as Effect.Effect<A, E | WalError, Exclude<R, Wal>>

/** The `Wal` layer on the in-memory disk `disk`. */
export const memLayer = (disk: MemoryDisk, config: WalConfig<MutationEvent>): Layer.Layer<Wal, WalError> =>
  Wal.layerWith(config).pipe(Layer.provide(FileIo.layerMemory(disk)))

/** The `Wal` layer on any `FileIoShape` (fault-injecting or counting wrappers). */
export const ioLayer = (io: FileIoShape, config: WalConfig<MutationEvent>): Layer.Layer<Wal, WalError> =>
  Wal.layerWith(config).pipe(Layer.provide(Layer.succeed(FileIo, io)))

/** Runs `body` with a log opened by `Wal.layerWith(config)` on `io`; the log closes when `body` ends. */
export const withIoWal = <A, E, R>(
  io: FileIoShape,
  config: WalConfig<MutationEvent>,
  body: (wal: Log) => Effect.Effect<A, E, R>
): Effect.Effect<A, E | WalError, Exclude<R, Wal>> =>
  Wal.use(body).pipe(Effect.provide(ioLayer(io, config))) as Effect.Effect<A, E | WalError, Exclude<R, Wal>>

/** Runs `body` with a log on the in-memory disk `disk`. */
export const withMemWal = <A, E, R>(
  disk: MemoryDisk,
  config: WalConfig<MutationEvent>,
  body: (wal: Log) => Effect.Effect<A, E, R>
): Effect.Effect<A, E | WalError, Exclude<R, Wal>> => withIoWal(disk.io, config, body)

/**
 * Opens a log on `io` and returns it with the transactions recovered (collected through
 * `onRecover`, so each one's boundaries are kept), for the lifetime of the current scope.
 */
export const openCollecting = (
  io: FileIoShape,
  config: WalConfig<MutationEvent>
): Effect.Effect<{ readonly wal: Log; readonly txs: ReadonlyArray<CommittedTransaction<MutationEvent>> }, WalError, Scope.Scope> =>
  Effect.gen(function* () {
    const txs: Array<CommittedTransaction<MutationEvent>> = []
    const wal = yield* makeWal({ ...config, onRecover: (tx) => Effect.sync(() => void txs.push(tx)) }).pipe(
      Effect.provideService(FileIo, io)
    )
    return { wal, txs }
  })

/** Runs `eff` and returns its typed failure; fails the test (as a defect) if it succeeds. */
export const failureOf = <A, E, R>(eff: Effect.Effect<A, E, R>): Effect.Effect<E, never, R> =>
  Effect.flip(eff).pipe(Effect.catch((a) => Effect.die(new Error(`expected a failure, got success: ${String(a)}`))))

// ---------------------------------------------------------------------------
// Events

/** The Appendix B / §8.3 event: CreateNode {1, ["Person"], {name: "Ada", age: 36}}. */
export const ada: Ev = {
  _tag: "CreateNode",
  id: 1n,
  labels: ["Person"],
  properties: properties({ name: Pv.string("Ada"), age: Pv.int(36) })
}

/** A small CreateNode with id `id` and an Int property. */
export const node = (id: number | bigint, n = 0): Ev => ({
  _tag: "CreateNode",
  id: BigInt(id),
  labels: ["N"],
  properties: properties({ n: Pv.int(n) })
})

/** A CreateNode whose String property makes the event about `bytes` long (forces rotation with a small target). */
export const bigNode = (id: number | bigint, bytes: number): Ev => ({
  _tag: "CreateNode",
  id: BigInt(id),
  labels: ["Big"],
  properties: properties({ blob: Pv.string("x".repeat(Math.max(0, bytes))) })
})

/** A SetNodeProperty event. */
export const setProp = (nodeId: number | bigint, key: string, value: number): Ev => ({
  _tag: "SetNodeProperty",
  nodeId: BigInt(nodeId),
  key,
  value: Pv.int(value)
})

// ---------------------------------------------------------------------------
// Hand-made segments (written with the format module's writers)

/** The three records of a committed transaction starting at `begin`: TxBegin, MutationBatch, TxCommit. */
export const txRecords = (begin: bigint, events: ReadonlyArray<Ev>): Array<WalRecord<Ev>> => [
  { _tag: "TxBegin", lsn: begin as Lsn },
  { _tag: "MutationBatch", lsn: (begin + 1n) as Lsn, txBeginLsn: begin as Lsn, events },
  { _tag: "TxCommit", lsn: (begin + 2n) as Lsn, txBeginLsn: begin as Lsn }
]

/** The bytes of a segment file: a header with `baseLsn` / `sealed`, then `records` back to back. */
export const segmentBytes = (baseLsn: bigint, sealed: boolean, records: ReadonlyArray<WalRecord<Ev>>): Uint8Array => {
  const w = new ByteWriter()
  w.raw(encodeSegmentHeader(baseLsn as Lsn, sealed))
  for (const r of records) writeRecord(w, LW1Codec, r)
  return w.toUint8Array()
}

/** Writes a segment file (real file system or in-memory disk through `io`). */
export const writeFileWith = (io: FileIoShape, path: string, bytes: Uint8Array): Effect.Effect<void, WalError> =>
  Effect.gen(function* () {
    yield* io.mkdirp(Path.dirname(path))
    const h: FileHandle = yield* io.open(path, "create")
    yield* h.write(bytes, 0)
    yield* h.sync
    yield* h.close
    yield* io.syncDir(Path.dirname(path))
  })

// ---------------------------------------------------------------------------
// Inspecting segments

/** A parsed segment file: its header and every record up to the first unreadable one. */
export interface ParsedSegment {
  readonly header: SegmentHeader
  readonly records: ReadonlyArray<{ readonly offset: number; readonly length: number; readonly record: WalRecord<Ev> }>
  /** Offset of the first unreadable record, if any bytes follow the last good one. */
  readonly badAt: number | undefined
  readonly size: number
}

/** Parses the bytes of a segment file with the format module's decoders. Throws on a bad header. */
export const parseSegment = (bytes: Uint8Array): ParsedSegment => {
  const header = decodeSegmentHeader(bytes.subarray(0, SEGMENT_HEADER_SIZE))
  if (!(header instanceof SegmentHeader)) throw new Error(`bad header: ${header.message}`)
  const records: Array<{ offset: number; length: number; record: WalRecord<Ev> }> = []
  let off = SEGMENT_HEADER_SIZE
  for (;;) {
    const r = decodeRecordAt(bytes, off, LW1Codec)
    if (r._tag === "End") return { header, records, badAt: undefined, size: bytes.length }
    if (r._tag === "Failure") return { header, records, badAt: off, size: bytes.length }
    records.push({ offset: off, length: r.frame.length, record: r.record })
    off += r.frame.length
  }
}

/** Parses every segment file of `dir` on the real file system, ascending by name. */
export const parseDiskSegments = (dir: string): Array<{ readonly name: string } & ParsedSegment> =>
  walFiles(dir).map((name) => ({ name, ...parseSegment(new Uint8Array(Fs.readFileSync(Path.join(dir, name)))) }))

/** Parses every segment file of `dir` on the in-memory disk, ascending by name. */
export const parseMemSegments = (disk: MemoryDisk, dir: string): Array<{ readonly name: string } & ParsedSegment> => {
  const root = Path.resolve("/", dir)
  return [...disk.files()]
    .filter(([p]) => Path.dirname(p) === root && p.endsWith(".wal"))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([p, bytes]) => ({ name: Path.basename(p), ...parseSegment(bytes) }))
}

// ---------------------------------------------------------------------------
// Counting wrapper

/** Wraps `inner` and counts `write`, `sync`, `datasync` and `syncDir` calls (for group-commit assertions on real files). */
export const countingFileIo = (inner: FileIoShape): { readonly io: FileIoShape; readonly counts: Map<string, number> } => {
  const counts = new Map<string, number>()
  const bump = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1)
  const wrap = (h: FileHandle): FileHandle => ({
    ...h,
    write: (b, p) => Effect.suspend(() => (bump("write"), h.write(b, p))),
    sync: Effect.suspend(() => (bump("sync"), h.sync)),
    datasync: Effect.suspend(() => (bump("datasync"), h.datasync))
  })
  return {
    counts,
    io: {
      ...inner,
      open: (p, m) => Effect.map(inner.open(p, m), wrap),
      syncDir: (d) => Effect.suspend(() => (bump("syncDir"), inner.syncDir(d)))
    }
  }
}

/** `sync` + `datasync` calls in a counts map. */
export const fsyncs = (counts: ReadonlyMap<string, number>): number => (counts.get("sync") ?? 0) + (counts.get("datasync") ?? 0)

// ---------------------------------------------------------------------------
// Bytes

export const hexOf = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex")
export const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s+/g, ""), "hex"))
