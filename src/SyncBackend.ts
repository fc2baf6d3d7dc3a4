/**
 * `SyncBackend`: how the log makes a file durable. A `Context.Reference`
 * with a default, so a log uses `fdatasync` unless the program provides
 * another backend.
 *
 * Backends:
 * - {@link SyncBackend.fdatasync} (default): `fdatasync(2)` — the data and
 *   the metadata needed to read it back (the file size). On the ext4 disks
 *   measured here it costs the same as fsync because every append changes
 *   the size.
 * - {@link SyncBackend.fsync}: `fsync(2)`, all metadata too (what lora-wal's
 *   `sync_all` does).
 * - {@link SyncBackend.none}: does nothing — for tests and benchmarks of the
 *   rest of the write path. Nothing is durable.
 * - {@link SyncBackend.faulty}: wraps a backend and fails the calls a plan
 *   chooses with an errno code, for fault-injection tests.
 * - {@link SyncBackend.counting}: wraps a backend and counts calls.
 *
 * Every backend reports failures as `WalError.Io` keeping the errno code.
 *
 * @module
 */
import { Context, Effect } from "effect"
import type { FileHandle } from "./io/FileIo.js"
import { type Io, ioError } from "./WalError.js"

export interface SyncBackendShape {
  /** A short name for status and metrics (`"fdatasync"`, `"fsync"`, `"none"`, …). */
  readonly name: string
  /** Makes everything written to `file` so far durable. */
  readonly sync: (file: FileHandle) => Effect.Effect<void, Io>
}

const fdatasync: SyncBackendShape = { name: "fdatasync", sync: (f) => f.datasync }
const fsync: SyncBackendShape = { name: "fsync", sync: (f) => f.sync }
const none: SyncBackendShape = { name: "none", sync: () => Effect.void }

/** The backend in use; defaults to {@link SyncBackend.fdatasync}. */
export const SyncBackend = Object.assign(
  Context.Reference<SyncBackendShape>("effect-wal/SyncBackend", { defaultValue: () => fdatasync }),
  {
    fdatasync,
    fsync,
    none,
    /** Fails the calls for which `plan(path, n)` (n = 1-based call number) returns an errno code such as `"EIO"`. */
    faulty: (inner: SyncBackendShape, plan: (path: string, n: number) => string | undefined): SyncBackendShape => {
      let n = 0
      return {
        name: `faulty(${inner.name})`,
        sync: (f) =>
          Effect.suspend(() => {
            const code = plan(f.path, ++n)
            return code === undefined
              ? inner.sync(f)
              : Effect.fail(ioError(Object.assign(new Error(`${code}: injected fsync failure`), { code, syscall: "fsync" }), f.path))
          })
      }
    },
    /** Counts calls in `counter.n`. */
    counting: (inner: SyncBackendShape, counter: { n: number }): SyncBackendShape => ({
      name: inner.name,
      sync: (f) => Effect.suspend(() => {
        counter.n++
        return inner.sync(f)
      })
    })
  }
)
