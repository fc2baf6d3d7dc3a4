/**
 * The job's cross-check with LoraDB itself: open the directory the job
 * wrote with `@loradb/lora-node`'s `openWalDatabase({ walDir })` (LoraDB
 * replays our segments into its in-memory graph), ask it Cypher questions
 * and compare the answers with our own counts.
 *
 * `@loradb/lora-node` is a devDependency: it is imported dynamically and
 * its absence is reported, not fatal. LoraDB takes the directory lock, so
 * the caller must have closed its own log first; the database is disposed
 * (lock released) when the check's scope ends, whatever happens.
 *
 * @module
 */
import { Data, Effect } from "effect"
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import * as Path from "node:path"
import type { Airport } from "./source.js"

/** A LoraDB call that failed (open, query or import). */
export class LoraDbError extends Data.TaggedError("LoraDbError")<{ readonly step: string; readonly cause: unknown }> {
  override get message(): string {
    return `LoraDB ${this.step} failed: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`
  }
}

/** What the job expects LoraDB to see. */
export interface LoraDbExpectations {
  readonly airports: ReadonlyArray<Airport>
  readonly relationships: number
  /** Outgoing flights per airport (index = node id). */
  readonly outgoing: Int32Array
  /** The `departures` property per airport (index = node id); 0 = never set. */
  readonly departures: Int32Array
}

/** The outcome of the check. */
export type LoraDbReport =
  | { readonly _tag: "NotInstalled"; readonly reason: string }
  | {
    readonly _tag: "Ran"
    readonly version: string
    /** `openWalDatabase` time (LoraDB replays the whole log), ms. */
    readonly openMs: number
    /** Time of the top-5 query, ms. */
    readonly queryMs: number
    readonly query: string
    readonly top: ReadonlyArray<{ readonly iata: string; readonly n: number }>
    readonly nodeCount: number
    readonly relationshipCount: number
    /** The busiest airport as LoraDB returns it (location and departures), for display. */
    readonly busiest: string
    /** Disagreements with our counts; empty = consistent. */
    readonly problems: ReadonlyArray<string>
  }

/**
 * The top-5 query the job asks. The aggregation sits in a `WITH`: LoraDB
 * 0.15.0 answers the one-clause form
 * `MATCH (a:Airport)-[f:FLIGHT]->() RETURN a.iata, count(f) AS n ORDER BY n DESC LIMIT 5`
 * wrongly — it applies the `LIMIT` to the matched rows *before* grouping
 * (`… RETURN a.iata, count(f) AS n LIMIT 5` returns one airport with n = 5),
 * reproduced on a graph built with Cypher in a pure in-memory LoraDB too.
 */
export const TOP5_QUERY =
  "MATCH (a:Airport)-[f:FLIGHT]->() WITH a, count(f) AS n RETURN a.iata AS iata, n ORDER BY n DESC, iata LIMIT 5"

const num = (v: unknown): number => (typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : Number.NaN)

/**
 * Opens `walDir` with LoraDB, runs {@link TOP5_QUERY} plus node / relationship
 * counts and a look at the busiest airport, and compares them with `expect`.
 * Fails with {@link LoraDbError} when LoraDB is installed but an open or a
 * query fails; returns `NotInstalled` when the package cannot be imported.
 */
export const checkWithLoraDb = (walDir: string, expect: LoraDbExpectations): Effect.Effect<LoraDbReport, LoraDbError> =>
  Effect.gen(function* () {
    const imported = yield* Effect.tryPromise({
      try: () => import("@loradb/lora-node"),
      catch: (cause) => cause
    }).pipe(Effect.result)
    if (imported._tag === "Failure") {
      const e = imported.failure as { code?: string; message?: string }
      if (e.code === "ERR_MODULE_NOT_FOUND") {
        return { _tag: "NotInstalled", reason: "@loradb/lora-node is not installed (npm i -D @loradb/lora-node)" } as const
      }
      return yield* new LoraDbError({ step: "import", cause: imported.failure })
    }
    const lora = imported.success
    const version = yield* Effect.sync(() => {
      try {
        // The package's "exports" hide package.json; find it next to the resolved entry point (dist/index.js).
        const entry = createRequire(import.meta.url).resolve("@loradb/lora-node")
        return (JSON.parse(readFileSync(Path.join(Path.dirname(entry), "..", "package.json"), "utf8")) as { version: string }).version
      } catch {
        return "unknown"
      }
    })

    return yield* Effect.scoped(Effect.gen(function* () {
      const t0 = performance.now()
      const db = yield* Effect.acquireRelease(
        Effect.tryPromise({ try: () => lora.openWalDatabase({ walDir }), catch: (cause) => new LoraDbError({ step: "open", cause }) }),
        (db) => Effect.sync(() => db.dispose())
      )
      const openMs = performance.now() - t0
      const run = (step: string, f: () => Promise<unknown>) => Effect.tryPromise({ try: f, catch: (cause) => new LoraDbError({ step, cause }) })

      const t1 = performance.now()
      const result = (yield* run("top-5 query", () => db.execute(TOP5_QUERY))) as { rows: Array<Record<string, unknown>> }
      const queryMs = performance.now() - t1
      const top = result.rows.map((r) => ({ iata: String(r.iata), n: num(r.n) }))
      const nodeCount = num(yield* run("nodeCount", () => db.nodeCount()))
      const relationshipCount = num(yield* run("relationshipCount", () => db.relationshipCount()))

      const problems: Array<string> = []
      if (nodeCount !== expect.airports.length) problems.push(`node count ${nodeCount}, expected ${expect.airports.length}`)
      if (relationshipCount !== expect.relationships) problems.push(`relationship count ${relationshipCount}, expected ${expect.relationships}`)

      // The top 5 must be the first five of our ranking (count descending, then IATA ascending, as the query orders).
      const index = new Map(expect.airports.map((a, i) => [a.iata, i] as const))
      const ours = expect.airports
        .map((a, i) => ({ iata: a.iata, n: expect.outgoing[i]! }))
        .filter((x) => x.n > 0)
        .sort((x, y) => y.n - x.n || (x.iata < y.iata ? -1 : x.iata > y.iata ? 1 : 0))
        .slice(0, 5)
      const render = (xs: ReadonlyArray<{ iata: string; n: number }>) => xs.map((x) => `${x.iata} ${x.n}`).join(", ")
      if (render(top) !== render(ours)) problems.push(`top 5 [${render(top)}], ours [${render(ours)}]`)

      // The busiest airport's stored properties: the location point and the last departures count.
      let busiest = "(no flights)"
      const first = top[0]
      if (first !== undefined) {
        const i = index.get(first.iata)
        const detail = (yield* run("airport query", () =>
          db.execute("MATCH (a:Airport {iata: $iata}) RETURN a.name AS name, a.location AS location, a.departures AS departures", {
            iata: first.iata
          }))) as { rows: Array<Record<string, unknown>> }
        const row = detail.rows[0]
        if (i === undefined || row === undefined) {
          problems.push(`airport ${first.iata} not found`)
        } else {
          const a = expect.airports[i]!
          const loc = row.location as { srid?: number; x?: number; y?: number } | null
          const dep = num(row.departures)
          busiest = `${first.iata} (${String(row.name)}): location ${JSON.stringify(loc)}, departures ${dep}`
          if (loc === null || loc.srid !== 4326 || loc.x !== a.longitude || loc.y !== a.latitude) {
            problems.push(`${a.iata} location ${JSON.stringify(loc)}, expected srid 4326 x ${a.longitude} y ${a.latitude}`)
          }
          if (dep !== expect.departures[i]) problems.push(`${a.iata} departures ${dep}, expected ${expect.departures[i]}`)
        }
      }
      return { _tag: "Ran", version, openMs, queryMs, query: TOP5_QUERY, top, nodeCount, relationshipCount, busiest, problems } as const
    }))
  })
