/**
 * effect-wal's own cases, through the public API (`src/index.ts`):
 * `makeWal` on real files (`FileIo.layerNode`), `SyncMode`,
 * `commitTx(events, { durability })`, and `SyncBackend.counting` wrapped
 * around `fdatasync` (provided as the `SyncBackend` reference) to count the
 * log's own fsync/fdatasync calls.
 *
 * Commit cases (`effect-wal/<mode>/cN`, N = 1, 16, 256):
 * - `per-commit` — `SyncMode.PerCommit`: every commit returns after an fsync
 *   that covers it; concurrent committers share fsyncs (group commit).
 * - `group-durable` — `SyncMode.GroupSync()` (50 ms flusher) with
 *   `durability: "durable"` per commit: the waiting committers trigger the
 *   group fsync themselves instead of waiting for the tick.
 * - `group-written` — `SyncMode.GroupSync()` plain: a commit returns once its
 *   bytes are written to the OS; durable at the next 50 ms tick. NOT durable
 *   at acknowledgement.
 * - `none` — `SyncMode.None`: never fsyncs. NOT durable.
 * - `per-commit-seg1m/c256`, `per-commit-seg1m-async/c256` — PerCommit with a
 *   1 MiB segment target (a rotation every ~1,500 commits), inline seal
 *   (lora-wal) vs `asyncSegmentSync: true` (rotated segments fsynced by a
 *   background FIFO fiber).
 *
 * How committers run ({@link Driver}): `fiber` = N Effect fibers inside one
 * `Effect.runPromise`, each looping `yield* wal.commitTx(...)`; `promise` =
 * N async functions each calling `Effect.runPromise(wal.commitTx(...))` per
 * commit (the shape of an application that is not itself an Effect program).
 * Both measure the same window and latency as every other case
 * (`committer.ts`). Which one the tables use is documented in
 * `docs/benchmarks.md`; `--cases effect-wal-promise` runs the other.
 *
 * Recovery cases (`recovery/effect-wal[-collect]/{warm,cold}`): the prepare
 * process writes the log with effect-wal (`SyncMode.None`, 64 concurrent
 * committer fibers, default 8 MiB segments) and closes it; the measured
 * process opens it (`makeWal`, default config), which replays every
 * committed transaction: streamed to `onRecover` (bounded memory) or
 * collected into `recovery.events` (the default).
 *
 * The library is imported lazily (every child process loads this module).
 *
 * @module
 */
import * as fs from "node:fs"
import * as path from "node:path"
import type { MutationEvent } from "../../src/event/MutationEvent.js"
import type { CommitOptions, WalConfig, WalService } from "../../src/index.js"
import { caseId, commitCase, type CommitStore } from "../committer.js"
import { Histogram } from "../stats.js"
import type { BenchCase, CaseParams, CommitResult } from "../types.js"
import { makeCommitPool, PAYLOAD_BYTES } from "../workload.js"
import { type Reopened, recoveryCase, type RecoveryStore } from "./recovery.js"

type Lib = typeof import("../../src/index.js")
type Fx = typeof import("effect")

const STORE = "effect-wal"
const WAL_DIR = "wal"

let lib: Lib | undefined
let fx: Fx | undefined
const load = async (): Promise<{ readonly L: Lib; readonly E: Fx }> => {
  lib ??= await import("../../src/index.js")
  fx ??= await import("effect")
  return { L: lib, E: fx }
}

/** An open log, its fsync counter and how to close it (final fsync, lock released). */
interface OpenWal {
  readonly wal: WalService<MutationEvent>
  readonly syncs: { n: number }
  readonly close: () => Promise<void>
}

/**
 * A `SyncBackend` (public API) whose sync is the callback `fs.fdatasync` on
 * the handle's descriptor: the fsync runs on the libuv threadpool, so other
 * fibers keep running (and appending) while it is in flight. The library's
 * default backend calls `fdatasyncSync`, which blocks the event loop.
 */
const asyncFdatasync = (L: Lib, E: Fx): import("../../src/index.js").SyncBackendShape => ({
  name: "fdatasync (async, bench)",
  sync: (f) =>
    E.Effect.callback<void, import("../../src/WalError.js").Io>((resume) => {
      fs.fdatasync(f.fd, (err) => resume(err === null ? E.Effect.void : E.Effect.fail(L.WalError.ioError(err, f.path))))
    })
})

/** Which fsync the log uses: the library default (`fdatasyncSync`) or {@link asyncFdatasync}. */
type Backend = "default" | "async"

/** Opens effect-wal in `dir/wal` with `config`; fsyncs are counted through `SyncBackend.counting`. */
const openWal = async (dir: string, config: (L: Lib) => Omit<WalConfig<MutationEvent>, "dir">, backend: Backend = "default"): Promise<OpenWal> => {
  const { E, L } = await load()
  const syncs = { n: 0 }
  const scope = E.Effect.runSync(E.Scope.make())
  const inner = backend === "async" ? asyncFdatasync(L, E) : L.SyncBackend.fdatasync
  const wal = await E.Effect.runPromise(
    L.makeWal<MutationEvent>({ dir: path.join(dir, WAL_DIR), ...config(L) }).pipe(
      E.Scope.provide(scope),
      E.Effect.provideService(L.SyncBackend, L.SyncBackend.counting(inner, syncs)),
      E.Effect.provide(L.FileIo.layerNode)
    )
  )
  return { wal, syncs, close: () => E.Effect.runPromise(E.Scope.close(scope, E.Exit.void)) }
}

/** A commit mode of effect-wal: its config and per-commit options. */
interface Mode {
  readonly key: string
  readonly label: string
  readonly durable: boolean
  readonly config: (L: Lib) => Omit<WalConfig<MutationEvent>, "dir">
  readonly options: CommitOptions | undefined
  readonly levels: ReadonlyArray<number>
  readonly backend?: Backend
}

const modes: ReadonlyArray<Mode> = [
  {
    key: "per-commit",
    label: "SyncMode.PerCommit (durable acks, group commit)",
    durable: true,
    config: (L) => ({ syncMode: L.SyncMode.PerCommit }),
    options: undefined,
    levels: [1, 16, 256]
  },
  {
    key: "per-commit-prealloc",
    label: "SyncMode.PerCommit + preallocate: true (commits overwrite preallocated space)",
    durable: true,
    config: (L) => ({ syncMode: L.SyncMode.PerCommit, preallocate: true }),
    options: undefined,
    levels: [1, 16, 256]
  },
  {
    key: "group-durable",
    label: "SyncMode.GroupSync 50 ms + durability \"durable\" per commit",
    durable: true,
    config: (L) => ({ syncMode: L.SyncMode.GroupSync() }),
    options: { durability: "durable" },
    levels: [1, 16, 256]
  },
  {
    key: "group-written",
    label: "SyncMode.GroupSync 50 ms, ack when written (durable at the next tick)",
    durable: false,
    config: (L) => ({ syncMode: L.SyncMode.GroupSync() }),
    options: undefined,
    levels: [1, 16, 256]
  },
  {
    key: "none",
    label: "SyncMode.None (never fsyncs)",
    durable: false,
    config: (L) => ({ syncMode: L.SyncMode.None }),
    options: undefined,
    levels: [1, 16, 256]
  },
  {
    key: "per-commit-asyncfsync",
    label: "PerCommit with a SyncBackend doing async fs.fdatasync (threadpool; bench-provided)",
    durable: true,
    config: (L) => ({ syncMode: L.SyncMode.PerCommit }),
    options: undefined,
    levels: [1, 16, 256],
    backend: "async"
  },
  {
    key: "per-commit-seg1m",
    label: "PerCommit, 1 MiB segments, inline seal (lora-wal)",
    durable: true,
    config: (L) => ({ syncMode: L.SyncMode.PerCommit, segmentTargetBytes: 1 << 20 }),
    options: undefined,
    levels: [256]
  },
  {
    key: "per-commit-seg1m-async",
    label: "PerCommit, 1 MiB segments, asyncSegmentSync: true",
    durable: true,
    config: (L) => ({ syncMode: L.SyncMode.PerCommit, segmentTargetBytes: 1 << 20, asyncSegmentSync: true }),
    options: undefined,
    levels: [256]
  }
]

/** How concurrent committers are driven. */
export type Driver = "fiber" | "promise"

/** The driver the tables use (see the module docs and docs/benchmarks.md). */
export const DEFAULT_DRIVER: Driver = "fiber"

/** `promise` driver: a `CommitStore` whose commit is one `Effect.runPromise(commitTx)`. */
const promiseStore = async (dir: string, mode: Mode): Promise<CommitStore> => {
  const { E } = await load()
  const w = await openWal(dir, mode.config, mode.backend)
  const opts = mode.options
  return {
    commit: (c) => E.Effect.runPromise(w.wal.commitTx(c.events, opts)),
    close: w.close,
    syncCount: () => w.syncs.n
  }
}

/**
 * `fiber` driver: the committer loop of `committer.ts` as N fibers in one
 * `Effect.runPromise` (same pool, warm-up, window and histogram).
 */
const runFiberLoop = async (dir: string, mode: Mode, concurrency: number, params: CaseParams): Promise<CommitResult> => {
  const { E } = await load()
  const { Effect } = E
  const w = await openWal(dir, mode.config, mode.backend)
  const pool = makeCommitPool(256)
  const mask = 255
  const hist = new Histogram()
  const hr = process.hrtime.bigint
  const start = hr() + BigInt(Math.round(params.warmupSeconds * 1e9))
  const end = start + BigInt(Math.round(params.seconds * 1e9))
  let seq = 0
  let measured = 0
  let total = 0
  const opts = mode.options
  const wal = w.wal
  const committer = Effect.gen(function* () {
    for (;;) {
      const t0 = hr()
      if (t0 >= end) return
      const n = seq++
      yield* wal.commitTx(pool[n & mask]!.events, opts)
      const t1 = hr()
      total++
      if (t1 >= start && t1 < end) {
        measured++
        hist.record(Number(t1 - t0))
      }
    }
  })
  try {
    await Effect.runPromise(
      Effect.forEach(Array.from({ length: concurrency }, (_, i) => i), () => committer, {
        concurrency: "unbounded",
        discard: true
      })
    )
  } finally {
    await w.close()
  }
  const bytes = measured * PAYLOAD_BYTES
  return {
    kind: "commit",
    commits: measured,
    seconds: params.seconds,
    bytes,
    commitsPerSec: measured / params.seconds,
    mbPerSec: bytes / 1e6 / params.seconds,
    latency: hist.summaryMicros(),
    totalCommits: total,
    syncs: w.syncs.n
  }
}

const commitCaseOf = (mode: Mode, concurrency: number, driver: Driver): BenchCase => {
  const store = driver === DEFAULT_DRIVER ? STORE : `${STORE}-${driver}`
  const spec = {
    id: caseId(store, mode.key, concurrency),
    role: "effect-wal" as const,
    store,
    mode: `${mode.label}; ${driver === "fiber" ? "committers = fibers in one runPromise" : "Effect.runPromise per commit"}`,
    concurrency,
    durable: mode.durable
  }
  if (driver === "promise") return commitCase({ ...spec, open: (dir) => promiseStore(dir, mode) })
  return { ...spec, kind: "commit", run: (dir, params) => runFiberLoop(dir, mode, concurrency, params) }
}

const otherDriver: Driver = DEFAULT_DRIVER === "fiber" ? "promise" : "fiber"

/** The commit cases the tables use (default driver) … */
const mainCommitCases = modes.flatMap((m) => m.levels.map((c) => commitCaseOf(m, c, DEFAULT_DRIVER)))
/** … and the other driver, for the four main modes (opt-in: run with `--cases effect-wal-promise`). */
const altDriverCases: ReadonlyArray<BenchCase> = modes
  .slice(0, 4)
  .flatMap((m) => m.levels.map((c) => ({ ...commitCaseOf(m, c, otherDriver), optIn: true })))

// ---------------------------------------------------------------------------
// Recovery

/** Writes `count` commits with effect-wal (SyncMode.None, 64 committer fibers) and closes the log. */
const fillWal = async (dir: string, pool: ReadonlyArray<{ readonly events: ReadonlyArray<MutationEvent> }>, count: number) => {
  const { E } = await load()
  const { Effect } = E
  const w = await openWal(dir, (L) => ({ syncMode: L.SyncMode.None }))
  let next = 0
  const committer = Effect.gen(function* () {
    while (next < count) {
      const k = next++
      yield* w.wal.commitTx(pool[k % pool.length]!.events)
    }
  })
  try {
    await Effect.runPromise(
      Effect.forEach(Array.from({ length: 64 }, (_, i) => i), () => committer, { concurrency: "unbounded", discard: true })
    )
  } finally {
    await w.close()
  }
}

const walRecovery = (streaming: boolean): RecoveryStore => ({
  load: async () => {
    await load()
  },
  fill: fillWal,
  reopen: async (dir): Promise<Reopened> => {
    let txs = 0
    let events = 0
    const { E } = await load()
    const w = await openWal(dir, () =>
      streaming
        ? {
          onRecover: (tx) =>
            E.Effect.sync(() => {
              txs++
              events += tx.events.length
            })
        }
        : {}
    )
    const rec = w.wal.recovery
    return {
      scan: async () => {
        // The replay ran inside the open (timed as "open"); here only its outcome is checked.
        const n = streaming ? txs : rec.transactionCount
        const ev = streaming ? events : rec.events.length
        if (ev !== rec.eventCount || n !== rec.transactionCount) throw new Error(`replay counted ${n} tx / ${ev} events, report says ${rec.transactionCount} / ${rec.eventCount}`)
        return { records: n, bytes: n * PAYLOAD_BYTES }
      },
      close: w.close
    }
  }
})

export const effectWalRecoveryCases: ReadonlyArray<BenchCase> = (
  [
    ["effect-wal", "open + replay, onRecover streaming", true],
    ["effect-wal-collect", "open + replay, collecting recovery.events (default)", false]
  ] as const
).flatMap(([key, mode, streaming]) =>
  (["warm", "cold"] as const).map((cache) =>
    recoveryCase({
      id: `recovery/${key}/${cache}`,
      role: "effect-wal",
      store: key === "effect-wal" ? STORE : `${STORE} (collect)`,
      mode,
      cache,
      fixture: "recovery/effect-wal",
      impl: walRecovery(streaming)
    })
  )
)

/** Commit cases: the default driver's, then the other driver's (opt-in). */
export const effectWalCommitCases: ReadonlyArray<BenchCase> = [...mainCommitCases, ...altDriverCases]

/** Modes, for the docs and tests. */
export const effectWalModes: ReadonlyArray<Pick<Mode, "key" | "label" | "durable">> = modes
