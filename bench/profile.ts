/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time by
 * function and by module group, so a missed benchmark target can be traced
 * to its cause.
 *
 *   node dist/bench/profile.js <file.cpuprofile> [--top N]
 *   node dist/bench/profile.js --case <caseId> [--seconds S] [--top N]
 *
 * The second form runs one repetition of a case in a child process under
 * `node --cpu-prof` (fresh temp directory, prepare phase first when the case
 * has one) and summarises the profile of the measured process.
 *
 * Groups: `effect` (node_modules/effect), `effect-wal src/…` by file,
 * `bench`, `node:` internals, `(native)` (GC, program, idle, builtins
 * without a script).
 *
 * @module
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
  readonly columnNumber: number
}
interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
  readonly children?: ReadonlyArray<number>
}
interface Profile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly startTime: number
  readonly endTime: number
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

const groupOf = (url: string, name: string): string => {
  if (url === "") return name.startsWith("(") ? name : "(native)"
  if (url.startsWith("node:")) return "node: internals"
  const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)
  if (m) return m[1]!
  const s = /\/dist\/(src\/.*?)\.js$/.exec(url)
  if (s) return `effect-wal ${s[1]}`
  const b = /\/dist\/(bench\/.*?)\.js$/.exec(url)
  if (b) return b[1]!
  return url
}

/** Self time (ms) per function and per group, sorted descending. */
export const summarise = (p: Profile) => {
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const self = new Map<number, number>()
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i]!
    self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0))
  }
  const fn = new Map<string, number>()
  const grp = new Map<string, number>()
  let total = 0
  for (const [id, us] of self) {
    const n = byId.get(id)!
    const cf = n.callFrame
    const file = cf.url === "" ? "" : cf.url.replace(/^.*\/(node_modules|dist)\//, "$1/")
    const key = `${cf.functionName || "(anonymous)"}  ${file}${cf.url === "" ? "" : `:${cf.lineNumber + 1}`}`
    fn.set(key, (fn.get(key) ?? 0) + us)
    const g = groupOf(cf.url, cf.functionName)
    grp.set(g, (grp.get(g) ?? 0) + us)
    total += us
  }
  const sort = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).map(([k, us]) => ({ key: k, ms: us / 1000, pct: (100 * us) / total }))
  return { totalMs: total / 1000, functions: sort(fn), groups: sort(grp) }
}

const print = (file: string, top: number): void => {
  const p = JSON.parse(fs.readFileSync(file, "utf8")) as Profile
  const s = summarise(p)
  const out: Array<string> = []
  out.push(`profile ${path.basename(file)}: ${s.totalMs.toFixed(0)} ms sampled`)
  out.push("")
  out.push("self time by group:")
  for (const g of s.groups.slice(0, 20)) out.push(`  ${g.pct.toFixed(1).padStart(5)} %  ${g.ms.toFixed(0).padStart(7)} ms  ${g.key}`)
  out.push("")
  out.push(`self time by function (top ${top}):`)
  for (const f of s.functions.slice(0, top)) out.push(`  ${f.pct.toFixed(1).padStart(5)} %  ${f.ms.toFixed(0).padStart(7)} ms  ${f.key}`)
  process.stdout.write(out.join("\n") + "\n")
}

const main = (): void => {
  const argv = process.argv.slice(2)
  const opt = (flag: string) => {
    const i = argv.indexOf(flag)
    return i >= 0 ? argv[i + 1] : undefined
  }
  const top = Number(opt("--top") ?? 30)
  const caseId = opt("--case")
  if (caseId === undefined) {
    const file = argv.find((a) => a.endsWith(".cpuprofile"))
    if (file === undefined) throw new Error("usage: profile.js <file.cpuprofile> | --case <id> [--seconds S] [--top N]")
    return print(file, top)
  }
  const here = path.dirname(fileURLToPath(import.meta.url))
  const caseJs = path.join(here, "case.js")
  const seconds = Number(opt("--seconds") ?? 3)
  const recoveryMb = Number(opt("--recovery-mb") ?? 64)
  const params = { seconds, warmupSeconds: 0.5, recoveryBytes: Math.round(recoveryMb * 1e6), quick: false }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "effect-wal-bench-prof-"))
  const profDir = opt("--out") ?? fs.mkdtempSync(path.join(os.tmpdir(), "effect-wal-cpuprof-"))
  try {
    const env = { ...process.env, ...(caseId.includes("uv64") ? { UV_THREADPOOL_SIZE: "64" } : {}) }
    if (caseId.startsWith("recovery/")) {
      const r = spawnSync(process.execPath, [caseJs, caseId, dir, JSON.stringify({ ...params, phase: "prepare" })], { stdio: ["ignore", "pipe", "inherit"], env })
      if (r.status !== 0) throw new Error(`prepare failed: ${r.stdout}`)
    }
    const r = spawnSync(process.execPath, ["--cpu-prof", `--cpu-prof-dir=${profDir}`, caseJs, caseId, dir, JSON.stringify({ ...params, phase: "run" })], {
      stdio: ["ignore", "pipe", "inherit"],
      encoding: "utf8",
      env
    })
    process.stdout.write(`result: ${r.stdout.trim().slice(0, 400)}\n`)
    const files = fs.readdirSync(profDir).filter((f) => f.endsWith(".cpuprofile")).map((f) => path.join(profDir, f))
    for (const f of files) {
      process.stdout.write(`(${f})\n`)
      print(f, top)
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

main()
