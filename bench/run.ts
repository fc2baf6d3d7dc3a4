/**
 * The benchmark runner (`npm run bench` = `node dist/bench/run.js`).
 *
 *   node dist/bench/run.js [--quick] [--cases <list>] [--reps N] [--seconds S]
 *                          [--warmup S] [--recovery-mb M] [--no-strace]
 *                          [--out <json>] [--list]
 *
 * Every repetition of every case runs in a fresh Node process
 * (`dist/bench/case.js`) and a fresh `mkdtemp` directory under os.tmpdir(),
 * removed afterwards. Repetitions are interleaved round by round (A B C, then
 * the order rotated: B C A, …). Then, when strace is installed, each case
 * marked `straceSyncs` runs once more, unmeasured, under
 * `strace -f -c -e trace=fsync,fdatasync,msync,sync_file_range` to count its
 * sync calls per commit. Results go to `bench/results/latest.json` (or
 * `--out`) and a markdown summary to stdout; progress goes to stderr.
 *
 * `--cases`: comma-separated patterns; `*` matches anything, a pattern
 * without `*` matches an id exactly or as a prefix (`--cases lmdb,floor/group`).
 * Defaults: 3 repetitions, 2 s measured after 0.4 s warm-up, 256 MB of payload per
 * recovery store (fits the 10-minute budget on 2 cores).
 * `--quick`: a CI smoke run (0.25 s per case, 1 repetition, 1 MB recovery);
 * it never asserts speed — it exits non-zero only when a case fails.
 *
 * @module
 */
import { execFileSync, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { allCases } from "./cases/index.js"
import { renderMarkdown } from "./render.js"
import type {
  BenchCase,
  CaseParams,
  CaseRecord,
  CaseResult,
  ChildOutput,
  Machine,
  ResultsFile,
  RunError,
  RunParams,
  StraceCount
} from "./types.js"
import { EVENTS_PER_COMMIT, makeCommitPool, PAYLOAD_IS_STAND_IN } from "./workload.js"

/** Payload MB loaded into each recovery store in a full run (`--recovery-mb` overrides). */
const DEFAULT_RECOVERY_MB = 256

const HERE = path.dirname(fileURLToPath(import.meta.url)) // dist/bench
const ROOT = path.resolve(HERE, "..", "..")
const CASE_JS = path.join(HERE, "case.js")

interface Args {
  readonly quick: boolean
  readonly cases: ReadonlyArray<string>
  readonly reps: number | undefined
  readonly seconds: number | undefined
  readonly warmup: number | undefined
  readonly recoveryMb: number | undefined
  readonly strace: boolean
  readonly out: string
  readonly list: boolean
}

const usage = (msg: string): never => {
  process.stderr.write(`bench: ${msg}\n`)
  process.stderr.write(
    "usage: node dist/bench/run.js [--quick] [--cases a,b*] [--reps N] [--seconds S] [--warmup S] [--recovery-mb M] [--no-strace] [--out file.json] [--list]\n"
  )
  process.exit(2)
}

const parseArgs = (argv: ReadonlyArray<string>): Args => {
  let quick = false
  let cases: Array<string> = []
  let reps: number | undefined
  let seconds: number | undefined
  let warmup: number | undefined
  let recoveryMb: number | undefined
  let strace = true
  let out = path.join(ROOT, "bench", "results", "latest.json")
  let list = false
  const num = (flag: string, v: string | undefined, min: number): number => {
    const n = Number(v)
    if (v === undefined || !Number.isFinite(n) || n < min) return usage(`${flag} needs a number ≥ ${min}`)
    return n
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    const [flag, inline] = a.startsWith("--") && a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined]
    const value = () => inline ?? argv[++i]
    switch (flag) {
      case "--quick":
        quick = true
        break
      case "--cases": {
        const v = value()
        if (v === undefined) usage("--cases needs a list")
        cases = cases.concat(v!.split(",").map((s) => s.trim()).filter((s) => s !== ""))
        break
      }
      case "--reps":
        reps = Math.floor(num(flag, value(), 1))
        break
      case "--seconds":
        seconds = num(flag, value(), 0.01)
        break
      case "--warmup":
        warmup = num(flag, value(), 0)
        break
      case "--recovery-mb":
        recoveryMb = num(flag, value(), 0.01)
        break
      case "--no-strace":
        strace = false
        break
      case "--out": {
        const v = value()
        if (v === undefined) usage("--out needs a path")
        out = path.resolve(v!)
        break
      }
      case "--list":
        list = true
        break
      default:
        usage(`unknown argument ${a}`)
    }
  }
  return { quick, cases, reps, seconds, warmup, recoveryMb, strace, out, list }
}

const matcher = (pattern: string): ((id: string) => boolean) => {
  if (!pattern.includes("*")) return (id) => id === pattern || id.startsWith(pattern)
  const re = new RegExp("^" + pattern.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*") + "$")
  return (id) => re.test(id)
}

const selectCases = (patterns: ReadonlyArray<string>): ReadonlyArray<BenchCase> => {
  if (patterns.length === 0) return allCases.filter((c) => c.optIn !== true)
  const ms = patterns.map(matcher)
  const picked = allCases.filter((c) => ms.some((m) => m(c.id)))
  if (picked.length === 0) usage(`no case matches ${patterns.join(",")} (see --list)`)
  return picked
}

// ---------------------------------------------------------------------------
// machine

const firstLine = (s: string) => s.split("\n")[0]?.trim() ?? ""

const findStrace = (): string | null => {
  const r = spawnSync("strace", ["-V"], { encoding: "utf8" })
  return r.status === 0 ? firstLine(r.stdout) : null
}

const machineInfo = (strace: string | null): Machine => {
  let df = ""
  let fsType = "unknown"
  try {
    df = execFileSync("df", ["-T", "-h", os.tmpdir()], { encoding: "utf8" }).trim()
    fsType = df.split("\n")[1]?.trim().split(/\s+/)[1] ?? "unknown"
  } catch (e) {
    df = `df failed: ${e instanceof Error ? e.message : String(e)}`
  }
  return {
    nproc: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    memTotalGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    kernel: os.release(),
    tmpdir: os.tmpdir(),
    df,
    fsType,
    strace
  }
}

// ---------------------------------------------------------------------------
// child processes

const childEnv = (c: BenchCase): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env }
  delete env["UV_THREADPOOL_SIZE"]
  return { ...env, ...(c.env ?? {}) }
}

const STRACE_SYSCALLS = "fsync,fdatasync,msync,sync_file_range"

/** Runs one phase in a child; returns its output or an error text. */
const spawnChild = (
  c: BenchCase,
  dir: string,
  params: CaseParams,
  straceOut?: string
): { readonly out: ChildOutput } | RunError => {
  const nodeArgs = [CASE_JS, c.id, dir, JSON.stringify(params)]
  const [cmd, args] =
    straceOut === undefined
      ? [process.execPath, nodeArgs]
      : ["strace", ["-f", "-c", "-o", straceOut, "-e", `trace=${STRACE_SYSCALLS}`, "--", process.execPath, ...nodeArgs]]
  const budget = (params.warmupSeconds + params.seconds) * 4 + (c.kind === "recovery" ? 300 : 120)
  const r = spawnSync(cmd, args, {
    env: childEnv(c),
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    timeout: budget * 1000,
    maxBuffer: 64 * 1024 * 1024
  })
  if (r.error) return { error: `${c.id}: ${r.error.message}` }
  const line = r.stdout
    .split("\n")
    .reverse()
    .find((l) => l.startsWith("{"))
  if (line === undefined) return { error: `${c.id}: exit ${r.status ?? r.signal}, no result line` }
  try {
    const out = JSON.parse(line) as ChildOutput
    if (!out.ok) return { error: `${c.id}: ${out.error}` }
    return { out }
  } catch {
    return { error: `${c.id}: unparsable result line: ${line.slice(0, 200)}` }
  }
}

/** Prepared fixture directories by key (see `BenchCase.fixture`), or why preparing failed. */
const fixtures = new Map<string, { readonly dir: string; readonly seconds: number } | RunError>()

/** The fixture directory of `c`, prepared on first use by `c`'s prepare phase. */
const fixtureDir = (c: BenchCase, key: string, base: Omit<CaseParams, "phase">): string | RunError => {
  let f = fixtures.get(key)
  if (f === undefined) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "effect-wal-bench-fixture-"))
    const t0 = Date.now()
    const p = spawnChild(c, dir, { ...base, phase: "prepare" })
    if ("error" in p) {
      fs.rmSync(dir, { recursive: true, force: true })
      f = p
    } else {
      f = { dir, seconds: (Date.now() - t0) / 1000 }
      process.stderr.write(`[fixture] ${key} prepared in ${f.seconds.toFixed(1)} s\n`)
    }
    fixtures.set(key, f)
  }
  return "error" in f ? f : f.dir
}

const removeFixtures = (): void => {
  for (const f of fixtures.values()) if (!("error" in f)) fs.rmSync(f.dir, { recursive: true, force: true })
  fixtures.clear()
}

/** One repetition: fresh directory, prepare (own process, or a copy of the shared fixture), run process, directory removed. */
const runRepetition = (c: BenchCase, base: Omit<CaseParams, "phase">, straceOut?: string): CaseResult | RunError => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "effect-wal-bench-"))
  try {
    if (c.prepare !== undefined && c.fixture !== undefined) {
      const from = fixtureDir(c, c.fixture, base)
      if (typeof from !== "string") return from
      fs.cpSync(from, dir, { recursive: true })
    } else if (c.prepare !== undefined) {
      const p = spawnChild(c, dir, { ...base, phase: "prepare" })
      if ("error" in p) return p
    }
    const r = spawnChild(c, dir, { ...base, phase: "run" }, straceOut)
    if ("error" in r) return r
    if (!r.out.ok || r.out.result === null) return { error: `${c.id}: no result` }
    return r.out.result
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/** Parses `strace -c` output: syscall → calls. */
export const parseStraceSummary = (text: string): Record<string, number> => {
  const calls: Record<string, number> = {}
  for (const line of text.split("\n")) {
    const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?([a-z_0-9]+)\s*$/.exec(line)
    if (m && m[2] !== "total") calls[m[2]!] = Number(m[1])
  }
  return calls
}

const countWithStrace = (c: BenchCase, base: Omit<CaseParams, "phase">, tmp: string): StraceCount => {
  const file = path.join(tmp, `${c.id.replace(/[^a-z0-9]+/gi, "_")}.strace`)
  const r = runRepetition(c, base, file)
  if ("error" in r) return { unavailable: r.error }
  if (r.kind !== "commit") return { unavailable: "not a commit case" }
  let text = ""
  try {
    text = fs.readFileSync(file, "utf8")
  } catch (e) {
    return { unavailable: `no strace output: ${e instanceof Error ? e.message : String(e)}` }
  }
  const calls = parseStraceSummary(text)
  const syncs = Object.values(calls).reduce((a, b) => a + b, 0)
  return { calls, syncs, totalCommits: r.totalCommits, syncsPerCommit: r.totalCommits === 0 ? 0 : syncs / r.totalCommits }
}

// ---------------------------------------------------------------------------

const fmt = (n: number) => Math.round(n).toLocaleString("en-US")

const describe = (r: CaseResult): string => {
  switch (r.kind) {
    case "commit":
      return `${fmt(r.commitsPerSec)} commits/s  p50 ${r.latency.p50} µs  p99 ${r.latency.p99} µs${
        r.syncs === null ? "" : `  ${(r.syncs / Math.max(1, r.totalCommits)).toFixed(3)} syncs/commit`
      }`
    case "recovery":
      return r.cache === "cold unavailable"
        ? `cold unavailable (${r.reason})`
        : `${r.mbPerSec.toFixed(0)} MB/s  open ${r.openMs.toFixed(1)} ms  peak RSS ${r.peakRssMb} MB`
    case "codec":
      return r.rows
        .filter((x) => x.commitsPerSec !== null)
        .map((x) => `${x.name}: ${fmt(x.commitsPerSec!)}/s`)
        .join("; ")
  }
}

const main = (): void => {
  const args = parseArgs(process.argv.slice(2))
  if (args.list) {
    for (const c of allCases) process.stdout.write(`${c.id}\t${c.store} — ${c.mode}\n`)
    return
  }
  if (!fs.existsSync(CASE_JS)) usage(`${CASE_JS} not found: build first (npx tsc -p tsconfig.build.json)`)
  const cases = selectCases(args.cases)
  const params: RunParams = {
    quick: args.quick,
    reps: args.reps ?? (args.quick ? 1 : 3),
    seconds: args.seconds ?? (args.quick ? 0.25 : 2),
    warmupSeconds: args.warmup ?? (args.quick ? 0.05 : 0.4),
    recoveryBytes: Math.round((args.recoveryMb ?? (args.quick ? 1 : DEFAULT_RECOVERY_MB)) * 1e6),
    strace: args.strace
  }
  const base: Omit<CaseParams, "phase"> = {
    seconds: params.seconds,
    warmupSeconds: params.warmupSeconds,
    recoveryBytes: params.recoveryBytes,
    quick: params.quick
  }
  const strace = params.strace ? findStrace() : null
  const machine = machineInfo(strace)
  const started = new Date()
  const t0 = Date.now()

  // interleaved plan: round r runs every case once, order rotated by r·n/reps
  const n = cases.length
  const plan: Array<{ readonly index: number; readonly rep: number }> = []
  for (let r = 0; r < params.reps; r++) {
    const shift = Math.floor((r * n) / params.reps)
    for (let k = 0; k < n; k++) plan.push({ index: (k + shift) % n, rep: r })
  }
  const straced = strace === null ? [] : cases.filter((c) => c.kind === "commit" && c.straceSyncs === true)
  process.stderr.write(
    `bench: ${n} cases × ${params.reps} reps (${plan.length} runs) + ${straced.length} strace runs; ` +
      `${params.seconds} s each after ${params.warmupSeconds} s warm-up; node ${process.version}; ` +
      `strace ${strace === null ? (params.strace ? "not installed: fsyncs of peers n/a" : "off") : "on"}\n`
  )

  const runs: Array<Array<CaseResult | RunError>> = cases.map(() => [])
  let failures = 0
  try {
    plan.forEach(({ index, rep }, i) => {
      const c = cases[index]!
      const r = runRepetition(c, base)
      runs[index]!.push(r)
      if ("error" in r) failures++
      const width = String(plan.length).length
      process.stderr.write(
        `[${String(i + 1).padStart(width)}/${plan.length}] ${c.id} #${rep + 1}  ${"error" in r ? `FAILED: ${r.error}` : describe(r)}\n`
      )
    })
  } finally {
    removeFixtures()
  }

  const straceCounts = new Map<string, StraceCount>()
  if (straced.length > 0) {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "effect-wal-bench-strace-"))
    try {
      const sbase = { ...base, seconds: Math.min(params.seconds, params.quick ? 0.2 : 1) }
      for (const c of straced) {
        const s = countWithStrace(c, sbase, tmp)
        straceCounts.set(c.id, s)
        process.stderr.write(
          `[strace] ${c.id}  ${"unavailable" in s ? `n/a: ${s.unavailable}` : `${s.syncsPerCommit.toFixed(3)} syncs/commit ${JSON.stringify(s.calls)}`}\n`
        )
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true })
    }
  }

  const records: Array<CaseRecord> = cases.map((c, i) => ({
    id: c.id,
    kind: c.kind,
    role: c.role,
    store: c.store,
    mode: c.mode,
    concurrency: c.concurrency,
    durable: c.durable,
    syncApi: c.syncApi === true,
    env: c.env ?? {},
    runs: runs[i]!,
    strace: straceCounts.get(c.id) ?? (c.kind === "commit" && c.straceSyncs === true ? { unavailable: strace === null ? "strace not installed" : "not run" } : null)
  }))
  const results: ResultsFile = {
    version: 1,
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    wallSeconds: Math.round((Date.now() - t0) / 100) / 10,
    argv: process.argv.slice(2),
    params,
    machine,
    payload: { bytes: makeCommitPool(1)[0]!.payload.length, eventsPerCommit: EVENTS_PER_COMMIT, standIn: PAYLOAD_IS_STAND_IN },
    cases: records
  }
  fs.mkdirSync(path.dirname(args.out), { recursive: true })
  fs.writeFileSync(args.out, JSON.stringify(results, null, 1) + "\n")
  process.stdout.write(renderMarkdown(results, { plot: null }) + "\n")
  process.stderr.write(`bench: wrote ${path.relative(process.cwd(), args.out)} in ${results.wallSeconds} s; ${failures} failed runs\n`)
  if (failures > 0) process.exitCode = 1
}

main()
