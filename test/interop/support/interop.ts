/**
 * Helpers shared by the interoperability tests: temp directories and child
 * processes that are always cleaned up, read-only replay of a directory into
 * transactions, and the byte-level check that every record of a directory
 * re-encodes to the bytes on disk.
 *
 * @module
 */
import { Effect } from "effect"
import * as Child from "node:child_process"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { LW1Codec } from "../../../src/event/LW1.js"
import type { MutationEvent } from "../../../src/event/MutationEvent.js"
import type { PropertyValue } from "../../../src/event/PropertyValue.js"
import { ByteWriter } from "../../../src/format/Bytes.js"
import { RECORD_KIND_NAMES, type RecordKindName, writeRecord } from "../../../src/format/Record.js"
import { encodeSegmentHeader } from "../../../src/format/SegmentHeader.js"
import { FileIo } from "../../../src/io/FileIo.js"
import { type CommittedTransaction, replayDirectory, type ReplayOutcome } from "../../../src/Replay.js"
import { listSegments, readSegmentHeader } from "../../../src/SegmentDir.js"
import { scanSegmentFile } from "../../../src/segment/SegmentReader.js"

/** This directory (`test/interop/support`). */
export const SUPPORT_DIR = Path.dirname(fileURLToPath(import.meta.url))
/** The project root. */
export const PROJECT_ROOT = Path.resolve(SUPPORT_DIR, "..", "..", "..")

// ---------------------------------------------------------------------------
// Temp directories and children, cleaned up in afterEach / afterAll

const dirs = new Set<string>()
const children = new Set<Child.ChildProcess>()

/** A fresh temp directory, removed by {@link cleanup}. */
export const tempDir = (prefix: string): string => {
  const d = Fs.mkdtempSync(Path.join(Os.tmpdir(), `effect-wal-${prefix}-`))
  dirs.add(d)
  return d
}

/** Kills (SIGKILL) every child still running and removes every temp directory. Safe to call twice. */
export const cleanup = async (): Promise<void> => {
  await Promise.all([...children].map((c) => killChild(c)))
  children.clear()
  for (const d of dirs) Fs.rmSync(d, { recursive: true, force: true })
  dirs.clear()
}

/** SIGKILLs `child` (if it still runs) and resolves once it has exited. */
export const killChild = (child: Child.ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    children.delete(child)
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once("exit", () => resolve())
    child.kill("SIGKILL")
  })

/** A running child with its output so far. */
export interface RunningChild {
  readonly child: Child.ChildProcess
  /** Everything written to stdout so far. */
  readonly stdout: () => string
  /** Everything written to stderr so far. */
  readonly stderr: () => string
  /** Resolves with the exit code (null when killed by a signal) and signal. */
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
  /** Resolves once stdout holds a line equal to `line`; rejects if the child exits first or after `timeoutMs`. */
  readonly waitForLine: (line: string, timeoutMs?: number) => Promise<void>
}

/** Spawns `node <script> ...args` (the running Node binary), registered for cleanup. */
export const spawnNode = (script: string, args: ReadonlyArray<string>): RunningChild => {
  const child = Child.spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "pipe"], cwd: PROJECT_ROOT })
  children.add(child)
  let out = ""
  let err = ""
  const listeners = new Set<() => void>()
  child.stdout!.setEncoding("utf8").on("data", (d: string) => {
    out += d
    for (const l of listeners) l()
  })
  child.stderr!.setEncoding("utf8").on("data", (d: string) => {
    err += d
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("exit", (code, signal) => {
      children.delete(child)
      resolve({ code, signal })
      for (const l of listeners) l()
    })
  })
  const waitForLine = (line: string, timeoutMs = 20_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (out.split("\n").includes(line)) {
          done()
          resolve()
        } else if (child.exitCode !== null || child.signalCode !== null) {
          done()
          reject(new Error(`child exited (${child.exitCode ?? child.signalCode}) before "${line}"; stdout: ${out} stderr: ${err}`))
        }
      }
      const timer = setTimeout(() => {
        done()
        reject(new Error(`no "${line}" from child within ${timeoutMs} ms; stdout: ${out} stderr: ${err}`))
      }, timeoutMs)
      const done = () => {
        clearTimeout(timer)
        listeners.delete(check)
      }
      listeners.add(check)
      check()
    })
  return { child, stdout: () => out, stderr: () => err, exited, waitForLine }
}

// ---------------------------------------------------------------------------
// Replay

/** Read-only replay of `dir` (no lock, nothing changed) into committed transactions. */
export const replayTransactions = (
  dir: string,
  checkpointLsn = 0n
): Effect.Effect<{ readonly outcome: ReplayOutcome; readonly transactions: ReadonlyArray<CommittedTransaction<MutationEvent>> }, unknown> =>
  Effect.gen(function* () {
    const io = yield* FileIo
    const transactions: Array<CommittedTransaction<MutationEvent>> = []
    const outcome = yield* replayDirectory({
      io,
      dir,
      codec: LW1Codec,
      checkpointLsn,
      onTransaction: (tx) => Effect.sync(() => void transactions.push(tx))
    })
    return { outcome, transactions }
  }).pipe(Effect.provide(FileIo.layerNode))

// ---------------------------------------------------------------------------
// Byte-level check

/** What {@link reencodeDirectory} found. */
export interface ReencodeReport {
  readonly segments: ReadonlyArray<{ readonly name: string; readonly size: number; readonly sealed: boolean; readonly records: number }>
  /** Records per kind name. */
  readonly kinds: Readonly<Partial<Record<RecordKindName, number>>>
  /** Events inside Mutation / MutationBatch records, per event `_tag`. */
  readonly eventTags: Readonly<Record<string, number>>
  /** Property value `_tag`s seen anywhere inside events (nested ones included). */
  readonly valueTags: ReadonlySet<string>
  /** Every difference found: empty when the directory round-trips exactly. */
  readonly mismatches: ReadonlyArray<string>
}

const hexAround = (a: Uint8Array, b: Uint8Array): string => {
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  const from = Math.max(0, i - 8)
  const h = (x: Uint8Array) => Buffer.from(x.subarray(from, i + 16)).toString("hex")
  return `first difference at byte ${i} (lengths ${a.length} / ${b.length}): file …${h(a)}… re-encoded …${h(b)}…`
}

const collectValueTags = (v: PropertyValue, into: Set<string>): void => {
  into.add(v._tag)
  if (v._tag === "List") for (const x of v.value) collectValueTags(x, into)
  if (v._tag === "Map") for (const x of v.value.values()) collectValueTags(x, into)
}

const eventValues = (e: MutationEvent): Iterable<PropertyValue> =>
  e._tag === "CreateNode" || e._tag === "CreateRelationship"
    ? e.properties.values()
    : e._tag === "SetNodeProperty" || e._tag === "SetRelationshipProperty"
    ? [e.value]
    : []

/**
 * Decodes every segment of `dir` with effect-wal's reader and re-encodes each
 * header (`encodeSegmentHeader(base, sealed)`) and each record
 * (`Record.writeRecord` with `LW1Codec`), comparing with the file's bytes.
 * Also checks that records tile each file exactly (no bytes after the last
 * record, no read failure).
 */
export const reencodeDirectory = (dir: string): Effect.Effect<ReencodeReport, unknown> =>
  Effect.gen(function* () {
    const io = yield* FileIo
    const segments = yield* listSegments(io, dir)
    const mismatches: Array<string> = []
    const kinds: Partial<Record<RecordKindName, number>> = {}
    const eventTags: Record<string, number> = {}
    const valueTags = new Set<string>()
    const segs: Array<{ name: string; size: number; sealed: boolean; records: number }> = []
    for (const seg of segments) {
      const bytes = new Uint8Array(Fs.readFileSync(seg.path))
      const header = yield* readSegmentHeader(io, seg.path)
      const h = encodeSegmentHeader(header.baseLsn, header.sealed)
      if (Buffer.compare(h, bytes.subarray(0, 32)) !== 0) mismatches.push(`${seg.name} header: ${hexAround(bytes.subarray(0, 32), h)}`)
      let end = 32
      const scan = yield* scanSegmentFile(io, seg.path, LW1Codec, (record, frame) => {
        const name = RECORD_KIND_NAMES[frame.kind] as RecordKindName
        kinds[name] = (kinds[name] ?? 0) + 1
        if (record._tag === "MutationBatch" || record._tag === "Mutation") {
          const evs = record._tag === "MutationBatch" ? record.events : [record.event]
          for (const e of evs) {
            eventTags[e._tag] = (eventTags[e._tag] ?? 0) + 1
            for (const v of eventValues(e)) collectValueTags(v, valueTags)
          }
        }
        const w = new ByteWriter(frame.length + 64)
        writeRecord(w, LW1Codec, record)
        const onDisk = bytes.subarray(frame.offset, frame.offset + frame.length)
        if (Buffer.compare(w.bytes(), onDisk) !== 0) {
          mismatches.push(`${seg.name} record lsn ${record.lsn} (${name}) at offset ${frame.offset}: ${hexAround(onDisk, w.bytes())}`)
        }
        if (frame.offset !== end) mismatches.push(`${seg.name}: record at ${frame.offset} does not follow the previous one (ends at ${end})`)
        end = frame.offset + frame.length
        return undefined
      })
      if (scan.failure) mismatches.push(`${seg.name}: read stopped at ${scan.failure.offset}: ${scan.failure.error.message}`)
      if (end !== bytes.length) mismatches.push(`${seg.name}: records end at ${end} but the file has ${bytes.length} bytes`)
      segs.push({ name: seg.name, size: bytes.length, sealed: header.sealed, records: scan.records })
    }
    return { segments: segs, kinds, eventTags, valueTags, mismatches }
  }).pipe(Effect.provide(FileIo.layerNode))

/** The `.wal` files of `dir` with their sizes and SHA-256 (to prove a step changed nothing). */
export const dirFingerprint = (dir: string): Record<string, string> =>
  Object.fromEntries(
    Fs.readdirSync(dir)
      .filter((f) => f.endsWith(".wal"))
      .sort()
      .map((f) => {
        const b = Fs.readFileSync(Path.join(dir, f))
        return [f, `${b.length} ${Crypto.createHash("sha256").update(b).digest("hex")}`]
      })
  )
