/**
 * `FileIo`: the narrow file-system port the log is written against — the
 * handful of calls a write-ahead log needs (positional write and read,
 * fsync / fdatasync, truncate, directory listing and directory fsync).
 *
 * Why not Effect's `FileSystem`: it has no `fdatasync`, no positional write,
 * no raw descriptor (needed for `flock`), and its async calls cost a libuv
 * threadpool round trip per operation (~80 µs per durable commit measured
 * here, a third of the fsync floor). The Node implementation below uses the
 * synchronous `node:fs` calls: a write to the page cache takes microseconds,
 * and the fsync is paid once per group of commits.
 *
 * Implementations:
 * - {@link FileIo.layerNode}: real files (`node:fs`).
 * - {@link makeMemoryFileIo}: an in-memory disk that models the page cache:
 *   every file has volatile bytes and the bytes that an fsync made durable,
 *   and directory entries become durable only after a directory fsync;
 *   `crash()` throws away everything not durable. Used by the crash and
 *   model-based tests.
 * - {@link withFaults}: wraps another `FileIo` and fails chosen calls with
 *   chosen errno codes (EIO, ENOSPC, …) or short writes.
 *
 * Every failure is a `WalError.Io` keeping the errno `code`.
 *
 * @module
 */
import { Context, Effect, Layer } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { Io, ioError } from "../WalError.js"

/** An open file. Offsets and lengths are bytes. */
export interface FileHandle {
  readonly path: string
  /** The raw descriptor (−1 for the in-memory disk). */
  readonly fd: number
  /** Writes all of `bytes` at `position`; a write that makes no progress fails with `Io` (WriteZero). */
  readonly write: (bytes: Uint8Array, position: number) => Effect.Effect<void, Io>
  /**
   * The same write, synchronously: throws `Io` instead of failing. The log's
   * hot path uses it so that taking the pending bytes and writing them is one
   * indivisible step (no other fiber can append or fsync in between).
   */
  readonly writeSync: (bytes: Uint8Array, position: number) => void
  /** Reads up to `length` bytes at `position` into `buf[offset..]`; returns the count (0 at end of file). */
  readonly read: (buf: Uint8Array, offset: number, length: number, position: number) => Effect.Effect<number, Io>
  /** fsync(2): file data and metadata. */
  readonly sync: Effect.Effect<void, Io>
  /** fdatasync(2): file data and the metadata needed to read it back (size). */
  readonly datasync: Effect.Effect<void, Io>
  /** Sets the file length. */
  readonly truncate: (length: number) => Effect.Effect<void, Io>
  /** Current file length. */
  readonly size: Effect.Effect<number, Io>
  /** Closes the descriptor (idempotent). */
  readonly close: Effect.Effect<void>
}

/** How a file is opened. */
export type OpenMode =
  /** Create a new file; fail (`EEXIST`) when it exists. Read + write. */
  | "create"
  /** Open an existing file for read + write. */
  | "readwrite"
  /** Open an existing file read-only. */
  | "read"
  /** Open for read + write, creating it when missing; never truncates (the lock file). */
  | "openOrCreate"

/** A directory entry. */
export interface DirEntry {
  readonly name: string
  readonly isFile: boolean
}

export interface FileIoShape {
  readonly open: (path: string, mode: OpenMode) => Effect.Effect<FileHandle, Io>
  /** Creates `dir` and its parents when missing. */
  readonly mkdirp: (dir: string) => Effect.Effect<void, Io>
  /** Entries of `dir` (any order). Fails with `Io` (ENOENT) when missing. */
  readonly list: (dir: string) => Effect.Effect<ReadonlyArray<DirEntry>, Io>
  readonly exists: (path: string) => Effect.Effect<boolean, Io>
  readonly remove: (path: string) => Effect.Effect<void, Io>
  readonly rename: (from: string, to: string) => Effect.Effect<void, Io>
  /** fsync of a directory: makes created, renamed and removed entries durable. */
  readonly syncDir: (dir: string) => Effect.Effect<void, Io>
  /** Reads a whole file (for small files and tests). */
  readonly readFile: (path: string) => Effect.Effect<Uint8Array, Io>
}

/** The file-system port. Provide {@link FileIo.layerNode} in production. */
export class FileIo extends Context.Service<FileIo, FileIoShape>()("effect-wal/FileIo") {
  /** Real files through synchronous `node:fs` calls. */
  static readonly layerNode: Layer.Layer<FileIo> = Layer.sync(FileIo, () => nodeFileIo)
  /** An in-memory disk (see {@link makeMemoryFileIo}). */
  static readonly layerMemory = (disk: MemoryDisk = makeMemoryFileIo()): Layer.Layer<FileIo> =>
    Layer.succeed(FileIo, disk.io)
}

// ---------------------------------------------------------------------------
// Node implementation

const tryIo = <A>(path: string, f: () => A): Effect.Effect<A, Io> =>
  Effect.try({ try: f, catch: (e) => (e instanceof Io ? e : ioError(e, path)) })

const writeZero = (path: string) =>
  new Io({ reason: "failed to write whole buffer", code: "WriteZero", path })

const nodeHandle = (path: string, fd: number): FileHandle => {
  let closed = false
  const writeAllSync = (bytes: Uint8Array, position: number) => {
    let off = 0
    while (off < bytes.length) {
      const n = Fs.writeSync(fd, bytes, off, bytes.length - off, position + off)
      if (n <= 0) throw writeZero(path)
      off += n
    }
  }
  return {
    path,
    fd,
    write: (bytes, position) => tryIo(path, () => writeAllSync(bytes, position)),
    writeSync: (bytes, position) => {
      try {
        writeAllSync(bytes, position)
      } catch (e) {
        throw e instanceof Io ? e : ioError(e, path)
      }
    },
    read: (buf, offset, length, position) => tryIo(path, () => Fs.readSync(fd, buf, offset, length, position)),
    sync: tryIo(path, () => Fs.fsyncSync(fd)),
    datasync: tryIo(path, () => Fs.fdatasyncSync(fd)),
    truncate: (length) => tryIo(path, () => Fs.ftruncateSync(fd, length)),
    size: tryIo(path, () => Fs.fstatSync(fd).size),
    close: Effect.sync(() => {
      if (closed) return
      closed = true
      try {
        Fs.closeSync(fd)
      } catch {
        // closing twice or a failed close: nothing to recover
      }
    })
  }
}

const FLAGS: Record<OpenMode, number> = {
  create: Fs.constants.O_RDWR | Fs.constants.O_CREAT | Fs.constants.O_EXCL,
  readwrite: Fs.constants.O_RDWR,
  read: Fs.constants.O_RDONLY,
  openOrCreate: Fs.constants.O_RDWR | Fs.constants.O_CREAT
}

/** The `node:fs` implementation of {@link FileIoShape}. */
export const nodeFileIo: FileIoShape = {
  open: (path, mode) => tryIo(path, () => nodeHandle(path, Fs.openSync(path, FLAGS[mode], 0o644))),
  mkdirp: (dir) => tryIo(dir, () => void Fs.mkdirSync(dir, { recursive: true })),
  list: (dir) =>
    tryIo(dir, () => Fs.readdirSync(dir, { withFileTypes: true }).map((d) => ({ name: d.name, isFile: d.isFile() }))),
  exists: (path) => tryIo(path, () => Fs.existsSync(path)),
  remove: (path) => tryIo(path, () => Fs.rmSync(path)),
  rename: (from, to) => tryIo(from, () => Fs.renameSync(from, to)),
  syncDir: (dir) =>
    tryIo(dir, () => {
      const fd = Fs.openSync(dir, Fs.constants.O_RDONLY)
      try {
        Fs.fsyncSync(fd)
      } finally {
        Fs.closeSync(fd)
      }
    }),
  readFile: (path) => tryIo(path, () => new Uint8Array(Fs.readFileSync(path)))
}

// ---------------------------------------------------------------------------
// In-memory disk with crash semantics

interface MemFile {
  data: Uint8Array
  size: number
  durable: Uint8Array
}

/** An in-memory disk: its `FileIo`, a crash switch and counters. */
export interface MemoryDisk {
  readonly io: FileIoShape
  /**
   * Simulates power loss: every file returns to its last fsynced content, and
   * directory entries created or removed since the last directory fsync are
   * undone. `keepUnsynced` (0..1) keeps that fraction of each file's unsynced
   * appended tail (a prefix, possibly cutting a record in half), as a disk
   * with write-back caching may.
   */
  readonly crash: (keepUnsynced?: number) => void
  /** Counts of calls by operation name (`write`, `sync`, `datasync`, `syncDir`, …). */
  readonly counts: Map<string, number>
  /** Files by path (volatile view), for inspection. */
  readonly files: () => ReadonlyMap<string, Uint8Array>
  /** What would survive a power loss right now: fsynced content of the files whose directory entry is durable. */
  readonly durableFiles: () => ReadonlyMap<string, Uint8Array>
}

/** Creates an empty {@link MemoryDisk}. Paths are normalised with `node:path`. */
export const makeMemoryFileIo = (): MemoryDisk => {
  const files = new Map<string, MemFile>()
  const dirs = new Set<string>(["/"])
  // Durable directory state: the set of paths that survive a crash.
  const durableEntries = new Map<string, MemFile>()
  const counts = new Map<string, number>()
  const count = (op: string) => counts.set(op, (counts.get(op) ?? 0) + 1)
  const norm = (p: string) => Path.resolve("/", p)
  const enoent = (p: string, syscall: string) =>
    ioError(Object.assign(new Error(`ENOENT: ${p}`), { code: "ENOENT", syscall, path: p }), p)
  const eexist = (p: string) =>
    ioError(Object.assign(new Error(`EEXIST: ${p}`), { code: "EEXIST", syscall: "open", path: p }), p)

  const handle = (path: string, f: MemFile, writable: boolean): FileHandle => {
    const writeSync = (bytes: Uint8Array, position: number) => {
      count("write")
      if (!writable) throw ioError(Object.assign(new Error("EBADF"), { code: "EBADF" }), path)
      const end = position + bytes.length
      if (end > f.data.length) {
        const next = new Uint8Array(Math.max(end, f.data.length * 2, 64))
        next.set(f.data.subarray(0, f.size))
        f.data = next
      }
      f.data.set(bytes, position)
      if (end > f.size) f.size = end
    }
    return {
    path,
    fd: -1,
    writeSync,
    write: (bytes, position) => Effect.try({ try: () => writeSync(bytes, position), catch: (e) => e as Io }),
    read: (buf, offset, length, position) =>
      Effect.sync(() => {
        count("read")
        const n = Math.max(0, Math.min(length, f.size - position))
        buf.set(f.data.subarray(position, position + n), offset)
        return n
      }),
    sync: Effect.sync(() => {
      count("sync")
      f.durable = f.data.slice(0, f.size)
    }),
    datasync: Effect.sync(() => {
      count("datasync")
      f.durable = f.data.slice(0, f.size)
    }),
    truncate: (length) =>
      Effect.sync(() => {
        count("truncate")
        if (length > f.data.length) {
          const next = new Uint8Array(length)
          next.set(f.data.subarray(0, f.size))
          f.data = next
        } else if (length > f.size) f.data.fill(0, f.size, length)
        f.size = length
      }),
    size: Effect.sync(() => f.size),
    close: Effect.void
  }
  }

  const io: FileIoShape = {
    open: (p, mode) =>
      Effect.suspend(() => {
        const path = norm(p)
        count("open")
        const existing = files.get(path)
        if (mode === "create" || (mode === "openOrCreate" && !existing)) {
          if (existing) return Effect.fail(eexist(path))
          if (!dirs.has(Path.dirname(path))) return Effect.fail(enoent(path, "open"))
          const f: MemFile = { data: new Uint8Array(64), size: 0, durable: new Uint8Array(0) }
          files.set(path, f)
          return Effect.succeed(handle(path, f, true))
        }
        if (!existing) return Effect.fail(enoent(path, "open"))
        return Effect.succeed(handle(path, existing, mode !== "read"))
      }),
    mkdirp: (p) =>
      Effect.sync(() => {
        let d = norm(p)
        while (!dirs.has(d)) {
          dirs.add(d)
          d = Path.dirname(d)
        }
      }),
    list: (p) =>
      Effect.suspend(() => {
        const dir = norm(p)
        if (!dirs.has(dir)) return Effect.fail(enoent(dir, "scandir"))
        const out: Array<DirEntry> = []
        for (const path of files.keys()) if (Path.dirname(path) === dir) out.push({ name: Path.basename(path), isFile: true })
        for (const d of dirs) if (d !== dir && Path.dirname(d) === dir) out.push({ name: Path.basename(d), isFile: false })
        return Effect.succeed(out)
      }),
    exists: (p) => Effect.sync(() => files.has(norm(p)) || dirs.has(norm(p))),
    remove: (p) =>
      Effect.suspend(() => {
        const path = norm(p)
        count("remove")
        if (!files.delete(path)) return Effect.fail(enoent(path, "unlink"))
        return Effect.void
      }),
    rename: (a, b) =>
      Effect.suspend(() => {
        const from = norm(a)
        const f = files.get(from)
        count("rename")
        if (!f) return Effect.fail(enoent(from, "rename"))
        files.delete(from)
        files.set(norm(b), f)
        return Effect.void
      }),
    syncDir: (p) =>
      Effect.sync(() => {
        const dir = norm(p)
        count("syncDir")
        for (const path of [...durableEntries.keys()]) {
          if (Path.dirname(path) === dir && !files.has(path)) durableEntries.delete(path)
        }
        for (const [path, f] of files) if (Path.dirname(path) === dir) durableEntries.set(path, f)
      }),
    readFile: (p) =>
      Effect.suspend(() => {
        const f = files.get(norm(p))
        return f ? Effect.succeed(f.data.slice(0, f.size)) : Effect.fail(enoent(norm(p), "open"))
      })
  }

  return {
    io,
    counts,
    files: () => new Map([...files].map(([p, f]) => [p, f.data.slice(0, f.size)])),
    durableFiles: () => new Map([...durableEntries].map(([p, f]) => [p, f.durable.slice()])),
    crash: (keepUnsynced = 0) => {
      const survivors = new Map<string, MemFile>()
      for (const [path, f] of durableEntries) {
        let content = f.durable
        const volatile = f.data.subarray(0, f.size)
        const sameHead =
          volatile.length > content.length && volatile.subarray(0, content.length).every((b, i) => b === content[i])
        if (keepUnsynced > 0 && sameHead) {
          const extra = Math.floor((volatile.length - content.length) * keepUnsynced)
          content = volatile.slice(0, content.length + extra)
        }
        const data = new Uint8Array(Math.max(64, content.length))
        data.set(content)
        const nf: MemFile = { data, size: content.length, durable: content.slice() }
        survivors.set(path, nf)
      }
      files.clear()
      durableEntries.clear()
      for (const [p, f] of survivors) {
        files.set(p, f)
        durableEntries.set(p, f)
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Fault injection

/** Which calls fail: return an errno code (e.g. `"EIO"`), `"short"` for a write that makes no progress, or undefined to pass. */
export type FaultPlan = (op: "write" | "sync" | "datasync" | "truncate" | "open" | "syncDir" | "remove", path: string) =>
  | string
  | "short"
  | undefined

const faultError = (code: string, op: string, path: string): Io =>
  code === "short"
    ? writeZero(path)
    : ioError(Object.assign(new Error(`${code}: injected ${op} failure`), { code, syscall: op, path }), path)

/**
 * Wraps `inner` so that calls chosen by `plan` fail with the errno code it
 * returns (kept on `Io.code`). A `"short"` write writes the first half of the
 * bytes and then fails, as a full disk does.
 */
export const withFaults = (inner: FileIoShape, plan: FaultPlan): FileIoShape => {
  const wrap = (h: FileHandle): FileHandle => ({
    ...h,
    write: (bytes, position) =>
      Effect.suspend(() => {
        const f = plan("write", h.path)
        if (f === undefined) return h.write(bytes, position)
        if (f === "short") {
          return h.write(bytes.subarray(0, bytes.length >> 1), position).pipe(Effect.andThen(Effect.fail(writeZero(h.path))))
        }
        return Effect.fail(faultError(f, "write", h.path))
      }),
    writeSync: (bytes, position) => {
      const f = plan("write", h.path)
      if (f === undefined) return h.writeSync(bytes, position)
      if (f === "short") {
        h.writeSync(bytes.subarray(0, bytes.length >> 1), position)
        throw writeZero(h.path)
      }
      throw faultError(f, "write", h.path)
    },
    sync: Effect.suspend(() => {
      const f = plan("sync", h.path)
      return f === undefined ? h.sync : Effect.fail(faultError(f, "fsync", h.path))
    }),
    datasync: Effect.suspend(() => {
      const f = plan("datasync", h.path)
      return f === undefined ? h.datasync : Effect.fail(faultError(f, "fdatasync", h.path))
    }),
    truncate: (n) =>
      Effect.suspend(() => {
        const f = plan("truncate", h.path)
        return f === undefined ? h.truncate(n) : Effect.fail(faultError(f, "ftruncate", h.path))
      })
  })
  return {
    ...inner,
    open: (path, mode) =>
      Effect.suspend(() => {
        const f = plan("open", path)
        return f === undefined ? Effect.map(inner.open(path, mode), wrap) : Effect.fail(faultError(f, "open", path))
      }),
    syncDir: (dir) =>
      Effect.suspend(() => {
        const f = plan("syncDir", dir)
        return f === undefined ? inner.syncDir(dir) : Effect.fail(faultError(f, "fsync", dir))
      }),
    remove: (path) =>
      Effect.suspend(() => {
        const f = plan("remove", path)
        return f === undefined ? inner.remove(path) : Effect.fail(faultError(f, "unlink", path))
      })
  }
}
