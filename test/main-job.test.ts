/**
 * The main job end to end (`examples/main-job.ts`, built to
 * `dist/examples/main-job.js`), on the first 20,000 flights of the real
 * dataset: ingest → close → recover → verify → LoraDB; a second run on the
 * same directory recovers without ingesting; a log changed behind the job's
 * back is reported as MISMATCH with exit code 1.
 *
 * The expected figures are facts of the dataset (vega-datasets 3.2.1): the
 * first 20,000 flights span 33 departure hours and 223 airport codes, and
 * ORD has the most departures among them (1,148).
 */
import { Effect } from "effect"
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { airportEvents, departureOf, FlightMapper, MissingAirports } from "../examples/flights/mapping.js"
import { type Airport, datasetPaths, type FlightChunk, readAirports } from "../examples/flights/source.js"
import { compareDigests, GraphDigest } from "../examples/flights/verify.js"
import { decodeBatch, encodeBatch, type MutationEvent, type MutationEventOf, Pv, Wal } from "../src/index.js"

const root = Path.resolve(import.meta.dirname, "..")
const script = Path.join(root, "dist", "examples", "main-job.js")

/** Newest modification time (ms) of the .ts files under `dir`. */
const newestSource = (dir: string): number => {
  let newest = 0
  for (const entry of Fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith(".ts")) {
      newest = Math.max(newest, Fs.statSync(Path.join(entry.parentPath, entry.name)).mtimeMs)
    }
  }
  return newest
}

interface Run {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

const run = (...args: Array<string>): Run => {
  const r = spawnSync(process.execPath, [script, ...args], { cwd: root, encoding: "utf8", timeout: 60_000 })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** The value printed after `label :` on a report line (labels are padded to 14 characters). */
const field = (out: string, label: string): Array<string> =>
  [...out.matchAll(new RegExp(`^  ${label.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*: (.*)$`, "gm"))].map((m) => m[1]!)

let dir: string

beforeAll(() => {
  const built = Fs.existsSync(script) ? Fs.statSync(script).mtimeMs : 0
  if (built < Math.max(newestSource(Path.join(root, "examples")), newestSource(Path.join(root, "src")))) {
    const tsc = spawnSync(process.execPath, [Path.join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], {
      cwd: root,
      encoding: "utf8"
    })
    if (tsc.status !== 0) throw new Error(`build failed:\n${tsc.stdout}${tsc.stderr}`)
  }
  dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "main-job-"))
}, 60_000)

afterAll(() => {
  Fs.rmSync(dir, { recursive: true, force: true })
})

describe("main job (--limit 20000)", () => {
  let first: Run

  it("prints its flags with --help", () => {
    const r = run("--help")
    expect(r.status).toBe(0)
    for (const flag of ["--dir", "--limit", "--fresh", "--loradb"]) expect(r.stdout).toContain(flag)
  })

  it("ingests, recovers, verifies OK and agrees with LoraDB", () => {
    first = run("--limit", "20000", "--dir", dir, "--fresh")
    expect(first.stderr).toBe("")
    expect(first.status).toBe(0)
    const out = first.stdout
    expect(field(out, "source")).toEqual(["3,376 airports (airports.csv), 3,000,000 flights (flights-3m.parquet)"])
    expect(field(out, "flights")).toEqual(["20,000"])
    expect(field(out, "airport codes")).toEqual(["223 distinct in the flights, all in airports.csv (0 missing)"])
    // 3,376 CreateNode + 20,000 CreateRelationship + one departures update per (hour, origin) pair.
    expect(field(out, "events")[0]).toBe("26,425 (3,376 CreateNode, 20,000 CreateRelationship, 3,049 SetNodeProperty)")
    expect(field(out, "transactions")[0]).toBe("34 (1 of airports + 33 hourly)")
    expect(field(out, "bytes written")[0]).toMatch(/^[\d,]+ \([\d.]+ MB\) in 1 segment\(s\)$/)
    expect(field(out, "durable LSN")).toEqual(["102"]) // 34 transactions × 3 records
    expect(field(out, "recovered")).toEqual(["26,425 events in 34 transactions, max LSN 102, no torn tail"])
    expect(field(out, "nodes")).toEqual(["3,376 recovered, 3,376 expected (airports.csv)"])
    expect(field(out, "relationships")).toEqual(["20,000 recovered, 20,000 expected (flights)"])
    const [recoveredSum, expectedSum] = /sha256 ([0-9a-f]{16})… recovered, ([0-9a-f]{16})… expected/.exec(out)!.slice(1)
    expect(recoveredSum).toBe(expectedSum)
    expect(out).toMatch(/^verification: OK$/m)
    expect(field(out, "answer")).toEqual(["ORD 1,148, DFW 926, LAX 786, ATL 714, PHX 621"])
    expect(field(out, "graph")).toEqual(["3,376 nodes, 20,000 relationships"])
    expect(field(out, "agreement")).toEqual(["OK (same counts, top 5 and properties as ours)"])
    expect(field(out, "busiest")[0]).toMatch(/^ORD \(Chicago O'Hare International\): location .*"srid":4326.*"x":-87\.90446417,"y":41\.979595.*, departures 1148$/)
  }, 60_000)

  it("a second run on the same directory recovers the log and reports the same counts, without ingesting", () => {
    const r = run("--limit", "20000", "--dir", dir)
    expect(r.stderr).toBe("")
    expect(r.status).toBe(0)
    const out = r.stdout
    expect(field(out, "directory")[0]).toMatch(/holds a log \(1 segment\(s\), [\d,]+ bytes\): recovering it, not ingesting/)
    expect(out).not.toMatch(/^ingest:/m)
    expect(field(out, "recovered")).toEqual(field(first.stdout, "recovered"))
    expect(field(out, "nodes")).toEqual(["3,376 recovered, 3,376 expected (airports.csv)"])
    expect(field(out, "relationships")).toEqual(["20,000 recovered, 20,000 expected (flights)"])
    expect(field(out, "checksum")).toEqual(field(first.stdout, "checksum"))
    expect(out).toMatch(/^verification: OK$/m)
    expect(field(out, "answer")).toEqual(["ORD 1,148, DFW 926, LAX 786, ATL 714, PHX 621"])
    expect(field(out, "agreement")).toEqual(["OK (same counts, top 5 and properties as ours)"])
  }, 60_000)

  it("reports MISMATCH and exits 1 when the log holds a transaction the source does not explain", async () => {
    // Append one committed transaction: ORD's departures set to a wrong value.
    const paths = datasetPaths()
    const ord = readAirports(Fs.readFileSync(paths.airportsCsv, "utf8")).findIndex((a) => a.iata === "ORD")
    expect(ord).toBeGreaterThanOrEqual(0)
    await Effect.runPromise(
      Effect.gen(function* () {
        const wal = yield* Wal
        yield* wal.commitTx([{ _tag: "SetNodeProperty", nodeId: BigInt(ord), key: "departures", value: Pv.int(1) }])
      }).pipe(Effect.provide(Wal.layer({ dir })))
    )
    const r = run("--dir", dir, "--no-loradb")
    expect(r.status).toBe(1)
    expect(r.stdout).toMatch(/^verification: MISMATCH$/m)
    expect(r.stdout).toContain("transactions: recovered 35, expected 34")
    expect(r.stdout).toContain("departures property vs source counts: ORD 1 ≠ 1148")
    expect(r.stdout).toMatch(/checksum: recovered [0-9a-f]{64}, expected [0-9a-f]{64}/)
    expect(r.stdout).toContain("LoraDB: skipped (--no-loradb)")
  }, 60_000)
})

// ---------------------------------------------------------------------------
// The job's building blocks on small synthetic inputs (no I/O).

const AIRPORTS: ReadonlyArray<Airport> = [
  { iata: "AAA", name: "A \"quoted\" field", city: "Ay", state: "AL", country: "USA", latitude: 31.95, longitude: -89.23 },
  { iata: "BBB", name: "B", city: "Bee", state: "TX", country: "USA", latitude: 30.68, longitude: -95.01 },
  { iata: "CCC", name: "C", city: "Cee", state: "CO", country: "USA", latitude: 38.94, longitude: -104.56 }
]
const MIN = 60_000_000 // µs
const T0 = Date.UTC(2001, 0, 1, 0, 0) * 1000 // 2001-01-01T00:00 in µs

const chunk = (start: number, rows: ReadonlyArray<readonly [number, number, number, string, string]>): FlightChunk => ({
  start,
  length: rows.length,
  dateMicros: rows.map((r) => r[0]),
  delay: rows.map((r) => BigInt(r[1])),
  distance: rows.map((r) => BigInt(r[2])),
  origin: rows.map((r) => r[3]),
  destination: rows.map((r) => r[4])
})

describe("flights mapping", () => {
  it("a departure becomes a LocalDateTime with the file's local wall-clock fields", () => {
    expect(departureOf(T0 + 61 * MIN + 1_500_000)).toEqual(
      Pv.localDateTime({ year: 2001, month: 1, day: 1, hour: 1, minute: 1, second: 1, nanosecond: 500_000_000 })
    )
    expect(departureOf(Date.UTC(2001, 6, 1) * 1000)).toMatchObject({ year: 2001, month: 7, day: 1, hour: 0, minute: 0 })
  })

  it("airports become Airport nodes with a WGS-84 point (x = longitude, y = latitude), ids in CSV order", () => {
    const [a, , c] = airportEvents(AIRPORTS)
    expect(a).toMatchObject({ _tag: "CreateNode", id: 0n, labels: ["Airport"] })
    expect(c).toMatchObject({ _tag: "CreateNode", id: 2n })
    const props = (a as MutationEventOf<"CreateNode">).properties
    expect(props.get("location")).toEqual({ _tag: "Point", x: -89.23, y: 31.95, srid: 4326 })
    expect(props.get("name")).toEqual(Pv.string("A \"quoted\" field"))
    expect([...props.keys()].sort()).toEqual(["city", "country", "iata", "location", "name", "state"])
  })

  it("groups consecutive flights by departure hour, across chunks, with one departures update per origin per hour", () => {
    const m = new FlightMapper(AIRPORTS)
    const txs = [
      ...m.push(chunk(0, [
        [T0 + 1 * MIN, 5, 100, "AAA", "BBB"],
        [T0 + 2 * MIN, -3, 200, "BBB", "CCC"],
        [T0 + 59 * MIN, 0, 100, "AAA", "CCC"]
      ])),
      ...m.push(chunk(3, [
        [T0 + 59 * MIN, 7, 300, "CCC", "AAA"], // same hour as the previous chunk's last flights
        [T0 + 60 * MIN, 1, 100, "AAA", "BBB"] // next hour
      ]))
    ]
    const last = m.finish()
    expect(txs).toHaveLength(1)
    expect(last).toBeDefined()
    const [h0, h1] = [txs[0]!, last!]
    expect(h0.flights).toBe(4)
    expect(h0.events.map((e) => e._tag)).toEqual([
      "CreateRelationship", "CreateRelationship", "CreateRelationship", "CreateRelationship",
      "SetNodeProperty", "SetNodeProperty", "SetNodeProperty"
    ])
    // Updates follow the order of each origin's first departure in the hour, with the running count.
    expect(h0.events.slice(4)).toEqual([
      { _tag: "SetNodeProperty", nodeId: 0n, key: "departures", value: Pv.int(2) },
      { _tag: "SetNodeProperty", nodeId: 1n, key: "departures", value: Pv.int(1) },
      { _tag: "SetNodeProperty", nodeId: 2n, key: "departures", value: Pv.int(1) }
    ])
    const rel = h0.events[3] as MutationEventOf<"CreateRelationship">
    expect(rel).toMatchObject({ id: 3n, src: 2n, dst: 0n, relType: "FLIGHT" })
    expect(rel.properties.get("delay")).toEqual(Pv.int(7))
    expect(rel.properties.get("distance")).toEqual(Pv.int(300))
    expect(rel.properties.get("departure")).toEqual(departureOf(T0 + 59 * MIN))
    expect(h1.flights).toBe(1)
    expect(h1.events).toEqual([
      expect.objectContaining({ _tag: "CreateRelationship", id: 4n, src: 0n, dst: 1n }),
      { _tag: "SetNodeProperty", nodeId: 0n, key: "departures", value: Pv.int(3) }
    ])
    expect([...m.departures]).toEqual([3, 1, 1])
    expect(m.flights).toBe(5)
    expect(m.finish()).toBeUndefined()
  })

  it("fails loudly on airport codes missing from airports.csv, before mapping any flight of the chunk", () => {
    const m = new FlightMapper(AIRPORTS)
    const txs = m.push(chunk(10, [
      [T0, 0, 1, "AAA", "ZZZ"],
      [T0, 0, 1, "YYY", "ZZZ"],
      [T0, 0, 1, "AAA", "BBB"]
    ]))
    let error: unknown
    try {
      txs.next()
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(MissingAirports)
    expect([...(error as MissingAirports).misses]).toEqual([["ZZZ", 2], ["YYY", 1]])
    expect((error as Error).message).toBe(
      "2 airport code(s) of the flights starting at #10 are not in airports.csv: ZZZ (2), YYY (1)"
    )
    expect(m.flights).toBe(0)
    expect(m.finish()).toBeUndefined()
  })
})

describe("graph digest", () => {
  const build = () => {
    const m = new FlightMapper(AIRPORTS)
    const txs = [airportEvents(AIRPORTS), ...[...m.push(chunk(0, [[T0, 5, 100, "AAA", "BBB"], [T0 + 90 * MIN, 6, 50, "BBB", "AAA"]]))].map((t) => t.events)]
    txs.push(m.finish()!.events)
    return txs
  }
  const digest = (txs: ReadonlyArray<ReadonlyArray<MutationEvent>>) => {
    const d = new GraphDigest(AIRPORTS.length)
    for (const tx of txs) d.applyTx(tx)
    return d
  }

  it("is the same for the events as built and as decoded by the LW1 codec (property maps come back key-sorted)", () => {
    const built = build()
    const decoded = built.map((tx) => decodeBatch(encodeBatch(tx)))
    expect([...(decoded[1]![0] as MutationEventOf<"CreateRelationship">).properties.keys()]).toEqual(["delay", "departure", "distance"])
    const a = digest(built)
    const b = digest(decoded)
    expect(b.summary()).toEqual(a.summary())
    expect(a.summary()).toMatchObject({ transactions: 3, events: 3 + 2 + 2, nodes: 3, relationships: 2, propertySets: 2, unexpected: 0 })
    expect([...b.outgoing]).toEqual([1, 1, 0])
    expect([...b.departures]).toEqual([1, 1, 0])
  })

  it("changes when a coordinate, a nanosecond, an id or a transaction boundary changes", () => {
    const base = digest(build()).summary().sha256
    const edit = (f: (txs: Array<Array<MutationEvent>>) => void) => {
      const txs = build()
      f(txs)
      return digest(txs).summary().sha256
    }
    const withProp = (e: MutationEvent, key: string, v: ReturnType<typeof Pv.int>) => {
      const p = new Map((e as MutationEventOf<"CreateNode">).properties)
      p.set(key, v)
      return { ...e, properties: p } as MutationEvent
    }
    const variants = [
      edit((t) => { t[0]![0] = withProp(t[0]![0]!, "location", Pv.point(31.95, -89.23, 4326)) }), // x and y swapped
      edit((t) => { t[1]![0] = withProp(t[1]![0]!, "departure", Pv.localDateTime({ year: 2001, month: 1, day: 1, hour: 0, minute: 0, second: 0, nanosecond: 1 })) }),
      edit((t) => { t[1]![0] = { ...(t[1]![0] as MutationEventOf<"CreateRelationship">), dst: 2n } }),
      edit((t) => { t[2]!.unshift(...t[1]!.splice(0)) ; t.splice(1, 1) }) // two transactions merged into one
    ]
    for (const v of variants) expect(v).not.toBe(base)
    expect(new Set(variants).size).toBe(variants.length)
  })

  it("compareDigests names each disagreement with the source", () => {
    const txs = build()
    const expected = digest(txs)
    const truth = { airports: AIRPORTS, flights: 2, departures: Int32Array.from([1, 1, 0]) }
    expect(compareDigests(expected, digest(txs), truth)).toEqual([])
    const lost = digest(txs.slice(0, 2)) // last transaction lost
    expect(compareDigests(expected, lost, truth)).toEqual([
      "flight relationships: recovered 1, expected 2",
      "transactions: recovered 2, expected 3",
      "events: recovered 5, expected 7",
      "property updates: recovered 1, expected 2",
      `checksum: recovered ${lost.summary().sha256}, expected ${expected.summary().sha256}`,
      "departures property vs source counts: BBB 0 ≠ 1",
      "outgoing FLIGHT relationships vs source counts: BBB 0 ≠ 1"
    ])
  })
})
