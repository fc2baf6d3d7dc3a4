/**
 * Maps the flights dataset to LoraDB graph mutations (`MutationEvent`s),
 * grouped into the transactions the main job commits.
 *
 * The graph:
 *
 * - `(:Airport {iata, name, city, state, country, location})` — one
 *   `CreateNode` per row of `airports.csv`; node id = CSV row index
 *   (0 … n − 1); `location` is a WGS-84 2D point (srid 4326,
 *   x = longitude, y = latitude).
 * - `(origin)-[:FLIGHT {departure, delay, distance}]->(destination)` — one
 *   `CreateRelationship` per flight; relationship id = flight index in the
 *   file (0, 1, …); `departure` a `LocalDateTime` (the file stores local
 *   times without zone), `delay` in minutes and `distance` in miles as `Int`.
 * - `departures` on an airport: its running count of departures, set once per
 *   transaction in which it is an origin (`SetNodeProperty`, after the
 *   transaction's flights, in order of the airport's first departure in it),
 *   so the log holds updates as well as inserts.
 *
 * Transactions: the first holds every airport; then one per hour of
 * departures (consecutive flights with the same departure hour; the file is
 * sorted by departure). A `--limit` cut ends the last hour early.
 *
 * Everything here is plain synchronous code: it runs ~3.4 million times per
 * full run, so it allocates little (shared `departure` values per minute,
 * precomputed node-id bigints) and never enters an Effect.
 *
 * @module
 */
import { type MutationEvent, type MutationEventOf, type PropertyValue, Pv, type PvInt } from "../../src/index.js"
import type { Airport, FlightChunk } from "./source.js"

/** Node label of an airport. */
export const AIRPORT_LABEL = "Airport"
/** Relationship type of a flight. */
export const FLIGHT_TYPE = "FLIGHT"
/** Property key of an airport's running departure count. */
export const DEPARTURES_KEY = "departures"
/** SRID of WGS-84 2D points. */
export const WGS84_2D = 4326

/** The `CreateNode` events of the airports, node id = index. */
export const airportEvents = (airports: ReadonlyArray<Airport>): Array<MutationEvent> =>
  airports.map((a, i) => ({
    _tag: "CreateNode",
    id: BigInt(i),
    labels: [AIRPORT_LABEL],
    properties: new Map([
      ["iata", Pv.string(a.iata)],
      ["name", Pv.string(a.name)],
      ["city", Pv.string(a.city)],
      ["state", Pv.string(a.state)],
      ["country", Pv.string(a.country)],
      ["location", Pv.point(a.longitude, a.latitude, WGS84_2D)]
    ])
  }))

const MICROS_PER_HOUR = 3_600_000_000

/** The hour bucket (hours since 1970-01-01T00:00, local) of a departure in microseconds. */
export const hourOf = (micros: number): number => Math.floor(micros / MICROS_PER_HOUR)

/** A departure in microseconds since 1970-01-01T00:00 (local, no zone) as a `LocalDateTime`. */
export const departureOf = (micros: number): PropertyValue => {
  const seconds = Math.floor(micros / 1_000_000)
  const subMicros = micros - seconds * 1_000_000
  const d = new Date(seconds * 1000)
  return Pv.localDateTime({
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    nanosecond: subMicros * 1000
  })
}

/** One transaction of the job: its events and how many flights it carries. */
export interface JobTx {
  /** Hour bucket of its flights (see {@link hourOf}); −1 for the airports transaction. */
  readonly hour: number
  readonly events: Array<MutationEvent>
  readonly flights: number
}

/** Airport codes of the flights that are not in `airports.csv`, with how many flights name each. */
export class MissingAirports extends Error {
  constructor(readonly misses: ReadonlyMap<string, number>, readonly atFlight: number) {
    const list = [...misses].map(([code, n]) => `${code} (${n})`).join(", ")
    super(`${misses.size} airport code(s) of the flights starting at #${atFlight} are not in airports.csv: ${list}`)
    this.name = "MissingAirports"
  }
}

const int = (value: bigint): PvInt => ({ _tag: "Int", value })

/**
 * Turns flight chunks into hour transactions. Feed chunks in file order with
 * {@link push}; call {@link finish} for the last (open) hour.
 *
 * Also counts, straight from the source columns, each airport's departures
 * (`departures[i]`, the ground truth the recovered graph is checked
 * against) and the distinct airport codes seen.
 */
export class FlightMapper {
  /** Departures per airport so far (= the running count logged). */
  readonly departures: Int32Array
  /** Flights mapped so far (= next relationship id). */
  flights = 0
  /** Distinct airport codes seen in the flights (origin or destination). */
  readonly codesSeen = new Set<string>()

  private readonly index: ReadonlyMap<string, number>
  private readonly nodeIds: ReadonlyArray<bigint>
  /** Per airport: the sequence number of the last transaction it departed in. */
  private readonly touchedIn: Int32Array
  private touched: Array<number> = []
  private events: Array<MutationEvent> = []
  private txFlights = 0
  private hour = Number.NaN
  private txSeq = 1
  private lastMicros = Number.NaN
  private lastDeparture: PropertyValue | undefined

  constructor(airports: ReadonlyArray<Airport>) {
    const index = new Map<string, number>()
    airports.forEach((a, i) => index.set(a.iata, i))
    this.index = index
    this.nodeIds = airports.map((_, i) => BigInt(i))
    this.departures = new Int32Array(airports.length)
    this.touchedIn = new Int32Array(airports.length)
  }

  /**
   * Maps one chunk, yielding each hour transaction as soon as the chunk
   * completes it (so only one hour of events is in memory at a time); the
   * hour still open at the chunk's end is kept for the next chunk or
   * {@link finish}. Throws {@link MissingAirports} on the first step — before
   * mapping anything of the chunk — when a code of the chunk is not an
   * airport.
   */
  *push(chunk: FlightChunk): Generator<JobTx, void, undefined> {
    const n = chunk.length
    const src = new Int32Array(n)
    const dst = new Int32Array(n)
    const misses = new Map<string, number>()
    const resolve = (code: string): number => {
      const i = this.index.get(code)
      if (i === undefined) {
        misses.set(code, (misses.get(code) ?? 0) + 1)
        return -1
      }
      return i
    }
    for (let i = 0; i < n; i++) {
      src[i] = resolve(chunk.origin[i]!)
      dst[i] = resolve(chunk.destination[i]!)
    }
    if (misses.size > 0) throw new MissingAirports(misses, chunk.start)
    for (let i = 0; i < n; i++) {
      this.codesSeen.add(chunk.origin[i]!)
      this.codesSeen.add(chunk.destination[i]!)
    }

    for (let i = 0; i < n; i++) {
      const micros = chunk.dateMicros[i]!
      const h = hourOf(micros)
      if (h !== this.hour) {
        const tx = this.close()
        this.hour = h
        if (tx !== undefined) yield tx
      }
      if (micros !== this.lastMicros) {
        this.lastMicros = micros
        this.lastDeparture = departureOf(micros)
      }
      const s = src[i]!
      this.events.push({
        _tag: "CreateRelationship",
        id: BigInt(this.flights),
        src: this.nodeIds[s]!,
        dst: this.nodeIds[dst[i]!]!,
        relType: FLIGHT_TYPE,
        properties: new Map<string, PropertyValue>([
          ["departure", this.lastDeparture!],
          ["delay", int(chunk.delay[i]!)],
          ["distance", int(chunk.distance[i]!)]
        ])
      })
      this.flights++
      this.txFlights++
      this.departures[s]!++
      if (this.touchedIn[s] !== this.txSeq) {
        this.touchedIn[s] = this.txSeq
        this.touched.push(s)
      }
    }
  }

  /** Closes and returns the open hour, if it holds any flight. */
  finish(): JobTx | undefined {
    return this.close()
  }

  private close(): JobTx | undefined {
    if (this.txFlights === 0) return undefined
    const events = this.events
    for (const s of this.touched) {
      const e: MutationEventOf<"SetNodeProperty"> = {
        _tag: "SetNodeProperty",
        nodeId: this.nodeIds[s]!,
        key: DEPARTURES_KEY,
        value: Pv.int(this.departures[s]!)
      }
      events.push(e)
    }
    const tx: JobTx = { hour: this.hour, events, flights: this.txFlights }
    this.events = []
    this.touched = []
    this.txFlights = 0
    this.txSeq++
    return tx
  }
}
