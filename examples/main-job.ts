/**
 * The main job: log a real dataset as LoraDB graph mutations, recover it,
 * verify it, and ask LoraDB about it.
 *
 * 1. **Read** 3,376 US airports (`airports.csv`) and 3,000,000 US flights of
 *    January–June 2001 (`flights-3m.parquet`) from the npm package
 *    `vega-datasets` — the Parquet file one row group at a time.
 * 2. **Map** them to `MutationEvent`s (`examples/flights/mapping.ts`): an
 *    `Airport` node per airport, a `FLIGHT` relationship per flight, and each
 *    airport's running `departures` count set once per transaction it
 *    departs in. Transactions: all airports first, then one per hour of
 *    departures (~4,300 for the whole file, ~700 flights each).
 * 3. **Log** them with `Wal.layer` into `--dir` (default `./data/wal`) under
 *    the default sync mode (GroupSync, 50 ms): one `commitTx` per hour, not
 *    waiting for durability per commit; one `forceFsync` at the end.
 * 4. **Recover**: close, reopen with a bounded-memory `onRecover` callback
 *    that folds each recovered transaction into a digest (counts,
 *    per-airport arrays, SHA-256 of a canonical rendering), and compare it
 *    with the digest of what was logged and with counts taken straight from
 *    the source (`examples/flights/verify.ts`). OK, or MISMATCH and exit 1.
 * 5. **LoraDB**: when `@loradb/lora-node` is installed, open the same
 *    directory with `openWalDatabase`, run a top-5 Cypher query and compare
 *    (by default up to 500,000 flights: LoraDB keeps the graph in memory).
 *
 * A directory that already holds a log is recovered and verified (against
 * the source, regenerated for as many flights as the log holds) without
 * ingesting again; `--fresh` deletes it first.
 *
 * Run: `npm start -- [--limit N] [--dir DIR] [--fresh] [--loradb | --no-loradb]`.
 *
 * @module
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { SingleBar } from "cli-progress"
import { Console, Data, Effect, Option, Runtime } from "effect"
import { Command, Flag } from "effect/cli"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { type MutationEvent, parseSegmentName, type RecoveryReport, Wal } from "../src/index.js"
import { checkWithLoraDb, type LoraDbReport } from "./flights/loradb.js"
import { airportEvents, FlightMapper } from "./flights/mapping.js"
import { type Airport, countFlights, datasetPaths, type DatasetPaths, readAirports, readFlights } from "./flights/source.js"
import { compareDigests, GraphDigest, type SourceTruth } from "./flights/verify.js"

/** Above this many flights LoraDB is only asked with `--loradb` (it holds the graph in memory: ~1.4 GB per 500k relationships). */
const LORADB_DEFAULT_MAX_FLIGHTS = 500_000

// ---------------------------------------------------------------------------
// Errors

/** A failure of the job other than a verification mismatch (input, mapping); printed by the job itself. */
class JobError extends Data.TaggedError("JobError")<{ readonly message: string }> {
  override readonly [Runtime.errorReported] = false
}

/** The recovered log does not match (already printed, so runMain only sets the exit code 1). */
class VerificationFailed extends Data.TaggedError("VerificationFailed")<{ readonly problems: ReadonlyArray<string> }> {
  override readonly [Runtime.errorReported] = false
  override get message(): string {
    return `verification failed: ${this.problems.join("; ")}`
  }
}

const fail = (message: string) => new JobError({ message })

// ---------------------------------------------------------------------------
// Formatting

const fmt = (n: number) => Math.round(n).toLocaleString("en-US")
const fmt1 = (n: number) => n.toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 })
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`
const line = (label: string, value: string) => Console.log(`  ${label.padEnd(14)}: ${value}`)

/** A progress bar on stderr (drawn only when stderr is a terminal). */
const progressBar = (what: string, unit: string) =>
  new SingleBar({
    format: `  ${what} [{bar}] {percentage}% | {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted}`,
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: true,
    formatValue: (v, _options, type) => (type === "value" || type === "total" ? fmt(v) : String(v))
  })

// ---------------------------------------------------------------------------
// Directory

/** Segment files of `dir` (none when it does not exist) and their total size in bytes. */
const segmentsOf = (dir: string): { readonly count: number; readonly bytes: number } => {
  if (!Fs.existsSync(dir)) return { count: 0, bytes: 0 }
  let count = 0
  let bytes = 0
  for (const name of Fs.readdirSync(dir)) {
    if (parseSegmentName(name) === undefined) continue
    count++
    bytes += Fs.statSync(Path.join(dir, name)).size
  }
  return { count, bytes }
}

// ---------------------------------------------------------------------------
// Source → transactions

/** What mapping the source produced: the digest of its transactions and the ground truth. */
interface Mapped {
  readonly expected: GraphDigest
  readonly truth: SourceTruth
  readonly codes: number
}

/**
 * Maps the airports and the first `limit` flights into transactions, in
 * order, calling `sink` on each (the airports transaction first). Builds the
 * expected digest on the way. Plain code per event; one Effect per
 * transaction (`sink`).
 */
const mapSource = <E, R>(
  paths: DatasetPaths,
  airports: ReadonlyArray<Airport>,
  limit: number | undefined,
  sink: (events: ReadonlyArray<MutationEvent>, flightsSoFar: number) => Effect.Effect<void, E, R>
): Effect.Effect<Mapped, E | JobError, R> =>
  Effect.gen(function* () {
    const expected = new GraphDigest(airports.length)
    const mapper = new FlightMapper(airports)
    const first = airportEvents(airports)
    expected.applyTx(first)
    yield* sink(first, 0)
    const chunks = readFlights(paths.flightsParquet, limit)
    const tryJob = <A>(what: string, f: () => A) =>
      Effect.try({ try: f, catch: (e) => fail(`${what}: ${e instanceof Error ? e.message : String(e)}`) })
    let committed = 0
    while (true) {
      const next = yield* Effect.tryPromise({
        try: () => chunks.next(),
        catch: (e) => fail(`reading flights-3m.parquet: ${e instanceof Error ? e.message : String(e)}`)
      })
      if (next.done === true) break
      const txs = mapper.push(next.value)
      while (true) {
        const step = yield* tryJob("mapping flights", () => txs.next())
        if (step.done === true) break
        expected.applyTx(step.value.events)
        committed += step.value.flights
        yield* sink(step.value.events, committed)
      }
    }
    const last = mapper.finish()
    if (last !== undefined) {
      expected.applyTx(last.events)
      committed += last.flights
      yield* sink(last.events, committed)
    }
    return { expected, truth: { airports, flights: mapper.flights, departures: mapper.departures }, codes: mapper.codesSeen.size }
  })

// ---------------------------------------------------------------------------
// Steps

interface IngestResult extends Mapped {
  readonly events: number
  readonly transactions: number
  readonly durableLsn: bigint
  readonly ms: number
}

/** Steps 1–3: map the source and commit it, one transaction per hour, into a new log at `dir`. */
const ingest = (dir: string, paths: DatasetPaths, airports: ReadonlyArray<Airport>, limit: number | undefined, total: number) =>
  Effect.gen(function* () {
    const t0 = performance.now()
    const bar = progressBar("ingest ", "flights")
    bar.start(total, 0, { rate: "0" })
    let events = 0
    let transactions = 0
    const result = yield* Effect.gen(function* () {
      const wal = yield* Wal
      const mapped = yield* mapSource(paths, airports, limit, (evs, flights) =>
        Effect.map(wal.commitTx(evs), () => {
          events += evs.length
          transactions++
          bar.update(flights, { rate: fmt(flights / ((performance.now() - t0) / 1000)) })
        }))
      // Everything is written; make it durable now rather than at the next group-sync tick.
      yield* wal.forceFsync
      const durableLsn = yield* wal.durableLsn
      return { ...mapped, durableLsn }
    }).pipe(
      Effect.provide(Wal.layer({ dir })), // closing the layer: final fsync, flusher stopped, lock released
      Effect.ensuring(Effect.sync(() => bar.stop()))
    )
    return { ...result, events, transactions, ms: performance.now() - t0 } satisfies IngestResult
  })

interface Recovered {
  readonly digest: GraphDigest
  readonly report: RecoveryReport<MutationEvent>
  readonly ms: number
}

/** Step 4a: reopen the log, folding each recovered transaction into a digest (bounded memory), and close it. */
const recover = (dir: string, nAirports: number, expectedFlights: number) =>
  Effect.gen(function* () {
    const t0 = performance.now()
    const digest = new GraphDigest(nAirports)
    const bar = progressBar("recover", "flights")
    bar.start(expectedFlights, 0, { rate: "0" })
    let lastDraw = 0
    const report = yield* Effect.gen(function* () {
      return (yield* Wal).recovery
    }).pipe(
      Effect.provide(Wal.layer({
        dir,
        onRecover: (tx) =>
          Effect.sync(() => {
            digest.applyTx(tx.events)
            const n = digest.relationships
            if (n - lastDraw >= 10_000 || n >= expectedFlights) {
              lastDraw = n
              if (n > expectedFlights) bar.setTotal(n)
              bar.update(n, { rate: fmt(n / ((performance.now() - t0) / 1000)) })
            }
          })
      })),
      Effect.ensuring(Effect.sync(() => bar.stop()))
    )
    return { digest, report, ms: performance.now() - t0 } satisfies Recovered
  })

// ---------------------------------------------------------------------------
// The job

interface JobOptions {
  readonly dir: string
  readonly limit: Option.Option<number>
  readonly fresh: boolean
  readonly loradb: Option.Option<boolean>
}

const printLoraDb = (r: LoraDbReport) =>
  Effect.gen(function* () {
    if (r._tag === "NotInstalled") {
      yield* Console.log(`LoraDB: skipped (${r.reason})`)
      return
    }
    yield* Console.log(`LoraDB (@loradb/lora-node ${r.version}) on the same directory`)
    yield* line("open", `${secs(r.openMs)} (openWalDatabase replays the whole log into memory)`)
    yield* line("query", r.query)
    yield* line("answer", r.top.length === 0 ? "(no rows)" : r.top.map((x) => `${x.iata} ${fmt(x.n)}`).join(", "))
    yield* line("query time", `${fmt1(r.queryMs)} ms`)
    yield* line("graph", `${fmt(r.nodeCount)} nodes, ${fmt(r.relationshipCount)} relationships`)
    yield* line("busiest", r.busiest)
    yield* line("agreement", r.problems.length === 0 ? "OK (same counts, top 5 and properties as ours)" : `MISMATCH: ${r.problems.join("; ")}`)
  })

const job = (options: JobOptions) =>
  Effect.gen(function* () {
    const t0 = performance.now()
    const dir = options.dir
    const limit = Option.getOrUndefined(options.limit)
    if (limit !== undefined && limit < 0) return yield* fail(`--limit must be ≥ 0, got ${limit}`)

    const paths = yield* Effect.try({
      try: () => datasetPaths(),
      catch: (e) => fail(`the npm package vega-datasets is needed (npm install): ${e instanceof Error ? e.message : String(e)}`)
    })
    const airports = yield* Effect.try({
      try: () => readAirports(Fs.readFileSync(paths.airportsCsv, "utf8")),
      catch: (e) => fail(`reading airports.csv: ${e instanceof Error ? e.message : String(e)}`)
    })
    const inFile = yield* Effect.tryPromise({
      try: () => countFlights(paths.flightsParquet),
      catch: (e) => fail(`reading flights-3m.parquet: ${e instanceof Error ? e.message : String(e)}`)
    })
    const wanted = limit === undefined ? inFile : Math.min(limit, inFile)

    yield* Console.log("effect-wal main job: US flights Jan–Jun 2001 (vega-datasets) → LoraDB graph mutations → WAL")
    yield* line("source", `${fmt(airports.length)} airports (airports.csv), ${fmt(inFile)} flights (flights-3m.parquet)`)

    if (options.fresh && Fs.existsSync(dir)) {
      yield* Effect.try({ try: () => Fs.rmSync(dir, { recursive: true }), catch: (e) => fail(`--fresh: cannot delete ${dir}: ${String(e)}`) })
    }
    const before = segmentsOf(dir)
    const existing = before.count > 0

    let mapped: Mapped | undefined
    if (!existing) {
      yield* line("directory", `${dir} (new log; sync mode GroupSync 50 ms)`)
      yield* Console.log(`ingest: ${fmt(wanted)} flights${limit !== undefined ? ` (--limit ${fmt(limit)})` : ""}, one transaction per departure hour`)
      const r = yield* ingest(dir, paths, airports, limit, wanted)
      mapped = r
      const after = segmentsOf(dir)
      const s = r.ms / 1000
      const e = r.expected.summary()
      yield* line("flights", `${fmt(r.truth.flights)}`)
      yield* line("airport codes", `${fmt(r.codes)} distinct in the flights, all in airports.csv (0 missing)`)
      yield* line(
        "events",
        `${fmt(r.events)} (${fmt(e.nodes)} CreateNode, ${fmt(e.relationships)} CreateRelationship, ${fmt(e.propertySets)} SetNodeProperty)`
      )
      yield* line("transactions", `${fmt(r.transactions)} (1 of airports + ${fmt(r.transactions - 1)} hourly)`)
      yield* line("bytes written", `${fmt(after.bytes)} (${fmt1(after.bytes / 1e6)} MB) in ${fmt(after.count)} segment(s)`)
      const sLog = (r.ms - r.expected.ms) / 1000
      yield* line("rate", `${fmt(r.events / s)} events/s, ${fmt1(after.bytes / 1e6 / s)} MB/s, ${fmt(r.truth.flights / s)} flights/s`)
      yield* line("durable LSN", `${r.durableLsn}`)
      yield* line("wall time", `${secs(r.ms)} (open to close: read + map + encode + write + fsync, and the verification digest)`)
      yield* line("without digest", `${secs(r.ms - r.expected.ms)}: ${fmt(r.events / sLog)} events/s, ${fmt1(after.bytes / 1e6 / sLog)} MB/s`)
    } else {
      yield* line("directory", `${dir} holds a log (${fmt(before.count)} segment(s), ${fmt(before.bytes)} bytes): recovering it, not ingesting (--fresh starts over)`)
      if (limit !== undefined) yield* Console.log(`  (--limit ${fmt(limit)} ignored: the log already exists)`)
    }

    // Step 4: recover and verify.
    yield* Console.log("recovery: reopen the log, fold each recovered transaction into a digest (onRecover)")
    const rec = yield* recover(dir, airports.length, mapped?.truth.flights ?? inFile)
    const r = rec.digest.summary()
    yield* line(
      "recovered",
      `${fmt(rec.report.eventCount)} events in ${fmt(rec.report.transactionCount)} transactions, max LSN ${rec.report.maxLsn}, ` +
        `${rec.report.tornTail === undefined ? "no torn tail" : `torn tail cut at ${rec.report.tornTail.segmentPath}@${rec.report.tornTail.lastGoodOffset}`}`
    )
    yield* line(
      "recovery time",
      `${secs(rec.ms)} (${fmt(rec.report.eventCount / (rec.ms / 1000))} events/s, open to close; ` +
        `without the digest ${secs(rec.ms - rec.digest.ms)}, ${fmt(rec.report.eventCount / ((rec.ms - rec.digest.ms) / 1000))} events/s)`
    )

    if (mapped === undefined) {
      // The log was written by an earlier run: regenerate what it should hold from the source, for as many flights as it holds.
      yield* Console.log(`expected: regenerated from the source for the first ${fmt(r.relationships)} flights`)
      mapped = yield* mapSource(paths, airports, r.relationships, () => Effect.void)
      if (r.relationships < inFile && limit === undefined) {
        yield* Console.log(`  (the log holds ${fmt(r.relationships)} of ${fmt(inFile)} flights: it was written with --limit or stopped early)`)
      }
    }
    const problems = compareDigests(mapped.expected, rec.digest, mapped.truth)
    if (rec.report.tornTail !== undefined) {
      // Right after our own clean close a torn tail is a bug; in a log left by a crash it is what recovery is for.
      if (!existing) problems.push(`recovery cut a torn tail in the log just written (${rec.report.tornTail.cause.message})`)
      else yield* Console.log(`  (recovery cut a torn tail: ${rec.report.tornTail.cause.message}; an earlier run crashed mid-write)`)
    }
    if (rec.report.eventCount !== r.events) problems.push(`recovery reported ${rec.report.eventCount} events, onRecover saw ${r.events}`)
    const e = mapped.expected.summary()
    yield* line("nodes", `${fmt(r.nodes)} recovered, ${fmt(airports.length)} expected (airports.csv)`)
    yield* line("relationships", `${fmt(r.relationships)} recovered, ${fmt(mapped.truth.flights)} expected (flights)`)
    yield* line("transactions", `${fmt(r.transactions)} recovered, ${fmt(e.transactions)} expected`)
    yield* line("events", `${fmt(r.events)} recovered, ${fmt(e.events)} expected`)
    yield* line("checksum", `sha256 ${r.sha256.slice(0, 16)}… recovered, ${e.sha256.slice(0, 16)}… expected`)
    yield* line("departures", "per-airport departures property and outgoing FLIGHTs vs counts from the source's origin column")
    yield* Console.log(problems.length === 0 ? "verification: OK" : `verification: MISMATCH\n${problems.map((p) => `  - ${p}`).join("\n")}`)

    // Step 5: LoraDB (our log is closed: LoraDB takes the directory lock).
    const flights = r.relationships
    const askLora = Option.getOrElse(options.loradb, () => flights <= LORADB_DEFAULT_MAX_FLIGHTS)
    if (askLora) {
      const lr = yield* checkWithLoraDb(dir, {
        airports,
        relationships: mapped.truth.flights,
        outgoing: mapped.truth.departures,
        departures: mapped.truth.departures
      })
      yield* printLoraDb(lr)
      if (lr._tag === "Ran") for (const p of lr.problems) problems.push(`LoraDB: ${p}`)
    } else {
      yield* Console.log(
        Option.isSome(options.loradb)
          ? "LoraDB: skipped (--no-loradb)"
          : `LoraDB: skipped (${fmt(flights)} flights > ${fmt(LORADB_DEFAULT_MAX_FLIGHTS)}: LoraDB holds the graph in memory, ~1.4 GB per 500,000; use --loradb)`
      )
    }

    const rss = process.resourceUsage().maxRSS * 1024
    yield* Console.log(`done in ${secs(performance.now() - t0)}, peak RSS ${fmt(rss / 1e6)} MB${problems.length === 0 ? "" : " — MISMATCH"}`)
    if (problems.length > 0) return yield* new VerificationFailed({ problems })
  }).pipe(Effect.tapError((e) => (e._tag === "JobError" ? Console.error(`main-job: ${e.message}`) : Effect.void)))

// ---------------------------------------------------------------------------
// CLI

const command = Command.make(
  "main-job",
  {
    dir: Flag.String("dir").pipe(Flag.withDescription("WAL directory"), Flag.withDefault("./data/wal")),
    limit: Flag.Int("limit").pipe(Flag.withDescription("Ingest only the first N flights (default: all 3,000,000)"), Flag.optional),
    fresh: Flag.Boolean("fresh").pipe(Flag.withDescription("Delete the directory first and ingest again"), Flag.withDefault(false)),
    loradb: Flag.Boolean("loradb").pipe(
      Flag.withDescription(
        `Check with LoraDB (--no-loradb: never). Default: only up to ${LORADB_DEFAULT_MAX_FLIGHTS.toLocaleString("en-US")} flights`
      ),
      Flag.optional
    )
  },
  job
).pipe(
  Command.withDescription(
    "Log 3,000,000 real US flights as LoraDB graph mutations into an effect-wal log, recover and verify it, and query it with LoraDB"
  )
)

command.pipe(
  Command.run({ version: "0.1.0" }),
  Effect.provide(NodeServices.layer),
  NodeRuntime.runMain
)
