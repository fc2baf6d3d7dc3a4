/**
 * Turns a results file into markdown tables (with ratios to the floor and to
 * every peer measured in the same run) and an SVG line chart of durable
 * commits/s against concurrent committers. Pure functions: no I/O.
 *
 * Ratio conventions:
 * - "× floor": commits/s ÷ the floor (`writeSync` + `fdatasyncSync` per commit,
 *   1 committer). MB/s ratios equal commits/s ratios (same bytes per commit).
 * - "× floor@c": commits/s ÷ the hand-rolled group-commit floor at the same
 *   number of committers.
 * - Matrices: row ÷ column at the same concurrency; a sync-API store's
 *   1-committer figure stands for every concurrency (committers serialise),
 *   marked †, and has no latency ratio there.
 *
 * @module
 */
import { FLOOR_ID, groupFloorId } from "./cases/floor.js"
import { spread, type Spread } from "./stats.js"
import type {
  CaseRecord,
  CaseResult,
  CodecResult,
  CommitResult,
  RecoveryMeasured,
  RecoveryResult,
  ResultsFile,
  RunError
} from "./types.js"

// ---------------------------------------------------------------------------
// aggregation

const ok = (runs: ReadonlyArray<CaseResult | RunError>): ReadonlyArray<CaseResult> =>
  runs.filter((r): r is CaseResult => !("error" in r))

export interface CommitSummary {
  readonly record: CaseRecord
  readonly commitsPerSec: Spread
  readonly mbPerSec: Spread
  readonly p50: Spread | null
  readonly p99: Spread | null
  readonly p999: Spread | null
  /** Self-counted syncs per commit (our own cases), median over repetitions. */
  readonly selfSyncs: Spread | null
  readonly extra: Readonly<Record<string, number | string>> | undefined
}

export const summariseCommit = (record: CaseRecord): CommitSummary | null => {
  const rs = ok(record.runs).filter((r): r is CommitResult => r.kind === "commit")
  const cps = spread(rs.map((r) => r.commitsPerSec))
  if (cps === null) return null
  const selfSyncs = rs.every((r) => r.syncs !== null)
    ? spread(rs.map((r) => r.syncs! / Math.max(1, r.totalCommits)))
    : null
  return {
    record,
    commitsPerSec: cps,
    mbPerSec: spread(rs.map((r) => r.mbPerSec))!,
    p50: spread(rs.map((r) => r.latency.p50)),
    p99: spread(rs.map((r) => r.latency.p99)),
    p999: spread(rs.map((r) => r.latency.p999)),
    selfSyncs,
    extra: rs[Math.floor(rs.length / 2)]?.extra
  }
}

interface RecoverySummary {
  readonly record: CaseRecord
  readonly unavailable: string | null
  readonly mbPerSec: Spread | null
  readonly openMs: Spread | null
  readonly scanMs: Spread | null
  readonly peakRssMb: Spread | null
  readonly baseRssMb: Spread | null
  /** Peak RSS − RSS before the reopen, per repetition. */
  readonly rssGrowthMb: Spread | null
  readonly records: number | null
  readonly diskMb: number | null
}

const summariseRecovery = (record: CaseRecord): RecoverySummary => {
  const all = ok(record.runs).filter((r): r is RecoveryResult => r.kind === "recovery")
  const rs = all.filter((r): r is RecoveryMeasured => r.cache !== "cold unavailable")
  const un = all.find((r) => r.cache === "cold unavailable")
  return {
    record,
    unavailable: rs.length === 0 && un !== undefined && un.cache === "cold unavailable" ? un.reason : null,
    mbPerSec: spread(rs.map((r) => r.mbPerSec)),
    openMs: spread(rs.map((r) => r.openMs)),
    scanMs: spread(rs.map((r) => r.scanMs)),
    peakRssMb: spread(rs.map((r) => r.peakRssMb)),
    baseRssMb: spread(rs.map((r) => r.baseRssMb)),
    rssGrowthMb: spread(rs.map((r) => r.peakRssMb - r.baseRssMb)),
    records: rs[0]?.records ?? null,
    diskMb: rs[0] === undefined ? null : rs[0].diskBytes / 1e6
  }
}

// ---------------------------------------------------------------------------
// formatting

const int = (n: number) => Math.round(n).toLocaleString("en-US")
const num = (n: number) => (n >= 100 ? int(n) : n >= 10 ? n.toFixed(1) : n.toFixed(2))
const ratio = (n: number) =>
  !Number.isFinite(n) ? "–" : n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n >= 0.1 ? n.toFixed(2) : n.toPrecision(2)
const withRange = (s: Spread | null, f: (n: number) => string = num): string =>
  s === null ? "–" : s.n === 1 ? f(s.median) : `${f(s.median)} (${f(s.min)}–${f(s.max)})`
const med = (s: Spread | null, f: (n: number) => string = num): string => (s === null ? "–" : f(s.median))
const esc = (s: string) => s.replace(/\|/g, "\\|")

const table = (head: ReadonlyArray<string>, align: string, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const al = head.map((_, i) => (align[i] === "r" ? "--:" : "---"))
  return [head, al, ...rows].map((r) => `| ${r.map(esc).join(" | ")} |`).join("\n")
}

/** Short label of a case: its id without the `/cN` suffix. */
export const stem = (id: string): string => id.replace(/\/c\d+$/, "")

// ---------------------------------------------------------------------------
// markdown

export interface RenderOptions {
  /** Markdown image path of the plot, or null for none. */
  readonly plot: string | null
}

export const renderMarkdown = (res: ResultsFile, opts: RenderOptions): string => {
  const out: Array<string> = []
  const m = res.machine
  const p = res.params
  out.push(`### Machine and run`)
  out.push("")
  out.push(
    [
      `- ${m.nproc} cores (\`nproc\`), ${m.cpuModel}; ${m.memTotalGiB} GiB memory; ${m.platform}, kernel ${m.kernel}`,
      `- Node ${m.node}; temp dirs in \`${m.tmpdir}\` on ${m.fsType}:`,
      "",
      "  ```",
      ...m.df.split("\n").map((l) => `  ${l}`),
      "  ```",
      `- ${p.quick ? "**--quick smoke run: figures are not meaningful.** " : ""}${p.reps} interleaved repetitions per case, each in a fresh process and temp dir; ` +
        `${p.seconds} s measured after ${p.warmupSeconds} s warm-up; medians with (min–max) across repetitions; ` +
        `run started ${res.startedAt}, took ${Math.round(res.wallSeconds)} s`,
      `- A commit = one transaction of ${res.payload.eventsPerCommit} graph mutation events, ${res.payload.bytes} bytes encoded; every store writes the same bytes per commit` +
        (res.payload.standIn ? " (**stand-in encoding until the LW1 codec lands — TODO(lw1)**)" : ""),
      `- fsync counting: ${m.strace === null ? "strace not installed: peers' fsyncs/commit are n/a" : `${m.strace}, one extra unmeasured repetition per case`}`
    ].join("\n")
  )
  out.push("")

  const targets = renderTargets(res)
  if (targets !== "") {
    out.push(targets)
    out.push("")
  }

  // --- commit cases
  const commits = res.cases
    .filter((c) => c.kind === "commit")
    .map(summariseCommit)
    .filter((s): s is CommitSummary => s !== null)
  const byId = new Map(commits.map((s) => [s.record.id, s]))
  const floor = byId.get(FLOOR_ID)
  if (commits.length > 0) {
    out.push(`### Commit throughput and ack latency`)
    out.push("")
    const rows = commits.map((s) => {
      const r = s.record
      const gf = byId.get(groupFloorId(r.concurrency))
      const st = r.strace !== null && !("unavailable" in r.strace) ? r.strace.syncsPerCommit : null
      const syncs =
        s.selfSyncs !== null
          ? s.selfSyncs.median.toFixed(3)
          : st !== null
            ? `${st.toFixed(3)} (strace)`
            : "n/a"
      const batch = s.extra?.["meanBatch"]
      return [
        `\`${r.id}\``,
        `${r.store}: ${r.mode}${r.syncApi ? " (sync API)" : ""}${batch === undefined ? "" : `; mean batch ${batch}`}`,
        String(r.concurrency),
        r.durable ? "yes" : "**no**",
        withRange(s.commitsPerSec, int),
        med(s.mbPerSec),
        med(s.p50),
        med(s.p99),
        med(s.p999),
        syncs,
        floor === undefined ? "–" : ratio(s.commitsPerSec.median / floor.commitsPerSec.median),
        gf === undefined ? "–" : ratio(s.commitsPerSec.median / gf.commitsPerSec.median)
      ]
    })
    out.push(
      table(
        [
          "case",
          "store: mode",
          "committers",
          "durable",
          "commits/s",
          "MB/s",
          "p50 µs",
          "p99 µs",
          "p99.9 µs",
          "fsyncs/commit",
          "× floor",
          "× floor@c"
        ],
        "llrlrrrrrrrr",
        rows
      )
    )
    out.push("")
    out.push(
      "Latency = call → acknowledgement of one commit (µs, median of the repetitions' percentiles). " +
        "fsyncs/commit: counted by the case itself (raw-file floors), else `(strace)` = fsync + fdatasync + msync + sync_file_range " +
        "over a whole extra repetition (open, warm-up and close included) ÷ its commits; n/a when neither is possible. " +
        "× floor = commits/s ÷ `" +
        FLOOR_ID +
        "`; × floor@c = ÷ the group-commit floor at the same committers. MB/s ratios are the same as commits/s ratios."
    )
    out.push("")
    if (opts.plot !== null) {
      out.push(`![durable commits/s vs concurrent committers](${opts.plot})`)
      out.push("")
    }

    // --- ratio matrices
    const levels = [...new Set(commits.map((s) => s.record.concurrency))].sort((a, b) => a - b)
    const isReference = (s: CommitSummary) =>
      s.record.id === FLOOR_ID || s.record.id.startsWith("floor/group-commit/") || s.record.role === "peer"
    out.push(`### Ratios at each concurrency (row ÷ column)`)
    out.push("")
    out.push(
      "Columns are the floor, the group-commit floor and every peer; rows are every case at that concurrency. " +
        "Throughput: commits/s ratio (> 1 = faster; MB/s ratios are identical). " +
        "Latency: p50 / p99 / p99.9 ratios (< 1 = lower latency). " +
        "† = a sync-API store's 1-committer figure, which holds at any concurrency (its committers serialise); " +
        "it has no latency ratio there."
    )
    out.push("")
    for (const c of levels) {
      const rowsAt = commits.filter((s) => s.record.concurrency === c)
      const cols: Array<{ readonly s: CommitSummary; readonly carried: boolean }> = commits
        .filter((s) => isReference(s) && (s.record.concurrency === c || (c > 1 && s.record.syncApi && s.record.concurrency === 1)))
        .map((s) => ({ s, carried: s.record.concurrency !== c }))
      if (cols.length === 0) continue
      const label = ({ s, carried }: { readonly s: CommitSummary; readonly carried: boolean }) =>
        `${stem(s.record.id)}${carried ? " †" : ""}${s.record.durable ? "" : " (not durable)"}`
      const who = `${c} committer${c === 1 ? "" : "s"}`
      out.push(`**${who}: commits/s ratio**`)
      out.push("")
      out.push(
        table(
          ["row ÷ column", ...cols.map(label)],
          "l" + "r".repeat(cols.length),
          rowsAt.map((r) => [`\`${stem(r.record.id)}\``, ...cols.map(({ s }) => ratio(r.commitsPerSec.median / s.commitsPerSec.median))])
        )
      )
      out.push("")
      const latCols = cols.filter(({ carried }) => !carried)
      const lat = (a: Spread | null, b: Spread | null) => (a === null || b === null ? "–" : ratio(a.median / b.median))
      out.push(`**${who}: latency ratio p50 / p99 / p99.9**`)
      out.push("")
      out.push(
        table(
          ["row ÷ column", ...latCols.map(label)],
          "l" + "r".repeat(latCols.length),
          rowsAt.map((r) => [
            `\`${stem(r.record.id)}\``,
            ...latCols.map(({ s }) => `${lat(r.p50, s.p50)} / ${lat(r.p99, s.p99)} / ${lat(r.p999, s.p999)}`)
          ])
        )
      )
      out.push("")
    }
  }

  // --- recovery
  const recs = res.cases.filter((c) => c.kind === "recovery").map(summariseRecovery)
  if (recs.length > 0) {
    out.push(`### Recovery: reopen + full scan`)
    out.push("")
    const peers = [...new Set(recs.filter((r) => r.record.role === "peer").map((r) => r.record.store))]
    const cacheOf = (r: RecoverySummary) => (r.record.id.endsWith("/cold") ? "cold" : "warm")
    const find = (store: string, cache: string) =>
      recs.find((r) => r.record.store === store && cacheOf(r) === cache && r.mbPerSec !== null)
    const rawStore = recs.find((r) => r.record.role === "floor")?.record.store
    const rows = recs.map((r) => {
      const cache = cacheOf(r)
      const mine = r.mbPerSec
      const vs = (store: string | undefined) => {
        if (store === undefined || mine === null) return "–"
        const o = find(store, cache)
        return o === undefined || o.mbPerSec === null ? "–" : ratio(mine.median / o.mbPerSec.median)
      }
      if (r.unavailable !== null)
        return [`\`${r.record.id}\``, r.record.store, r.record.mode, `cold unavailable (${r.unavailable})`, "", "", "", "", "", "", "", ...peers.map(() => "")]
      return [
        `\`${r.record.id}\``,
        r.record.store,
        r.record.mode,
        withRange(r.mbPerSec, int),
        med(r.openMs),
        med(r.scanMs),
        r.records === null ? "–" : int(r.records),
        r.diskMb === null ? "–" : num(r.diskMb),
        r.peakRssMb === null ? "–" : `${int(r.peakRssMb.median)} (${int(r.baseRssMb?.median ?? Number.NaN)} before open)`,
        r.rssGrowthMb === null ? "–" : withRange(r.rssGrowthMb, int),
        vs(rawStore),
        ...peers.map(vs)
      ]
    })
    out.push(
      table(
        [
          "case",
          "store",
          "scan (cache)",
          "MB/s (payload)",
          "open ms",
          "scan ms",
          "records",
          "on disk MB",
          "peak RSS MB",
          "RSS growth MB",
          "× raw log",
          ...peers.map((s) => `× ${s}`)
        ],
        "lllrrrrrrrr" + "r".repeat(peers.length),
        rows
      )
    )
    out.push("")
    out.push(
      "MB/s = payload bytes ÷ (reopen + scan) time, in a fresh process after a separate process loaded the data. " +
        "warm = data still in the page cache; cold = `sync` + `echo 3 > /proc/sys/vm/drop_caches` right before the reopen " +
        "(machine-wide; needs root). Peak RSS = the scanning process's maxRSS (Node itself included; the figure in parentheses is its RSS before the reopen); " +
        "RSS growth = peak RSS − RSS before the reopen (lmdb's includes its memory-mapped pages). Columns × raw log / × node:sqlite / × classic-level / × lmdb divide by the plain scans (payload bytes handed back, nothing decoded); × lmdb + LW1 decode by lmdb's scan that also decodes every payload. " +
        "Ratios at the same cache state."
    )
    out.push("")
  }

  // --- codec
  const codec = res.cases.filter((c) => c.kind === "codec")
  for (const c of codec) {
    const rs = ok(c.runs).filter((r): r is CodecResult => r.kind === "codec")
    const first = rs[0]
    if (first === undefined) continue
    out.push(`### Codec: one commit (${res.payload.eventsPerCommit} events)`)
    out.push("")
    const perSec = (name: string) => spread(rs.flatMap((r) => r.rows.filter((x) => x.name === name && x.commitsPerSec !== null).map((x) => x.commitsPerSec!)))
    const rows = first.rows.map((row) => {
      const s = perSec(row.name)
      const b = row.baseline === undefined ? null : perSec(row.baseline)
      return [
        row.name,
        row.bytesPerCommit === null ? "–" : String(row.bytesPerCommit),
        s === null ? "–" : withRange(s, int),
        s === null || row.bytesPerCommit === null ? "–" : num((s.median * row.bytesPerCommit) / 1e6),
        s === null || b === null || row.baseline === row.name ? "–" : `${ratio(s.median / b.median)} × ${row.baseline}`,
        row.note ?? ""
      ]
    })
    out.push(table(["operation", "bytes/commit", "commits/s", "MB/s", "ratio", "note"], "lrrrll", rows))
    out.push("")
  }

  // --- failures
  const failed = res.cases.flatMap((c) => c.runs.filter((r): r is RunError => "error" in r).map((r) => `${c.id}: ${firstLine(r.error)}`))
  if (failed.length > 0) {
    out.push(`### Failed runs`)
    out.push("")
    for (const f of failed) out.push(`- ${f}`)
    out.push("")
  }
  return out.join("\n").trimEnd()
}

const firstLine = (s: string) => s.split("\n")[0] ?? s

// ---------------------------------------------------------------------------
// targets (issue 5/6): every ratio from medians of this one run

interface TargetRow {
  readonly target: string
  readonly measured: string
  readonly ratio: number | null
  readonly need: string
  readonly ok: boolean | null
}

/** The effect-wal performance targets with their measured ratios; "" when no effect-wal case ran. */
export const renderTargets = (res: ResultsFile): string => {
  const commit = new Map(
    res.cases
      .filter((c) => c.kind === "commit")
      .map(summariseCommit)
      .filter((s): s is CommitSummary => s !== null)
      .map((s) => [s.record.id, s])
  )
  if (![...commit.keys()].some((k) => k.startsWith("effect-wal/")) && !res.cases.some((c) => c.role === "effect-wal")) return ""
  const cps = (id: string) => commit.get(id)?.commitsPerSec.median ?? null
  const mbs = (id: string) => commit.get(id)?.mbPerSec.median ?? null
  const rows: Array<TargetRow> = []
  const div = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : a / b)
  const check = (r: number | null, min: number) => (r === null ? null : r >= min)
  const fmtCps = (id: string) => (cps(id) === null ? "–" : `${int(cps(id)!)}/s`)

  for (const mode of ["per-commit", "group-durable", "per-commit-prealloc"]) {
    const id = `effect-wal/${mode}/c1`
    const r = div(cps(id), cps(FLOOR_ID))
    rows.push({ target: `\`${id}\` ÷ \`${FLOOR_ID}\``, measured: `${fmtCps(id)} vs ${fmtCps(FLOOR_ID)}`, ratio: r, need: "≥ 0.9", ok: check(r, 0.9) })
  }
  const durablePeers = (c: number) =>
    [...commit.values()].filter(
      (s) => s.record.role === "peer" && s.record.durable && (s.record.concurrency === c || (s.record.syncApi && s.record.concurrency === 1))
    )
  for (const c of [16, 256]) {
    for (const mode of ["per-commit", "group-durable", "per-commit-prealloc"]) {
      const id = `effect-wal/${mode}/c${c}`
      const gf = groupFloorId(c)
      const r = div(cps(id), cps(gf))
      rows.push({ target: `\`${id}\` ÷ \`${gf}\``, measured: `${fmtCps(id)} vs ${fmtCps(gf)}`, ratio: r, need: "≥ 0.8", ok: check(r, 0.8) })
      const peers = durablePeers(c)
      if (peers.length > 0 && cps(id) !== null) {
        const ratios = peers.map((p) => ({ id: stem(p.record.id), r: cps(id)! / p.commitsPerSec.median }))
        const worst = ratios.reduce((a, b) => (b.r < a.r ? b : a))
        rows.push({
          target: `\`${id}\` ÷ every durable peer at ${c} (worst: \`${worst.id}\`)`,
          measured: ratios.map((x) => `${x.id} ${ratio(x.r)}`).join(", "),
          ratio: worst.r,
          need: "≥ 1.0",
          ok: check(worst.r, 1)
        })
      }
    }
  }
  for (const c of [1, 16, 256]) {
    const id = `effect-wal/none/c${c}`
    const r = div(mbs(id), mbs("floor/write-only/c1"))
    rows.push({
      target: `\`${id}\` MB/s ÷ \`floor/write-only/c1\` MB/s (payload bytes)`,
      measured: `${mbs(id) === null ? "–" : num(mbs(id)!)} vs ${mbs("floor/write-only/c1") === null ? "–" : num(mbs("floor/write-only/c1")!)} MB/s`,
      ratio: r,
      need: "≥ 0.5",
      ok: check(r, 0.5)
    })
  }

  const recs = res.cases.filter((c) => c.kind === "recovery").map(summariseRecovery)
  const warm = (id: string) => recs.find((r) => r.record.id === id)
  const ew = warm("recovery/effect-wal/warm")
  const peerScans = recs.filter((r) => r.record.role === "peer" && r.record.id.endsWith("/warm") && !r.record.id.includes("-decode") && r.mbPerSec !== null)
  if (ew !== undefined && ew.mbPerSec !== null && peerScans.length > 0) {
    const fastest = peerScans.reduce((a, b) => (b.mbPerSec!.median > a.mbPerSec!.median ? b : a))
    const r = ew.mbPerSec.median / fastest.mbPerSec!.median
    rows.push({
      target: `\`recovery/effect-wal/warm\` ÷ fastest peer scan (\`${fastest.record.id}\`)`,
      measured: `${int(ew.mbPerSec.median)} vs ${int(fastest.mbPerSec!.median)} MB/s`,
      ratio: r,
      need: "≥ 1.0",
      ok: check(r, 1)
    })
    const dec = warm(fastest.record.id.replace(/\/warm$/, "-decode/warm"))
    if (dec !== undefined && dec.mbPerSec !== null) {
      const r2 = ew.mbPerSec.median / dec.mbPerSec.median
      rows.push({
        target: `(context) \`recovery/effect-wal/warm\` ÷ \`${dec.record.id}\` (same LW1 decode)`,
        measured: `${int(ew.mbPerSec.median)} vs ${int(dec.mbPerSec.median)} MB/s`,
        ratio: r2,
        need: "–",
        ok: null
      })
    }
  }
  if (ew !== undefined && ew.rssGrowthMb !== null) {
    const g = ew.rssGrowthMb.max
    rows.push({
      target: `\`recovery/effect-wal/warm\` peak RSS growth (max of reps), ${num((ew.records ?? 0) * res.payload.bytes / 1e6)} MB of payload`,
      measured: `${int(g)} MB`,
      ratio: null,
      need: "≤ 64 MB",
      ok: g <= 64
    })
  }

  const codec = res.cases.filter((c) => c.kind === "codec").flatMap((c) => ok(c.runs).filter((r): r is CodecResult => r.kind === "codec"))
  const codecMed = (name: string) =>
    spread(codec.flatMap((r) => r.rows.filter((x) => x.name === name && x.commitsPerSec !== null).map((x) => x.commitsPerSec!)))?.median ?? null
  const ENC = "LW1 encode (LW1Codec.writeBatch into a reused ByteWriter)"
  const DEC = "LW1 decode (decodeBatch)"
  const pairs: ReadonlyArray<readonly [string, string, string]> = [
    ["LW1 encode", ENC, "JSON.stringify(replacer) + TextEncoder.encode"],
    ["LW1 encode", ENC, "JSON.stringify(replacer)"],
    ["LW1 decode", DEC, "TextDecoder.decode + JSON.parse"],
    ["LW1 decode", DEC, "JSON.parse"]
  ]
  for (const [label, a, b] of pairs) {
    const va = codecMed(a)
    const vb = codecMed(b)
    const r = div(va, vb)
    if (va === null || vb === null) continue
    rows.push({ target: `${label} ÷ ${b} (commits/s, same events)`, measured: `${int(va)} vs ${int(vb)} /s`, ratio: r, need: "≥ 1.0", ok: check(r, 1) })
  }

  const out: Array<string> = []
  out.push("### Targets")
  out.push("")
  out.push(
    table(
      ["target", "measured (medians)", "ratio", "required", "met"],
      "llrll",
      rows.map((t) => [t.target, t.measured, t.ratio === null ? "–" : ratio(t.ratio), t.need, t.ok === null ? "–" : t.ok ? "yes" : "**no**"])
    )
  )
  return out.join("\n")
}

// ---------------------------------------------------------------------------
// SVG plot: durable commits/s vs concurrent committers, log–log

const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]

const xmlEsc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

const si = (v: number) =>
  v >= 1e6 ? `${+(v / 1e6).toPrecision(3)}M` : v >= 1e3 ? `${+(v / 1e3).toPrecision(3)}k` : `${+v.toPrecision(3)}`

export const renderSvg = (res: ResultsFile): string => {
  const commits = res.cases
    .filter((c) => c.kind === "commit" && c.durable)
    .map(summariseCommit)
    .filter((s): s is CommitSummary => s !== null)
  const series = new Map<string, Array<CommitSummary>>()
  for (const s of commits) {
    const k = stem(s.record.id)
    series.set(k, [...(series.get(k) ?? []), s])
  }
  // A single point of an async store (e.g. one variant run at 256 committers only) is no line: left out.
  for (const [k, pts] of series) if (pts.length === 1 && !pts[0]!.record.syncApi) series.delete(k)
  const W = 960
  const H = 540
  const L = 80
  const R = 330
  const T = 50
  const B = 60
  const pw = W - L - R
  const ph = H - T - B
  const xs = [...new Set(commits.map((s) => s.record.concurrency))].sort((a, b) => a - b)
  const xMin = Math.min(1, ...xs)
  const xMax = Math.max(xMin * 16, ...xs)
  const vals = commits.flatMap((s) => [s.commitsPerSec.min, s.commitsPerSec.max]).filter((v) => v > 0)
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...vals, 1e3)))
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...vals, 1e4)))
  const X = (x: number) => L + ((Math.log(x) - Math.log(xMin)) / (Math.log(xMax) - Math.log(xMin))) * pw
  const Y = (y: number) => T + ph - ((Math.log10(y) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * ph
  const o: Array<string> = []
  o.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">`
  )
  o.push(`<rect width="${W}" height="${H}" fill="white"/>`)
  o.push(
    `<text x="${L}" y="24" font-size="15" font-weight="bold">Durable commits/s vs concurrent committers (log–log; median, bars = min–max)</text>`
  )
  o.push(
    `<text x="${L}" y="40" fill="#555">${xmlEsc(`${res.machine.nproc} cores, Node ${res.machine.node}, ${res.machine.fsType}; ${res.payload.bytes}-byte commits; ${res.params.reps} reps${res.params.quick ? " — QUICK SMOKE RUN" : ""}`)}</text>`
  )
  // grid
  for (let d = yMin; d <= yMax * 1.0001; d *= 10) {
    for (const k of [1, 2, 5]) {
      const v = d * k
      if (v > yMax * 1.0001) break
      const y = Y(v).toFixed(1)
      o.push(`<line x1="${L}" x2="${L + pw}" y1="${y}" y2="${y}" stroke="${k === 1 ? "#ccc" : "#eee"}"/>`)
      o.push(`<text x="${L - 6}" y="${(+y + 4).toFixed(1)}" text-anchor="end" fill="${k === 1 ? "#333" : "#999"}">${si(v)}</text>`)
    }
  }
  for (const x of xs) {
    const px = X(x).toFixed(1)
    o.push(`<line x1="${px}" x2="${px}" y1="${T}" y2="${T + ph}" stroke="#ddd"/>`)
    o.push(`<text x="${px}" y="${T + ph + 18}" text-anchor="middle">${x}</text>`)
  }
  o.push(`<rect x="${L}" y="${T}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`)
  o.push(`<text x="${L + pw / 2}" y="${H - 18}" text-anchor="middle">concurrent committers</text>`)
  o.push(`<text transform="translate(20 ${T + ph / 2}) rotate(-90)" text-anchor="middle">commits/s</text>`)
  // series
  let i = 0
  for (const [name, pts] of series) {
    const isFloor = name === stem(FLOOR_ID)
    const ours = name.startsWith("effect-wal")
    const color = isFloor ? "#000" : PALETTE[i % PALETTE.length]!
    const width = ours ? 3.5 : 2
    const sorted = [...pts].sort((a, b) => a.record.concurrency - b.record.concurrency)
    const flat = sorted.length === 1 && sorted[0]!.record.syncApi
    const dash = flat ? ` stroke-dasharray="6 4"` : ""
    const pts2 = flat
      ? [
          [X(xMin), Y(sorted[0]!.commitsPerSec.median)],
          [X(xMax), Y(sorted[0]!.commitsPerSec.median)]
        ]
      : sorted.map((s) => [X(s.record.concurrency), Y(s.commitsPerSec.median)])
    o.push(
      `<polyline fill="none" stroke="${color}" stroke-width="${width}"${dash} points="${pts2.map(([a, b]) => `${a!.toFixed(1)},${b!.toFixed(1)}`).join(" ")}"/>`
    )
    for (const s of sorted) {
      const x = X(s.record.concurrency)
      o.push(
        `<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${Y(s.commitsPerSec.min).toFixed(1)}" y2="${Y(s.commitsPerSec.max).toFixed(1)}" stroke="${color}" stroke-width="1.5"/>`
      )
      o.push(`<circle cx="${x.toFixed(1)}" cy="${Y(s.commitsPerSec.median).toFixed(1)}" r="3.5" fill="${color}"/>`)
    }
    const ly = T + 8 + i * 20
    o.push(`<line x1="${L + pw + 16}" x2="${L + pw + 44}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="${width}"${dash}/>`)
    o.push(`<text x="${L + pw + 50}" y="${ly + 4}"${ours ? ` font-weight="bold"` : ""}>${xmlEsc(name + (flat ? " (sync API)" : ""))}</text>`)
    i++
  }
  o.push(
    `<text x="${L + pw + 16}" y="${T + 16 + i * 20}" fill="#555" font-size="11">dashed: sync API, committers serialise;</text>`
  )
  o.push(`<text x="${L + pw + 16}" y="${T + 30 + i * 20}" fill="#555" font-size="11">its 1-committer figure holds at any count</text>`)
  o.push(`</svg>`)
  return o.join("\n") + "\n"
}
