/**
 * A compact digest of a stream of graph transactions, used to check the
 * recovered log against what was logged (or what the source data maps to).
 *
 * The job feeds the same {@link GraphDigest} type twice: once with the
 * transactions it builds from the source (before committing them), once
 * with the transactions the log hands back on recovery (`onRecover`, one at
 * a time, so the 3.4 million recovered events are never held at once). The
 * digest keeps only counters, two per-airport arrays and a running SHA-256
 * over a canonical text rendering of every event and transaction boundary —
 * a rendering written here, independent of the LW1 codec, so a codec that
 * decoded something different from what it encoded (a swapped coordinate, a
 * lost nanosecond, a wrong id) changes the checksum.
 *
 * @module
 */
import { createHash, type Hash } from "node:crypto"
import type { MutationEvent, PropertyValue } from "../../src/index.js"
import { DEPARTURES_KEY } from "./mapping.js"

/** JSON-quoted strings for the few keys, labels and types a graph uses, computed once each. */
const quoted = new Map<string, string>()
const quote = (k: string): string => {
  let q = quoted.get(k)
  if (q === undefined) {
    q = JSON.stringify(k)
    if (quoted.size < 10_000) quoted.set(k, q)
  }
  return q
}

const num = (x: number): string => (Object.is(x, -0) ? "-0" : `${x}`)

/**
 * Canonical text of a property value: exact (numbers in shortest
 * round-trip form, strings JSON-quoted) and unambiguous (every variant has
 * its own prefix and delimiters). Rendering is the digest's hot path (~7
 * million values per full run, twice), hence no padding and no allocation
 * beyond the result.
 */
export const renderValue = (v: PropertyValue): string => {
  switch (v._tag) {
    case "Null":
      return "null"
    case "Bool":
      return v.value ? "true" : "false"
    case "Int":
      return `${v.value}i`
    case "Float":
      return v.nanBits === undefined ? `${num(v.value)}f` : `nan:${v.nanBits}f`
    case "String":
      return JSON.stringify(v.value)
    case "LocalDateTime":
      return `ldt(${v.year},${v.month},${v.day},${v.hour},${v.minute},${v.second},${v.nanosecond})`
    case "DateTime":
      return `dt(${v.year},${v.month},${v.day},${v.hour},${v.minute},${v.second},${v.nanosecond},${v.offsetSeconds})`
    case "Point":
      return `point(${v.srid};${num(v.x)};${num(v.y)}${v.z === undefined ? "" : `;${num(v.z)}`})`
    case "List":
      return `[${v.value.map(renderValue).join(",")}]`
    case "Map":
      return renderProps(v.value)
    default:
      // Not produced by the job; rendered structurally so that it still counts.
      return `${v._tag}${JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? `${x}n` : x instanceof Map ? [...x] : ArrayBuffer.isView(x) ? Array.from(x as unknown as ArrayLike<number>) : x))}`
  }
}

/** Canonical text of a property bag: keys in ascending UTF-16 order (whatever order the map iterates in). */
export const renderProps = (props: ReadonlyMap<string, PropertyValue>): string => {
  const keys: Array<string> = []
  let sorted = true
  for (const k of props.keys()) {
    if (keys.length > 0 && keys[keys.length - 1]! > k) sorted = false
    keys.push(k)
  }
  if (!sorted) keys.sort()
  let s = "{"
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!
    s += `${i > 0 ? "," : ""}${quote(k)}:${renderValue(props.get(k)!)}`
  }
  return `${s}}`
}

/** Canonical one-line text of an event. */
export const renderEvent = (e: MutationEvent): string => {
  switch (e._tag) {
    case "CreateNode":
      return `N ${e.id} [${e.labels.map(quote).join(",")}] ${renderProps(e.properties)}`
    case "CreateRelationship":
      return `R ${e.id} ${e.src}->${e.dst} ${quote(e.relType)} ${renderProps(e.properties)}`
    case "SetNodeProperty":
      return `S ${e.nodeId} ${quote(e.key)}=${renderValue(e.value)}`
    default:
      return `${e._tag} ${JSON.stringify(e, (_k, x) => (typeof x === "bigint" ? `${x}n` : x instanceof Map ? [...x] : x))}`
  }
}

/** What a digest holds; plain data, printable. */
export interface DigestSummary {
  readonly transactions: number
  readonly events: number
  readonly nodes: number
  readonly relationships: number
  readonly propertySets: number
  /** Events of any other kind, or with an id outside the airports. */
  readonly unexpected: number
  /** SHA-256 (hex) of the canonical rendering. */
  readonly sha256: string
}

/** A running digest of graph transactions over `nAirports` airport nodes (ids 0 … nAirports − 1). */
export class GraphDigest {
  transactions = 0
  events = 0
  nodes = 0
  relationships = 0
  propertySets = 0
  unexpected = 0
  /** Time spent in {@link applyTx}, ms (the digest's own cost, reported apart from the log's). */
  ms = 0
  /** Relationships created per source node. */
  readonly outgoing: Int32Array
  /** The last `departures` value set per node (0 when never set). */
  readonly departures: Int32Array
  private readonly hash: Hash = createHash("sha256")
  private readonly nAirportsBig: bigint

  constructor(readonly nAirports: number) {
    this.nAirportsBig = BigInt(nAirports)
    this.outgoing = new Int32Array(nAirports)
    this.departures = new Int32Array(nAirports)
  }

  /** Applies one committed transaction, in commit order. */
  applyTx(events: ReadonlyArray<MutationEvent>): void {
    const t0 = performance.now()
    const n = this.nAirportsBig
    let text = `T ${this.transactions}\n`
    for (const e of events) {
      text += `${renderEvent(e)}\n`
      switch (e._tag) {
        case "CreateNode":
          this.nodes++
          break
        case "CreateRelationship":
          this.relationships++
          if (e.src < n && e.src >= 0n) this.outgoing[Number(e.src)]!++
          else this.unexpected++
          break
        case "SetNodeProperty":
          this.propertySets++
          if (e.key === DEPARTURES_KEY && e.value._tag === "Int" && e.nodeId >= 0n && e.nodeId < n) {
            this.departures[Number(e.nodeId)] = Number(e.value.value)
          } else {
            this.unexpected++
          }
          break
        default:
          this.unexpected++
      }
    }
    this.events += events.length
    this.transactions++
    this.hash.update(text)
    this.ms += performance.now() - t0
  }

  /** The counters and the checksum so far (the running hash keeps going). */
  summary(): DigestSummary {
    return {
      transactions: this.transactions,
      events: this.events,
      nodes: this.nodes,
      relationships: this.relationships,
      propertySets: this.propertySets,
      unexpected: this.unexpected,
      sha256: this.hash.copy().digest("hex")
    }
  }
}

/** Ground truth computed straight from the source files. */
export interface SourceTruth {
  readonly airports: ReadonlyArray<{ readonly iata: string }>
  readonly flights: number
  /** Departures per airport counted from the `origin` column. */
  readonly departures: Int32Array
}

/**
 * Compares a recovered digest with the expected one (built from the
 * source) and with the source counts. Returns the mismatches as sentences;
 * empty = OK.
 */
export const compareDigests = (expected: GraphDigest, recovered: GraphDigest, truth: SourceTruth): Array<string> => {
  const problems: Array<string> = []
  const e = expected.summary()
  const r = recovered.summary()
  const check = (what: string, got: number | string, want: number | string) => {
    if (got !== want) problems.push(`${what}: recovered ${got}, expected ${want}`)
  }
  check("airport nodes", r.nodes, truth.airports.length)
  check("flight relationships", r.relationships, truth.flights)
  check("transactions", r.transactions, e.transactions)
  check("events", r.events, e.events)
  check("property updates", r.propertySets, e.propertySets)
  check("unexpected events", r.unexpected, 0)
  check("checksum", r.sha256, e.sha256)
  const badDepartures: Array<string> = []
  const badOutgoing: Array<string> = []
  for (let i = 0; i < truth.airports.length; i++) {
    const want = truth.departures[i]!
    if (recovered.departures[i] !== want) badDepartures.push(`${truth.airports[i]!.iata} ${recovered.departures[i]} ≠ ${want}`)
    if (recovered.outgoing[i] !== want) badOutgoing.push(`${truth.airports[i]!.iata} ${recovered.outgoing[i]} ≠ ${want}`)
  }
  const list = (xs: Array<string>) => xs.slice(0, 5).join(", ") + (xs.length > 5 ? `, … (${xs.length} in all)` : "")
  if (badDepartures.length > 0) problems.push(`departures property vs source counts: ${list(badDepartures)}`)
  if (badOutgoing.length > 0) problems.push(`outgoing FLIGHT relationships vs source counts: ${list(badOutgoing)}`)
  return problems
}

/** The `k` airports with the most departures (ties broken by IATA code), as `[iata, count]`. */
export const topAirports = (
  airports: ReadonlyArray<{ readonly iata: string }>,
  counts: Int32Array,
  k: number
): Array<readonly [string, number]> =>
  airports
    .map((a, i) => [a.iata, counts[i]!] as const)
    .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
    .slice(0, k)
