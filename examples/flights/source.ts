/**
 * The main job's input: two files of the npm package `vega-datasets`.
 *
 * - `data/airports.csv` — 3,376 US airports (`iata,name,city,state,country,latitude,longitude`),
 *   read whole with `csv-parse` (210 KB).
 * - `data/flights-3m.parquet` — 3,000,000 US flights of January–June 2001
 *   (`date, delay, distance, origin, destination`), ZSTD-compressed, 11 row
 *   groups of ~272,727 rows. Read with `hyparquet` + `hyparquet-compressors`
 *   one row group at a time, column by column (no row objects), so at most
 *   one row group's columns (tens of MB) are in memory.
 *
 * Column types (checked against the file's schema):
 *
 * | column | Parquet type | what we get |
 * |---|---|---|
 * | `date` | INT64 TIMESTAMP(MICROS, isAdjustedToUTC = false) — a *local* date-time | `number` of microseconds since 1970-01-01T00:00 (exact: < 2^53) |
 * | `delay` | INT64, minutes (negative = early) | `bigint` |
 * | `distance` | INT64, miles | `bigint` |
 * | `origin`, `destination` | BYTE_ARRAY UTF8 (IATA code) | `string` |
 *
 * The rows are sorted by `date` (checked: 0 out-of-order rows), all whole
 * minutes, no nulls.
 *
 * @module
 */
import { parse } from "csv-parse/sync"
import { asyncBufferFromFile, parquetMetadataAsync, parquetScan } from "hyparquet"
import { compressors } from "hyparquet-compressors"
import * as Fs from "node:fs"
import { createRequire } from "node:module"
import * as Path from "node:path"

/** Absolute paths of the two input files, resolved through the installed `vega-datasets` package. */
export interface DatasetPaths {
  readonly airportsCsv: string
  readonly flightsParquet: string
}

/**
 * Resolves the dataset files in the installed `vega-datasets` package.
 * The package's `"exports"` map does not list `./package.json` (3.2.1), so
 * its root is found from the resolved entry point (`build/index.js`) by
 * walking up to the `package.json` named `vega-datasets`. Throws when the
 * package is not installed.
 */
export const datasetPaths = (): DatasetPaths => {
  const require = createRequire(import.meta.url)
  let root: string
  try {
    root = Path.dirname(require.resolve("vega-datasets/package.json"))
  } catch {
    root = Path.dirname(require.resolve("vega-datasets"))
    while (!isPackageRoot(root, "vega-datasets")) {
      const up = Path.dirname(root)
      if (up === root) throw new Error("cannot find the root of the vega-datasets package")
      root = up
    }
  }
  const data = Path.join(root, "data")
  return {
    airportsCsv: Path.join(data, "airports.csv"),
    flightsParquet: Path.join(data, "flights-3m.parquet")
  }
}

const isPackageRoot = (dir: string, name: string): boolean => {
  try {
    return (JSON.parse(Fs.readFileSync(Path.join(dir, "package.json"), "utf8")) as { name?: string }).name === name
  } catch {
    return false
  }
}

/** One row of `airports.csv`. Latitude and longitude in decimal degrees (WGS-84). */
export interface Airport {
  readonly iata: string
  readonly name: string
  readonly city: string
  readonly state: string
  readonly country: string
  readonly latitude: number
  readonly longitude: number
}

const AIRPORT_COLUMNS = ["iata", "name", "city", "state", "country", "latitude", "longitude"] as const

/**
 * Reads `airports.csv` in file order. Fails (throws) on a missing column, a
 * non-numeric coordinate or a duplicate IATA code, since node ids are the
 * CSV row numbers and codes must resolve to exactly one node.
 */
export const readAirports = (csvText: string): ReadonlyArray<Airport> => {
  const rows = parse(csvText, { columns: true, skip_empty_lines: true }) as Array<Record<string, string>>
  const seen = new Set<string>()
  return rows.map((r, i) => {
    for (const c of AIRPORT_COLUMNS) {
      if (typeof r[c] !== "string") throw new Error(`airports.csv row ${i + 2}: missing column ${c}`)
    }
    const latitude = Number(r.latitude)
    const longitude = Number(r.longitude)
    if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) {
      throw new Error(`airports.csv row ${i + 2}: bad coordinates ${r.latitude},${r.longitude}`)
    }
    const iata = r.iata!
    if (seen.has(iata)) throw new Error(`airports.csv row ${i + 2}: duplicate IATA code ${iata}`)
    seen.add(iata)
    return { iata, name: r.name!, city: r.city!, state: r.state!, country: r.country!, latitude, longitude }
  })
}

/** A run of consecutive flights, column-oriented (all arrays have `length` entries). */
export interface FlightChunk {
  /** Index of the first flight of the chunk in the file (0-based). */
  readonly start: number
  readonly length: number
  /** Departure, local time, microseconds since 1970-01-01T00:00 (no zone). */
  readonly dateMicros: ArrayLike<number>
  /** Departure delay in minutes. */
  readonly delay: ArrayLike<bigint>
  /** Distance in miles. */
  readonly distance: ArrayLike<bigint>
  readonly origin: ArrayLike<string>
  readonly destination: ArrayLike<string>
}

/** The number of rows in the Parquet file (reads only its footer). */
export const countFlights = async (parquetPath: string): Promise<number> => {
  const file = await asyncBufferFromFile(parquetPath)
  return Number((await parquetMetadataAsync(file)).num_rows)
}

const nonNull = <T>(column: string, start: number, values: ArrayLike<unknown>, check: (v: unknown) => v is T): ArrayLike<T> => {
  for (let i = 0; i < values.length; i++) {
    if (!check(values[i])) throw new Error(`flights: row ${start + i}: column ${column} has ${String(values[i])}`)
  }
  return values as ArrayLike<T>
}
const isNumber = (v: unknown): v is number => typeof v === "number"
const isBigint = (v: unknown): v is bigint => typeof v === "bigint"
const isString = (v: unknown): v is string => typeof v === "string"

/**
 * Streams the first `limit` flights (all when undefined) of the Parquet file
 * in file order, one row group per chunk (the last one cut at `limit`).
 * Each chunk's five columns are decoded together; a null or a value of an
 * unexpected type throws.
 */
export async function* readFlights(parquetPath: string, limit?: number): AsyncGenerator<FlightChunk> {
  const file = await asyncBufferFromFile(parquetPath)
  const scan = await parquetScan({
    file,
    compressors,
    columns: ["date", "delay", "distance", "origin", "destination"],
    // The default parser turns each timestamp into a Date (interpreted as UTC); the raw count is cheaper and exact.
    parsers: { timestampFromMicroseconds: (micros: bigint) => Number(micros) }
  })
  const end = limit === undefined ? Number(scan.metadata.num_rows) : Math.min(limit, Number(scan.metadata.num_rows))
  for (const range of scan.ranges) {
    if (range.rowStart >= end) return
    const rowEnd = Math.min(range.rowEnd, end)
    const read = (column: string) => scan.readColumn({ column, rowStart: range.rowStart, rowEnd })
    const [date, delay, distance, origin, destination] = await Promise.all([
      read("date"),
      read("delay"),
      read("distance"),
      read("origin"),
      read("destination")
    ])
    const length = rowEnd - range.rowStart
    for (const [name, col] of [["date", date], ["delay", delay], ["distance", distance], ["origin", origin], ["destination", destination]] as const) {
      if (col.length !== length) throw new Error(`flights: column ${name} has ${col.length} rows in [${range.rowStart}, ${rowEnd}), expected ${length}`)
    }
    yield {
      start: range.rowStart,
      length,
      dateMicros: nonNull("date", range.rowStart, date, isNumber),
      delay: nonNull("delay", range.rowStart, delay, isBigint),
      distance: nonNull("distance", range.rowStart, distance, isBigint),
      origin: nonNull("origin", range.rowStart, origin, isString),
      destination: nonNull("destination", range.rowStart, destination, isString)
    }
  }
}
