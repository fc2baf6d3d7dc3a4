/**
 * `SegmentDir`: segment naming, listing and header lookup for a WAL
 * directory (lora-wal 0.15, spec §1).
 *
 * - Canonical names are the decimal id left-padded with zeros to at least 10
 *   digits plus `.wal` (`0000000001.wal`); writers only create those.
 * - A directory entry counts as a segment when its name ends in `.wal`
 *   (exactly, after the last dot, not a leading dot only) and the stem is an
 *   unsigned 64-bit decimal (optional single `+`, digits, value ≤ 2^64 − 1).
 *   So `7.wal`, `+7.wal` and `00.wal` are listed; `1.WAL`, `1.5.wal`,
 *   `.wal`, `abc.wal` and `0000000001.wal.tmp` are ignored.
 * - Listing sorts by numeric id ascending (stable on ties), does not check
 *   the entry type, and fails as a whole on an I/O error.
 * - There is no CURRENT file: the active segment is the highest id.
 *
 * @module
 */
import { Context, Effect, Layer } from "effect"
import * as Path from "node:path"
import { FileIo, type FileIoShape } from "./io/FileIo.js"
import { type SegmentId, U64_MAX } from "./Lsn.js"
import { decodeSegmentHeader, SEGMENT_HEADER_SIZE, SegmentHeader } from "./format/SegmentHeader.js"
import { type BadSegmentHeader, Io } from "./WalError.js"

/** A listed segment file. */
export interface SegmentEntry {
  readonly id: SegmentId
  /** The file name as listed (canonical or not). */
  readonly name: string
  /** Directory joined with the name (the form lora-wal prints in messages). */
  readonly path: string
}

/** The canonical file name of segment `id`: at least 10 digits, `.wal`. */
export const segmentFileName = (id: bigint): string => `${id.toString().padStart(10, "0")}.wal`

/** Parses a directory entry name as a segment id (spec §1.1), or `undefined` when it is not a segment. */
export const parseSegmentName = (name: string): SegmentId | undefined => {
  const dot = name.lastIndexOf(".")
  if (dot <= 0) return undefined
  if (name.slice(dot + 1) !== "wal") return undefined
  let stem = name.slice(0, dot)
  if (stem.startsWith("+")) stem = stem.slice(1)
  if (stem.length === 0 || !/^[0-9]+$/.test(stem)) return undefined
  const id = BigInt(stem)
  return id > U64_MAX ? undefined : (id as SegmentId)
}

/** Joins a directory and a segment file name the way lora-wal's messages show it. */
export const segmentPath = (dir: string, id: bigint): string => Path.join(dir, segmentFileName(id))

/** Reads and decodes the 32-byte header of the segment at `path`. A shorter file fails as `Io("failed to fill whole buffer")`, as in lora-wal. */
export const readSegmentHeader = (
  io: FileIoShape,
  path: string
): Effect.Effect<SegmentHeader, Io | BadSegmentHeader> =>
  Effect.acquireUseRelease(
    io.open(path, "read"),
    (h) =>
      Effect.gen(function* () {
        const buf = new Uint8Array(SEGMENT_HEADER_SIZE)
        let got = 0
        while (got < SEGMENT_HEADER_SIZE) {
          const n = yield* h.read(buf, got, SEGMENT_HEADER_SIZE - got, got)
          if (n === 0) {
            return yield* new Io({ reason: "failed to fill whole buffer", code: "UnexpectedEof", path })
          }
          got += n
        }
        const r = decodeSegmentHeader(buf)
        if (r instanceof SegmentHeader) return r
        if (r._tag === "Truncated") return yield* new Io({ reason: "failed to fill whole buffer", path })
        return yield* r
      }),
    (h) => h.close
  )

/** Lists the segments of `dir`, ascending by id (spec §1.1). */
export const listSegments = (io: FileIoShape, dir: string): Effect.Effect<ReadonlyArray<SegmentEntry>, Io> =>
  Effect.map(io.list(dir), (entries) => {
    const out: Array<SegmentEntry> = []
    for (const e of entries) {
      const id = parseSegmentName(e.name)
      if (id !== undefined) out.push({ id, name: e.name, path: Path.join(dir, e.name) })
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  })

/** The `SegmentDir` service: the functions above bound to a `FileIo`. */
export class SegmentDir extends Context.Service<SegmentDir, {
  /** Ascending listing of `dir`'s segments. */
  readonly list: (dir: string) => Effect.Effect<ReadonlyArray<SegmentEntry>, Io>
  /** The canonical path of segment `id` in `dir`. */
  readonly pathOf: (dir: string, id: bigint) => string
  /** The decoded header of the segment at `path`. */
  readonly header: (path: string) => Effect.Effect<SegmentHeader, Io | BadSegmentHeader>
  /** The base LSN stored in the header of the segment at `path`. */
  readonly baseLsn: (path: string) => Effect.Effect<bigint, Io | BadSegmentHeader>
  /** fsync of the directory (after creating, renaming or deleting segments). */
  readonly syncDir: (dir: string) => Effect.Effect<void, Io>
}>()("effect-wal/SegmentDir") {
  /** Built on the provided {@link FileIo}. */
  static readonly layer: Layer.Layer<SegmentDir, never, FileIo> = Layer.effect(
    SegmentDir,
    Effect.map(Effect.service(FileIo), (io) =>
      SegmentDir.of({
        list: (dir) => listSegments(io, dir),
        pathOf: segmentPath,
        header: (path) => readSegmentHeader(io, path),
        baseLsn: (path) => Effect.map(readSegmentHeader(io, path), (h) => h.baseLsn as bigint),
        syncDir: (dir) => io.syncDir(dir)
      }))
  )
}
