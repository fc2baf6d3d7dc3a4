import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import * as Child from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { acquireDirLock, LOCK_FILE_NAME } from "../src/DirLock.js"
import { FileIo, makeMemoryFileIo } from "../src/io/FileIo.js"

const made: Array<string> = []
const tmp = () => {
  const d = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-wal-lock-"))
  made.push(d)
  return d
}
afterAll(() => {
  for (const d of made) Fs.rmSync(d, { recursive: true, force: true })
})
const lock = (dir: string) => Effect.scoped(acquireDirLock(dir)).pipe(Effect.provide(FileIo.layerNode))
const holder = Path.join(Path.dirname(fileURLToPath(import.meta.url)), "support", "lock-holder.mjs")

/** Starts a child process that takes a flock on `<dir>/.lora-wal.lock` and prints "locked". */
const spawnHolder = (dir: string) =>
  new Promise<Child.ChildProcess>((resolve, reject) => {
    const child = Child.spawn(process.execPath, [holder, dir], { stdio: ["ignore", "pipe", "inherit"] })
    child.stdout!.on("data", (d: Buffer) => {
      if (d.toString().includes("locked")) resolve(child)
    })
    child.on("error", reject)
    child.on("exit", (code) => reject(new Error(`holder exited ${code}`)))
  })

describe("directory lock (flock on .lora-wal.lock, spec §1.3)", () => {
  it.live("is exclusive within a process and released with its scope; the lock file stays, empty", () =>
    Effect.gen(function* () {
      const dir = tmp()
      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* acquireDirLock(dir)
          const second = yield* Effect.exit(Effect.scoped(acquireDirLock(dir)))
          expect(Exit.isFailure(second)).toBe(true)
          if (Exit.isFailure(second)) {
            const err = second.cause.reasons[0]
            expect(err?._tag === "Fail" && err.error.message).toBe(`WAL directory is already open by another live handle: ${dir}`)
          }
        })
      ).pipe(Effect.provide(FileIo.layerNode))
      yield* lock(dir)
      expect(Fs.statSync(Path.join(dir, LOCK_FILE_NAME)).size).toBe(0)
    }))

  it.live("gives up after the ~100 ms retry window", () =>
    Effect.gen(function* () {
      const dir = tmp()
      const child = yield* Effect.promise(() => spawnHolder(dir))
      const t0 = Date.now()
      const r = yield* Effect.exit(lock(dir))
      const waited = Date.now() - t0
      expect(Exit.isFailure(r)).toBe(true)
      expect(waited).toBeGreaterThanOrEqual(95)
      child.kill("SIGKILL")
    }))

  it.live("excludes another process, and the kernel drops it when that process is killed", () =>
    Effect.gen(function* () {
      const dir = tmp()
      const child = yield* Effect.promise(() => spawnHolder(dir))
      const blocked = yield* Effect.exit(lock(dir))
      expect(Exit.isFailure(blocked)).toBe(true)
      yield* Effect.promise(
        () =>
          new Promise<void>((resolve) => {
            child.removeAllListeners("exit")
            child.on("exit", () => resolve())
            child.kill("SIGKILL")
          })
      )
      yield* lock(dir) // no stale lock after SIGKILL
    }))

  it.live("the in-memory disk has the same semantics", () =>
    Effect.gen(function* () {
      const disk = makeMemoryFileIo()
      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* disk.io.mkdirp("/w")
          yield* acquireDirLock("/w")
          const r = yield* Effect.exit(Effect.scoped(acquireDirLock("/w")))
          expect(Exit.isFailure(r)).toBe(true)
        })
      ).pipe(Effect.provide(FileIo.layerMemory(disk)))
      yield* Effect.scoped(acquireDirLock("/w")).pipe(Effect.provide(FileIo.layerMemory(disk)))
    }))
})
