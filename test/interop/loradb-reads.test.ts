/**
 * Interoperability (b): effect-wal writes, LoraDB reads.
 *
 * effect-wal (`Wal.layer` + `commitTx`) logs a generated workload that uses
 * every event kind and every property value type; after the log is closed,
 * LoraDB (`@loradb/lora-node` 0.15, `openWalDatabase`) opens the directory
 * and must hold exactly the graph the model predicts: nodes, labels,
 * properties, relationships, indexes and constraints. A second log is split
 * over many small segments and LoraDB must read all of it. LoraDB then
 * appends to our log, and effect-wal replays both writers' transactions.
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { type Database, openWalDatabase } from "@loradb/lora-node"
import * as Path from "node:path"
import type { MutationEvent } from "../../src/event/MutationEvent.js"
import { type PropertyValue, Pv } from "../../src/event/PropertyValue.js"
import { SyncMode, Wal } from "../../src/Wal.js"
import { GraphModel } from "../support/graph-model.js"
import { cleanup, reencodeDirectory, replayTransactions, tempDir } from "./support/interop.js"
import {
  loraDdlRows,
  loraNodeRows,
  loraRelRows,
  modelConstraintRows,
  modelIndexRows,
  modelRows,
  NODES_QUERY,
  RELS_QUERY
} from "./support/lora-values.js"
import { generateWorkload } from "./support/workload.js"

const ALL_VALUE_TAGS = [
  "Binary",
  "Bool",
  "Date",
  "DateTime",
  "Duration",
  "Float",
  "Int",
  "List",
  "LocalDateTime",
  "LocalTime",
  "Map",
  "Null",
  "Point",
  "String",
  "Time",
  "Vector"
]

const valueTags = (values: Iterable<PropertyValue>): Array<string> => {
  const tags = new Set<string>()
  const walk = (v: PropertyValue): void => {
    tags.add(v._tag)
    if (v._tag === "List") v.value.forEach(walk)
    if (v._tag === "Map") v.value.forEach(walk)
  }
  for (const v of values) walk(v)
  return [...tags].sort()
}

/** Commits each transaction with effect-wal and closes the log. */
const writeLog = (dir: string, txs: ReadonlyArray<ReadonlyArray<MutationEvent>>, segmentTargetBytes?: number) =>
  Effect.gen(function* () {
    const wal = yield* Wal
    for (const tx of txs) yield* wal.commitTx(tx)
    return yield* wal.status
  }).pipe(
    Effect.provide(Wal.layer({ dir, syncMode: SyncMode.GroupSync({ interval: 5 }), ...(segmentTargetBytes ? { segmentTargetBytes } : {}) }))
  )

/** Opens `dir` in LoraDB, runs `f`, disposes. */
const withLora = <A>(dir: string, f: (db: Database) => Promise<A>) =>
  Effect.acquireUseRelease(
    Effect.promise(() => openWalDatabase({ walDir: dir })),
    (db) => Effect.promise(() => f(db)),
    (db) => Effect.sync(() => db.dispose())
  )

/** What LoraDB holds, in the compared shapes. */
const loraGraph = async (db: Database) => {
  const indexes = (await db.execute("SHOW INDEXES")).rows
  const constraints = (await db.execute("SHOW CONSTRAINTS")).rows
  return {
    nodes: loraNodeRows((await db.execute(NODES_QUERY)).rows),
    relationships: loraRelRows((await db.execute(RELS_QUERY)).rows),
    ...loraDdlRows(indexes, constraints),
    nodeCount: await db.nodeCount(),
    relationshipCount: await db.relationshipCount()
  }
}

/** The model in the same shapes. */
const modelGraph = (model: GraphModel) => {
  const snap = model.snapshot()
  const rows = modelRows(snap)
  return {
    ...rows,
    indexes: modelIndexRows(snap.indexes),
    constraints: modelConstraintRows(snap.constraints),
    nodeCount: rows.nodes.length,
    relationshipCount: rows.relationships.length
  }
}

/** Values whose exact form the JSON bridge cannot show; checked through Cypher's `toString`. */
const EXACT: ReadonlyArray<MutationEvent> = [
  {
    _tag: "CreateNode",
    id: 1_000_000n,
    labels: ["Exact"],
    properties: new Map<string, PropertyValue>([
      ["i", Pv.int(9223372036854775807n)],
      ["j", Pv.int(-9223372036854775808n)],
      ["k", Pv.int(9007199254740993n)],
      ["f", Pv.float(-0)]
    ])
  }
]

describe("effect-wal writes a WAL, LoraDB reads it", () => {
  afterEach(cleanup)

  it.live("a generated workload opens in LoraDB as the graph the model predicts; LoraDB appends and effect-wal replays both", () =>
    Effect.gen(function* () {
      const dir = Path.join(tempDir("lora-reads"), "wal")
      const { model, transactions } = generateWorkload({ seed: 0xc0ffee, transactions: 150, maxEvents: 8, clearAt: 50 })
      model.applyAll(EXACT)
      const txs = [...transactions, EXACT]
      // The workload really covers every event kind and value type, and the final graph every value type.
      const events = txs.flat()
      expect(new Set(events.map((e) => e._tag)).size).toBe(16)
      expect(valueTags(events.flatMap((e) =>
        e._tag === "CreateNode" || e._tag === "CreateRelationship"
          ? [...e.properties.values()]
          : e._tag === "SetNodeProperty" || e._tag === "SetRelationshipProperty"
          ? [e.value]
          : []
      ))).toEqual(ALL_VALUE_TAGS)
      const snap = model.snapshot()
      expect(valueTags([...snap.nodes, ...snap.relationships].flatMap((n) => n.properties.map(([, v]) => v)))).toEqual(ALL_VALUE_TAGS)
      expect(snap.indexes.length).toBeGreaterThan(0)
      expect(snap.constraints.length).toBeGreaterThan(0)

      yield* writeLog(dir, txs)
      const expected = modelGraph(model)
      const { exact, got, appendedId, after } = yield* withLora(dir, async (db) => {
        const got = await loraGraph(db)
        const exact = (await db.execute("MATCH (n:Exact) RETURN toString(n.i) AS i, toString(n.j) AS j, toString(n.k) AS k, n.f AS f")).rows
        // LoraDB continues our log.
        const created = await db.execute("MATCH (x:Exact) CREATE (x)-[:FROM_LORA {at: date('2026-01-02')}]->(n:FromLora {v: 1}) RETURN id(n) AS id")
        await db.execute("MATCH (x:Exact) SET x.touched = true REMOVE x.k")
        const after = await loraGraph(db)
        await db.sync()
        return { got, exact, appendedId: created.rows[0]!.id, after }
      })
      expect(got.nodes).toEqual(expected.nodes)
      expect(got.relationships).toEqual(expected.relationships)
      expect(got.indexes).toEqual(expected.indexes)
      expect(got.constraints).toEqual(expected.constraints)
      expect([got.nodeCount, got.relationshipCount]).toEqual([expected.nodeCount, expected.relationshipCount])
      expect(exact).toEqual([{ i: "9223372036854775807", j: "-9223372036854775808", k: "9007199254740993", f: -0 }])
      expect(Object.is(exact[0]!.f, -0)).toBe(true)
      // LoraDB allocates past our highest id.
      expect(appendedId).toBe(1_000_001)

      // effect-wal replays both writers; every byte of the mixed log re-encodes.
      const { outcome, transactions: replayed } = yield* replayTransactions(dir)
      expect(outcome.tornTail).toBeUndefined()
      expect(replayed.length).toBe(txs.length + 2)
      expect(replayed.slice(0, txs.length).map((t) => t.events)).toEqual(txs)
      const both = modelGraph(new GraphModel().applyAll(replayed.flatMap((t) => t.events)))
      expect(both.nodes).toEqual(after.nodes)
      expect(both.relationships).toEqual(after.relationships)
      const report = yield* reencodeDirectory(dir)
      expect(report.mismatches).toEqual([])
    }))

  it.live("a log over many small segments (segmentTargetBytes 4096) is read whole by LoraDB", () =>
    Effect.gen(function* () {
      const dir = Path.join(tempDir("lora-reads-segments"), "wal")
      const { model, transactions } = generateWorkload({ seed: 7, transactions: 250, maxEvents: 6 })
      const status = yield* writeLog(dir, transactions, 4096)
      const report = yield* reencodeDirectory(dir)
      expect(report.mismatches).toEqual([])
      expect(report.segments.length).toBeGreaterThanOrEqual(10)
      expect(BigInt(report.segments.length)).toBe(status.activeSegmentId)
      expect(report.segments.slice(0, -1).every((s) => s.sealed)).toBe(true)
      expect(report.segments.at(-1)!.sealed).toBe(false)
      const got = yield* withLora(dir, loraGraph)
      const expected = modelGraph(model)
      expect(got.nodes).toEqual(expected.nodes)
      expect(got.relationships).toEqual(expected.relationships)
      expect(got.indexes).toEqual(expected.indexes)
      expect(got.constraints).toEqual(expected.constraints)
      expect(got.nodeCount).toBe(expected.nodes.length)
      expect(got.nodeCount).toBeGreaterThan(50)
    }))
})
