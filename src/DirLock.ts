/**
 * The directory lock: one live writer per WAL directory.
 *
 * Follows lora-wal 0.15 (spec §1.3) so that effect-wal and LoraDB exclude
 * each other: a BSD `flock(LOCK_EX | LOCK_NB)` on `<dir>/.lora-wal.lock`,
 * opened read + write and created when missing, never truncated, never
 * written, never deleted. The kernel drops the lock when the descriptor is
 * closed or the process dies, so a killed process leaves no stale lock.
 *
 * Contention is retried for a short window, as the reference does: sleep
 * 100 µs, doubling each time up to 5 ms; once 100 ms have passed since the
 * first attempt, fail with `AlreadyOpen { dir }`. `EINTR` is retried at once;
 * any other error fails as `Io`.
 *
 * Node has no `flock`. We call libc's through `koffi` (an FFI library that
 * ships prebuilt binaries for every Node ABI, so the same install works on
 * Node 20 and 24 without a rebuild). A lock on a different file or a
 * `mkdir`-based scheme would not exclude a live LoraDB process.
 *
 * On the in-memory disk (tests) there is no descriptor; the lock is then an
 * in-process registry with the same semantics.
 *
 * @module
 */
import { Clock, Duration, Effect, type Scope } from "effect"
import * as Path from "node:path"
import { FileIo } from "./io/FileIo.js"
import { AlreadyOpen, type Io, ioError } from "./WalError.js"

/** The lock file's name inside the WAL directory. */
export const LOCK_FILE_NAME = ".lora-wal.lock"

const LOCK_EX = 2
const LOCK_NB = 4
const LOCK_UN = 8
const EINTR = 4
const EWOULDBLOCK = 11

type FlockFn = (fd: number, op: number) => number
let flockImpl: { readonly flock: FlockFn; readonly errno: () => number } | undefined

const loadFlock = async () => {
  if (flockImpl) return flockImpl
  const koffi = (await import("koffi")).default
  const libc = koffi.load(process.platform === "darwin" ? "libc.dylib" : "libc.so.6")
  const flock = libc.func("int flock(int fd, int operation)") as FlockFn
  flockImpl = { flock, errno: () => koffi.errno() as number }
  return flockImpl
}

/** Paths locked by in-memory handles of this process (the in-memory disk has no descriptors). */
const memoryLocks = new Set<string>()

type Attempt = "locked" | "busy"

/**
 * Acquires the lock on `dir` for the lifetime of the current scope; the
 * scope's finalizer releases it (closing the descriptor). Fails with
 * `AlreadyOpen { dir }` when another live handle — in this process, another
 * process, or LoraDB — holds it after the retry window, or `Io` (errno kept)
 * when the lock file cannot be opened.
 */
export const acquireDirLock = (dir: string): Effect.Effect<void, AlreadyOpen | Io, Scope.Scope | FileIo> =>
  Effect.gen(function* () {
    const io = yield* FileIo
    const path = Path.join(dir, LOCK_FILE_NAME)
    const handle = yield* io.open(path, "openOrCreate")
    const tryOnce: Effect.Effect<Attempt, Io> =
      handle.fd < 0
        ? Effect.sync(() => {
          const key = Path.resolve(path)
          if (memoryLocks.has(key)) return "busy"
          memoryLocks.add(key)
          return "locked"
        })
        : Effect.tryPromise({
          try: async (): Promise<Attempt> => {
            const { errno, flock } = await loadFlock()
            for (;;) {
              if (flock(handle.fd, LOCK_EX | LOCK_NB) === 0) return "locked"
              const e = errno()
              if (e === EINTR) continue
              if (e === EWOULDBLOCK) return "busy"
              throw Object.assign(new Error(`flock failed: errno ${e}`), { errno: e, syscall: "flock", path })
            }
          },
          catch: (e) => ioError(e, path)
        })
    const start = yield* Clock.currentTimeMillis
    let sleepMicros = 100
    for (;;) {
      const r = yield* tryOnce.pipe(Effect.tapError(() => handle.close))
      if (r === "locked") break
      const now = yield* Clock.currentTimeMillis
      if (now - start >= 100) {
        yield* handle.close
        return yield* new AlreadyOpen({ dir })
      }
      yield* Effect.sleep(Duration.micros(BigInt(sleepMicros)))
      sleepMicros = Math.min(sleepMicros * 2, 5_000)
    }
    yield* Effect.addFinalizer(() =>
      Effect.gen(function* () {
        if (handle.fd < 0) memoryLocks.delete(Path.resolve(path))
        else if (flockImpl) flockImpl.flock(handle.fd, LOCK_UN)
        yield* handle.close
      })
    )
  })
