/**
 * Interoperability (a): LoraDB writes, effect-wal reads.
 *
 * A Cypher workload runs in LoraDB (`@loradb/lora-node` 0.15,
 * `openWalDatabase`) on a fresh WAL directory and touches every mutation
 * kind and every property value type LoraDB can produce. Before disposing
 * LoraDB we ask it for its graph (nodes, relationships, indexes,
 * constraints). effect-wal then replays the directory, both read-only
 * (`replayDirectory`) and through `Wal.layer` (which takes the lock), and the
 * replayed events applied to the graph model must give exactly that graph.
 * At byte level, every header and record effect-wal decodes from LoraDB's
 * files must re-encode to the same bytes.
 *
 * Property values LoraDB's Cypher does not produce as documented (kept in the
 * workload: the log and the live graph must agree whatever LoraDB does with
 * them): `time('…')` and `localtime('…')` with a string give `null`;
 * `localdatetime('…')` gives a zoned DateTime at offset 0. Time, LocalTime
 * and LocalDateTime values therefore come in as tagged parameters, and
 * vectors too (LoraDB 0.15 has no `vector()` function).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { type Database, openWalDatabase } from "@loradb/lora-node"
import * as Path from "node:path"
import { type MutationEvent, MUTATION_TAGS } from "../../src/event/MutationEvent.js"
import { type PropertyValue, Pv } from "../../src/event/PropertyValue.js"
import { SyncMode, Wal } from "../../src/Wal.js"
import { GraphModel } from "../support/graph-model.js"
import { cleanup, dirFingerprint, reencodeDirectory, replayTransactions, tempDir } from "./support/interop.js"
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

/** One step of the workload: a statement, a multi-statement transaction, a clear, or a statement LoraDB must reject. */
type Step =
  | { readonly q: string; readonly p?: Record<string, unknown> }
  | { readonly tx: ReadonlyArray<{ readonly query: string; readonly params?: Record<string, unknown> }> }
  | { readonly failTx: ReadonlyArray<{ readonly query: string }> }
  | { readonly reject: string; readonly p?: Record<string, unknown> }
  | { readonly clear: true }

const vec = (coordinateType: string, values: Array<number>) => ({ kind: "vector", dimension: values.length, coordinateType, values })
const bin = (...segments: Array<Array<number>>) => ({ kind: "binary", length: segments.flat().length, segments })

const WORKLOAD: ReadonlyArray<Step> = [
  // A first life of the graph, wiped by clear(): ids restart at 0 afterwards.
  { q: "CREATE (a:Old {v: 1})-[:R]->(b:Old {v: 2})" },
  { q: "CREATE INDEX old_idx FOR (n:Old) ON (n.v)" },
  { clear: true },

  // DDL: every index kind LoraDB parses, named and unnamed, with options; every constraint kind.
  { q: "CREATE INDEX person_name FOR (n:Person) ON (n.name)" },
  { q: "CREATE INDEX FOR (n:Person) ON (n.age)" },
  { q: "CREATE INDEX IF NOT EXISTS FOR (n:Person) ON (n.name, n.age)" },
  { q: "CREATE INDEX person_name IF NOT EXISTS FOR (n:Person) ON (n.name)" },
  { q: "CREATE TEXT INDEX bio_text FOR (n:Person) ON (n.bio)" },
  { q: "CREATE INDEX knows_w FOR ()-[r:KNOWS]-() ON (r.w)" },
  {
    q: "CREATE POINT INDEX place_loc FOR (n:Place) ON (n.loc) OPTIONS {indexConfig: {`spatial.cartesian.min`: [-100.0, -100.0], `spatial.cartesian.max`: [100.0, 100.0]}}"
  },
  {
    q: "CREATE VECTOR INDEX doc_emb FOR (n:Doc) ON (n.emb) OPTIONS {indexConfig: {`vector.dimensions`: 3, `vector.similarity_function`: 'cosine'}}"
  },
  {
    q: "CREATE FULLTEXT INDEX doc_text FOR (n:Doc|Post) ON EACH [n.title, n.body] OPTIONS {indexConfig: {`fulltext.analyzer`: 'standard', `fulltext.eventually_consistent`: false}}"
  },
  { q: "CREATE CONSTRAINT person_pid FOR (n:Person) REQUIRE n.pid IS UNIQUE" },
  { q: "CREATE CONSTRAINT account_email IF NOT EXISTS FOR (n:Account) REQUIRE n.email IS NOT NULL" },
  { q: "CREATE CONSTRAINT acct_key FOR (n:Acct) REQUIRE (n.a, n.b) IS NODE KEY" },
  { q: "CREATE CONSTRAINT owns_key FOR ()-[r:OWNS]-() REQUIRE r.since IS RELATIONSHIP KEY" },
  { q: "CREATE CONSTRAINT likes_id FOR ()-[r:LIKES]-() REQUIRE r.id IS UNIQUE" },
  { q: "CREATE CONSTRAINT likes_w FOR ()-[r:LIKES]-() REQUIRE r.w IS NOT NULL" },
  { q: "CREATE CONSTRAINT doc_tags FOR (n:Doc) REQUIRE n.tags IS :: LIST<STRING NOT NULL>" },
  { q: "CREATE CONSTRAINT doc_emb_t FOR (n:Doc) REQUIRE n.emb IS :: VECTOR<FLOAT32>(3)" },
  { q: "CREATE CONSTRAINT doc_score FOR (n:Doc) REQUIRE n.score IS :: INTEGER | FLOAT" },
  { q: "CREATE CONSTRAINT ev_at FOR (n:Ev) REQUIRE n.at IS :: ZONED DATETIME" },
  { q: "CREATE CONSTRAINT ev_misc FOR (n:Ev) REQUIRE n.misc IS :: LOCAL TIME | DATE | DURATION | POINT | BOOLEAN | STRING" },
  { q: "CREATE CONSTRAINT doomed FOR (n:Tmp) REQUIRE n.x IS UNIQUE" },
  { q: "DROP INDEX bio_text" },
  { q: "DROP INDEX no_such_index IF EXISTS" },
  { q: "DROP CONSTRAINT doomed" },
  { q: "DROP CONSTRAINT no_such_constraint IF EXISTS" },

  // Nodes with every property type LoraDB's Cypher produces.
  {
    q: "CREATE (a:Person:Admin {pid: 1, name: 'Ada', age: 36, score: 1.5, ok: true, no: false, tags: ['x', 'y'], " +
      "nested: [[1, 2], [3]], mixed: [1, 'a', true, null, 2.5], m: {k: 'v', n: 2, deep: {z: [1, {w: 'q'}]}}, nothing: null, " +
      "born: date('1815-12-10'), first: date('0001-01-01'), seen: datetime('2026-04-27T12:34:56.000000789-00:30'), " +
      "utc: datetime('2026-04-27T12:34:56Z'), half: datetime('2026-04-27T12:34:56.5+05:45'), " +
      "dur: duration('P1Y2M3DT4H5M6S'), tiny: duration('PT0.000000007S'), wk: duration('P1W'), long: duration('P10DT25H'), " +
      "zero: duration('P0D'), home: point({x: 1.5, y: -2.0}), home3: point({x: 1, y: 2, z: 3}), " +
      "geo: point({longitude: 4.9, latitude: 52.37}), geo3: point({longitude: 4.9, latitude: 52.37, height: 7.0}), " +
      "uni: 'hé 😀 ｡ \\u0000 end', negz: -0.0, big: 9223372036854775807, small: -9007199254740993, " +
      "emptyL: [], emptyM: {}, temporalList: [date('2020-01-01'), point({x: 1, y: 2})], " +
      "`😀`: 1, `｡`: 2, B: 3, b: 4, aa: 5, `é`: 6, quirkTime: time('12:34:56+01:00'), " +
      "quirkLdt: localdatetime('2026-04-27T12:34:56')})"
  },
  {
    q: "CREATE (b:Person {pid: 2, name: 'Bob', t: $t, lt: $lt, ldt: $ldt, d: $d, " +
      "f64: $f64, f32: $f32, i64: $i64, i32: $i32, i16: $i16, i8: $i8, bin: $bin, binEmpty: $binEmpty, " +
      "binMap: $binMap, ltList: $ltList})",
    p: {
      t: { kind: "time", iso: "12:34:56.000000789+01:00" },
      lt: { kind: "localtime", iso: "01:02:03.000000004" },
      ldt: { kind: "localdatetime", iso: "2026-04-27T12:34:56.000000789" },
      d: { kind: "duration", iso: "P14M3DT4H" },
      f64: vec("FLOAT64", [0.1, -2, 1e300]),
      f32: vec("FLOAT32", [1.5, 2.5, 0.1]),
      i64: vec("INTEGER", [9007199254740991, -5]),
      i32: vec("INTEGER32", [2147483647, -1]),
      i16: vec("INTEGER16", [32767, -32768]),
      i8: vec("INTEGER8", [1, -2, 127, -128]),
      bin: bin([0, 1, 2], [], [255]),
      binEmpty: bin(),
      binMap: { "é": 1, B: 2, a: bin([1]) },
      ltList: [{ kind: "time", iso: "23:59:59.1Z" }, { kind: "localtime", iso: "00:00:00" }]
    }
  },
  {
    q: "CREATE (d:Doc {title: 'T', tags: ['a', 'b'], emb: $emb, score: 3}), (p:Place {loc: point({x: 5, y: 6})}), " +
      "(e:Ev {at: datetime('2020-02-29T23:59:59.999999999+14:00'), misc: date('2024-02-29')}), " +
      "(acct:Acct:Account {a: 1, b: 'one', email: 'x@y.z'}), (:Person {pid: 3, name: 'Cy', old: 1, older: [1]})",
    p: { emb: vec("FLOAT32", [0.25, -0.5, 1]) }
  },
  { reject: "CREATE (:Person {pid: 1, name: 'duplicate pid'})" },
  { reject: "CREATE (:Account {name: 'no email'})" },
  { reject: "CREATE (:Doc {tags: [1, 2]})" },

  // Relationships: properties, a self-loop, parallel relationships, key and unique constraints.
  {
    q: "MATCH (a:Person {pid: 1}), (b:Person {pid: 2}) CREATE (a)-[:KNOWS {since: 2020, w: 0.5, when: date('2020-01-01')}]->(b), " +
      "(a)-[:KNOWS {since: 2021}]->(b), (b)-[:LIKES {id: 1, w: 1.0}]->(a), (a)-[:SELF {loop: true}]->(a)"
  },
  { q: "MATCH (a:Person {pid: 1}), (c:Acct) CREATE (a)-[:OWNS {since: 1999, v: $v}]->(c)", p: { v: vec("INTEGER8", [3]) } },
  { reject: "MATCH (a:Person {pid: 1}), (c:Acct) CREATE (a)-[:OWNS {since: 1999}]->(c)" },

  // Property and label changes.
  { q: "MATCH (a:Person {pid: 1}) SET a.age = 37, a.city = 'Paris'" },
  { q: "MATCH (a:Person {pid: 1}) REMOVE a.city, a.no" },
  { q: "MATCH (a:Person {pid: 1}) SET a:Vip:Extra REMOVE a:Admin" },
  { q: "MATCH (a:Person {pid: 1}) REMOVE a:Extra" },
  { q: "MATCH (a:Person {pid: 1}) SET a += {x: 1, y: [1.5], z: {q: true}}" },
  { q: "MATCH (c:Person {pid: 3}) SET c = {pid: 3, name: 'Cy', replaced: true, lt: $lt}", p: { lt: { kind: "localtime", iso: "10:11:12" } } },
  { q: "MATCH (b:Person {pid: 2}) SET b.name = null" },
  { q: "MATCH ()-[r:KNOWS {since: 2020}]->() SET r.w = 0.75, r.note = 'n', r.at = $at REMOVE r.since", p: { at: bin([9, 9]) } },
  { q: "MATCH ()-[r:KNOWS {since: 2021}]->() SET r += {extra: [1, 2]}" },
  { q: "MATCH ()-[r:SELF]->() SET r = {loop: false, again: 'yes'}" },
  { q: "MATCH ()-[r:LIKES]->() SET r.w = 2.5" },

  // Multi-statement transactions: one commits (one WAL transaction), one fails and leaves nothing.
  {
    tx: [
      { query: "CREATE (:Tmp {n: 1})-[:R {k: 1}]->(:Tmp {n: 2})" },
      { query: "CREATE (:Tmp {n: 3})" },
      { query: "MATCH (t:Tmp) SET t.seen = true" },
      { query: "MATCH (t:Tmp {n: 3}) SET t:Marked" }
    ]
  },
  { failTx: [{ query: "CREATE (:Tmp {n: 99})" }, { query: "RETURN no_such_function(1)" }] },

  // Deletions: a relationship, a lone node, detach delete of a node with a self-loop and several relationships.
  { q: "MATCH (:Tmp {n: 1})-[r:R]->() DELETE r" },
  { q: "MATCH (t:Tmp {n: 1}) DELETE t" },
  { reject: "MATCH (a:Person {pid: 2}) DELETE a" },
  { q: "MATCH (x:Tmp {n: 2}) CREATE (x)-[:R]->(x), (x)<-[:R]-(:Tmp {n: 4})" },
  { q: "MATCH (x:Tmp {n: 2}) DETACH DELETE x" },

  // Bulk: one transaction with many events, then half of it deleted.
  { q: "UNWIND range(1, 60) AS i CREATE (:Bulk {i: i, s: 'item ' + toString(i), f: toFloat(i) / 4})" },
  { q: "MATCH (a:Bulk), (b:Bulk) WHERE b.i = a.i + 1 AND a.i <= 10 CREATE (a)-[:NEXT {gap: b.i - a.i}]->(b)" },
  { q: "MATCH (n:Bulk) WHERE n.i % 2 = 0 DETACH DELETE n" },
  { q: "MERGE (m:Merged {k: 1}) ON CREATE SET m.created = true" },
  { q: "MERGE (m:Merged {k: 1}) ON MATCH SET m.matched = true" }
]

interface LoraState {
  readonly nodes: Array<Record<string, unknown>>
  readonly rels: Array<Record<string, unknown>>
  readonly indexes: Array<Record<string, unknown>>
  readonly constraints: Array<Record<string, unknown>>
  readonly exact: Array<Record<string, unknown>>
  readonly nodeCount: number
  readonly relationshipCount: number
}

/** Asks LoraDB for everything the tests compare. */
const readLoraState = async (db: Database, withExact = false): Promise<LoraState> => ({
  nodes: (await db.execute(NODES_QUERY)).rows,
  rels: (await db.execute(RELS_QUERY)).rows,
  indexes: (await db.execute("SHOW INDEXES")).rows,
  constraints: (await db.execute("SHOW CONSTRAINTS")).rows,
  // Integers beyond 2^53 lose precision in the binding's JSON; their text is exact.
  // (LoraDB rejects a query naming a property key no entity has, hence `withExact`.)
  exact: withExact
    ? (await db.execute("MATCH (n) WHERE n.big IS NOT NULL RETURN id(n) AS id, toString(n.big) AS big, toString(n.small) AS small")).rows
    : [],
  nodeCount: await db.nodeCount(),
  relationshipCount: await db.relationshipCount()
})

/** Runs the workload; returns LoraDB's state read before dispose, and what it rejected. */
const runWorkload = async (db: Database): Promise<{ state: LoraState; rejected: Array<string> }> => {
  const rejected: Array<string> = []
  for (const step of WORKLOAD) {
    if ("q" in step) await db.execute(step.q, step.p as never)
    else if ("tx" in step) await db.transaction(step.tx as never)
    else if ("clear" in step) await db.clear()
    else if ("failTx" in step) {
      const ok = await db.transaction(step.failTx as never).then(() => true, () => false)
      if (ok) throw new Error("a failing transaction committed")
      rejected.push("failTx")
    } else {
      const err = await db.execute(step.reject, step.p as never).then(() => undefined, (e: Error) => e)
      if (err === undefined) throw new Error(`LoraDB accepted: ${step.reject}`)
      rejected.push(`${(err as { code?: string }).code}`)
    }
  }
  return { state: await readLoraState(db, true), rejected }
}

const ALL_EVENT_TAGS = MUTATION_TAGS
const ALL_VALUE_TAGS = [
  "Null",
  "Bool",
  "Int",
  "Float",
  "String",
  "List",
  "Map",
  "Date",
  "Time",
  "LocalTime",
  "DateTime",
  "LocalDateTime",
  "Duration",
  "Point",
  "Vector",
  "Binary"
]

/** The graph model after `events`, compared with LoraDB's state. */
const expectSameGraph = (events: ReadonlyArray<MutationEvent>, lora: LoraState) => {
  const model = new GraphModel().applyAll(events)
  const snap = model.snapshot()
  const mine = modelRows(snap)
  expect(mine.nodes).toEqual(loraNodeRows(lora.nodes))
  expect(mine.relationships).toEqual(loraRelRows(lora.rels))
  expect(mine.nodes.length).toBe(lora.nodeCount)
  expect(mine.relationships.length).toBe(lora.relationshipCount)
  const ddl = loraDdlRows(lora.indexes, lora.constraints)
  expect(modelIndexRows(snap.indexes)).toEqual(ddl.indexes)
  expect(modelConstraintRows(snap.constraints)).toEqual(ddl.constraints)
  // Exact 64-bit integers.
  const exact = lora.exact.map((r) => {
    const n = snap.nodes.find((x) => Number(x.id) === r.id)!
    const get = (k: string) => n.properties.find(([key]) => key === k)?.[1]
    const big = get("big")
    const small = get("small")
    return {
      id: r.id,
      big: big?._tag === "Int" ? big.value.toString() : "?",
      small: small?._tag === "Int" ? small.value.toString() : "?"
    }
  })
  expect(exact).toEqual(lora.exact.map((r) => ({ id: r.id, big: r.big, small: r.small })))
  return model
}

describe("LoraDB writes a WAL, effect-wal reads it", () => {
  let walDir = ""
  let lora: LoraState
  let rejected: Array<string> = []

  beforeAll(async () => {
    const root = tempDir("lora-writes")
    walDir = Path.join(root, "wal")
    // Managed snapshots every 7 commits make LoraDB write Checkpoint records too.
    const db = await openWalDatabase({ walDir, snapshotDir: Path.join(root, "snapshots"), snapshotEveryCommits: 7 })
    try {
      const r = await runWorkload(db)
      lora = r.state
      rejected = r.rejected
      await db.sync()
    } finally {
      db.dispose()
    }
  })
  afterAll(cleanup)

  it("the workload ran as planned: LoraDB rejected exactly the statements meant to fail", () => {
    expect(rejected).toEqual([
      "LORA_UNIQUE_CONSTRAINT",
      "LORA_NOT_NULL_CONSTRAINT",
      "LORA_VALIDATION",
      "LORA_UNIQUE_CONSTRAINT",
      "failTx",
      "LORA_FOREIGN_KEY"
    ])
    expect(lora.nodeCount).toBeGreaterThan(30)
  })

  it.live("read-only replay gives LoraDB's graph, indexes and constraints, using every event kind and value type", () =>
    Effect.gen(function* () {
      const before = dirFingerprint(walDir)
      const { outcome, transactions } = yield* replayTransactions(walDir)
      expect(outcome.tornTail).toBeUndefined()
      const events = transactions.flatMap((t) => t.events)
      expectSameGraph(events, lora)
      expect(lora.exact.length).toBe(1)
      // Transactions are three consecutive LSNs each, in commit order.
      for (const t of transactions) expect(t.commitLsn - t.beginLsn).toBe(2n)
      expect(transactions.map((t) => t.commitLsn)).toEqual([...transactions.map((t) => t.commitLsn)].sort((a, b) => (a < b ? -1 : 1)))
      expect(outcome.checkpointLsnObserved).toBeDefined()
      expect(new Set(events.map((e) => e._tag))).toEqual(new Set(ALL_EVENT_TAGS))
      const report = yield* reencodeDirectory(walDir)
      expect([...report.valueTags].sort()).toEqual([...ALL_VALUE_TAGS].sort())
      // …and every value type is still present in the final graph that was compared.
      const finalTags = new Set<string>()
      const walk = (v: PropertyValue): void => {
        finalTags.add(v._tag)
        if (v._tag === "List") v.value.forEach(walk)
        if (v._tag === "Map") v.value.forEach(walk)
      }
      const snap = new GraphModel().applyAll(events).snapshot()
      for (const e of [...snap.nodes, ...snap.relationships]) for (const [, v] of e.properties) walk(v)
      expect([...finalTags].sort()).toEqual([...ALL_VALUE_TAGS].sort())
      expect(dirFingerprint(walDir)).toEqual(before)
    }))

  it.live("Wal.layer (with the lock) recovers the same events; its open and close change no byte", () =>
    Effect.gen(function* () {
      const before = dirFingerprint(walDir)
      const { outcome, transactions } = yield* replayTransactions(walDir)
      const replayed = transactions.flatMap((t) => t.events)
      const opened = yield* Effect.gen(function* () {
        const wal = yield* Wal
        return { events: wal.recovery.events, maxLsn: wal.recovery.maxLsn, nextLsn: yield* wal.nextLsn, torn: wal.recovery.tornTail }
      }).pipe(Effect.provide(Wal.layer({ dir: walDir, syncMode: SyncMode.PerCommit })))
      expect(opened.events).toEqual(replayed)
      expect(opened.torn).toBeUndefined()
      expect(opened.maxLsn).toBe(outcome.maxLsn)
      expect(opened.nextLsn).toBe(outcome.maxLsn + 1n)
      expectSameGraph(opened.events, lora)
      expect(dirFingerprint(walDir)).toEqual(before)
    }))

  it.live("every header and record decoded from LoraDB's files re-encodes to the same bytes", () =>
    Effect.gen(function* () {
      const report = yield* reencodeDirectory(walDir)
      expect(report.mismatches).toEqual([])
      expect(report.segments.length).toBe(1)
      expect(report.kinds.TxBegin).toBe(report.kinds.TxCommit)
      expect(report.kinds.MutationBatch).toBe(report.kinds.TxCommit)
      expect(report.kinds.Checkpoint).toBeGreaterThan(0)
      expect(report.kinds.Mutation ?? 0).toBe(0)
      expect(report.kinds.TxAbort ?? 0).toBe(0)
    }))

  it.live("after effect-wal appends to LoraDB's log, LoraDB reopens it and holds both writers' data", () =>
    Effect.gen(function* () {
      const dir = Path.join(tempDir("lora-append"), "wal")
      const db = yield* Effect.promise(() => openWalDatabase({ walDir: dir }))
      yield* Effect.promise(() => db.execute("CREATE (:Person {name: 'from LoraDB'})-[:KNOWS]->(:Person {name: 'too'})"))
      yield* Effect.promise(() => db.sync())
      db.dispose()
      const appended: ReadonlyArray<MutationEvent> = [
        { _tag: "CreateNode", id: 100n, labels: ["Person", "FromEffect"], properties: new Map([["name", Pv.string("from effect-wal")]]) },
        { _tag: "CreateRelationship", id: 100n, src: 100n, dst: 0n, relType: "KNOWS", properties: new Map([["w", Pv.float(0.25)]]) },
        { _tag: "SetNodeProperty", nodeId: 1n, key: "touched", value: Pv.localTime(1, 2, 3, 4) }
      ]
      yield* Effect.gen(function* () {
        const wal = yield* Wal
        yield* wal.commitTx(appended)
      }).pipe(Effect.provide(Wal.layer({ dir, syncMode: SyncMode.PerCommit })))
      const { transactions } = yield* replayTransactions(dir)
      const db2 = yield* Effect.promise(() => openWalDatabase({ walDir: dir }))
      const state = yield* Effect.promise(() => readLoraState(db2)).pipe(Effect.ensuring(Effect.sync(() => db2.dispose())))
      const model = new GraphModel().applyAll(transactions.flatMap((t) => t.events))
      const mine = modelRows(model.snapshot())
      expect(mine.nodes).toEqual(loraNodeRows(state.nodes))
      expect(mine.relationships).toEqual(loraRelRows(state.rels))
      expect(state.nodeCount).toBe(3)
      expect(state.relationshipCount).toBe(2)
    }))
})

describe("LoraDB's multi-segment log", () => {
  afterEach(cleanup)

  it.live("a log past LoraDB's 8 MiB rotation: sealed first segment, every byte re-encodes, every commit replays", () =>
    Effect.gen(function* () {
      const walDir = Path.join(tempDir("lora-segments"), "wal")
      const db = yield* Effect.promise(() => openWalDatabase({ walDir }))
      const big = "x".repeat(200_000)
      const state = yield* Effect.promise(async () => {
        for (let i = 0; i < 45; i++) await db.execute("CREATE (:Big {i: $i, s: $s})", { i, s: `${i}${big}` })
        await db.execute("MATCH (n:Big) WHERE n.i < 5 DETACH DELETE n")
        const s = await readLoraState(db)
        await db.sync()
        return s
      }).pipe(Effect.ensuring(Effect.sync(() => db.dispose())))
      const report = yield* reencodeDirectory(walDir)
      expect(report.mismatches).toEqual([])
      expect(report.segments.map((s) => s.sealed)).toEqual([true, false])
      expect(report.segments[0]!.size).toBeGreaterThanOrEqual(8 * 1024 * 1024)
      const { outcome, transactions } = yield* replayTransactions(walDir)
      expect(outcome.tornTail).toBeUndefined()
      expect(transactions.length).toBe(46)
      const mine = modelRows(new GraphModel().applyAll(transactions.flatMap((t) => t.events)).snapshot())
      expect(mine.nodes).toEqual(loraNodeRows(state.nodes))
      expect(mine.nodes.length).toBe(40)
    }))
})
