/**
 * The CLI on directories written by LoraDB itself (`@loradb/lora-node`
 * `openWalDatabase({ walDir })` running Cypher): `inspect`, `verify` and
 * `dump` read them — while LoraDB still holds them open and after — and the
 * dumped events re-encode to LoraDB's exact payload bytes; `recover` is
 * refused while LoraDB holds the lock; and the log `compact` writes opens in
 * LoraDB to the same graph (node and relationship counts, labels, types,
 * properties, index) as the source.
 */
import { openWalDatabase } from "@loradb/lora-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { compactDirectory } from "../../src/cli/Compact.js"
import { dumpDirectory } from "../../src/cli/Dump.js"
import { inspectDirectory } from "../../src/cli/Inspect.js"
import { recoverDirectory } from "../../src/cli/Recover.js"
import { verifyDirectory } from "../../src/cli/Verify.js"
import { eventFromJson } from "../../src/event/Json.js"
import { LW1Codec } from "../../src/event/LW1.js"
import { ByteWriter } from "../../src/format/Bytes.js"
import { FileIo } from "../../src/io/FileIo.js"

type Db = Awaited<ReturnType<typeof openWalDatabase>>

const run = <A, E>(eff: Effect.Effect<A, E, FileIo>): Promise<A> => Effect.runPromise(Effect.provide(eff, FileIo.layerNode))

const tmp = (name: string) => Fs.mkdtempSync(Path.join(Os.tmpdir(), `effect-wal-lora-${name}-`))

/** Statements that touch every kind of change LoraDB logs in a small graph. */
const STATEMENTS = [
  "CREATE (a:Person {name: 'Ada', age: 36, score: 1.5, tags: ['x', 'y'], ok: true})-[:KNOWS {since: 2020, w: 0.5}]->(b:Person {name: 'Bob', born: date('1990-01-02')})",
  "CREATE (:City {name: 'Paris', loc: point({x: 2.35, y: 48.85}), at: datetime('2024-05-06T07:08:09Z'), d: duration('P1Y2M3DT4H')})",
  "MATCH (p:Person {name: 'Bob'}) SET p.age = 41, p:Admin",
  "MATCH (p:Person {name: 'Ada'}) REMOVE p.tags",
  "UNWIND range(1, 20) AS i CREATE (:N {i: i, s: 'n' + toString(i)})",
  "MATCH (n:N) WHERE n.i % 3 = 0 DETACH DELETE n",
  "MATCH (a:N {i: 1}), (b:N {i: 2}) CREATE (a)-[:NEXT {k: [1, 2, 3]}]->(b)",
  "CREATE INDEX idx_name FOR (n:Person) ON (n.name)"
] as const

const writeGraph = async (dir: string): Promise<Db> => {
  const db = await openWalDatabase({ walDir: dir })
  for (const s of STATEMENTS) await db.execute(s)
  await db.sync()
  return db
}

const text = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x))

/** Everything LoraDB answers about the graph: counts, nodes with labels and properties, relationships, a query using the index. */
const graphOf = async (db: Db) => ({
  nodes: await db.nodeCount(),
  relationships: await db.relationshipCount(),
  nodeRows: text((await db.execute("MATCH (n) RETURN id(n) AS id, labels(n) AS labels, properties(n) AS props ORDER BY id")).rows),
  relRows: text(
    (await db.execute("MATCH (a)-[r]->(b) RETURN id(r) AS id, type(r) AS type, id(a) AS src, id(b) AS dst, properties(r) AS props ORDER BY id")).rows
  ),
  byName: text((await db.execute("MATCH (p:Person) WHERE p.name = 'Bob' RETURN p.age AS age, labels(p) AS labels")).rows)
})

describe("the CLI on LoraDB-written directories", () => {
  it("inspect, verify and dump read it while LoraDB holds it open and after; recover is refused while it is open", async () => {
    const dir = tmp("read")
    const db = await writeGraph(dir)
    try {
      for (const phase of ["open", "closed"] as const) {
        if (phase === "closed") db.dispose()
        const inspect = await run(inspectDirectory(dir, { records: true }))
        expect(inspect.tornTail).toBeUndefined()
        expect(inspect.segments).toHaveLength(1)
        const seg = inspect.segments[0]!
        // One transaction (TxBegin, MutationBatch, TxCommit) per write statement.
        expect(seg.transactionCount).toBe(STATEMENTS.length)
        expect(seg.records.map((r) => r.kind)).toEqual(STATEMENTS.flatMap(() => ["TxBegin", "MutationBatch", "TxCommit"]))
        expect(seg.sizeBytes).toBe(Fs.statSync(Path.join(dir, seg.file)).size)

        const verify = await run(verifyDirectory(dir))
        expect([verify.exitCode, verify.transactions]).toEqual([0, STATEMENTS.length])

        const lines: Array<string> = []
        const dump = await run(dumpDirectory(dir, { emit: (l) => Effect.sync(() => void lines.push(l)) }))
        expect(dump.transactions).toBe(STATEMENTS.length)
        const txs = lines.map((l) => JSON.parse(l) as { events: Array<unknown> })
        expect((txs[0]!.events as Array<{ _tag: string }>).map((e) => e._tag)).toEqual(["CreateNode", "CreateNode", "CreateRelationship"])
        expect((txs[7]!.events[0] as { _tag: string })._tag).toBe("CreateIndex")
        // The dumped JSON decodes to events whose LW1 encoding is LoraDB's payload, byte for byte.
        const file = Fs.readFileSync(Path.join(dir, seg.file))
        const batches = seg.records.filter((r) => r.kind === "MutationBatch")
        for (let i = 0; i < batches.length; i++) {
          const r = batches[i]!
          const w = new ByteWriter()
          LW1Codec.writeBatch(w, txs[i]!.events.map(eventFromJson))
          expect(Buffer.from(w.bytes()).equals(file.subarray(r.offset + 21, r.offset + r.length - 4))).toBe(true)
        }

        if (phase === "open") {
          const refused = await run(Effect.flip(recoverDirectory(dir)))
          expect(refused.message).toBe(`WAL directory is already open by another live handle: ${dir}`)
        } else {
          const recovered = await run(recoverDirectory(dir))
          expect([recovered.transactionCount, recovered.truncated]).toEqual([STATEMENTS.length, []])
        }
      }
    } finally {
      db.dispose()
      Fs.rmSync(dir, { recursive: true })
    }
  })

  it("the log compact writes opens in LoraDB to the same graph as the source", async () => {
    const src = tmp("src")
    const dst = Path.join(tmp("dst"), "wal")
    ;(await writeGraph(src)).dispose()
    const report = await run(compactDirectory(src, dst, { segmentTargetBytes: 512 }))
    expect(report.transactionCount).toBe(STATEMENTS.length)
    expect(report.segments).toBeGreaterThan(1)

    const a = await openWalDatabase({ walDir: src })
    const before = await graphOf(a)
    a.dispose()
    const b = await openWalDatabase({ walDir: dst })
    const after = await graphOf(b)
    // The index came across too: LoraDB refuses to create it a second time.
    const again = await b.execute("CREATE INDEX idx_name FOR (n:Person) ON (n.name)").then(
      () => "created",
      (e: Error) => e.message
    )
    b.dispose()
    expect(before.nodes).toBe(17)
    expect(before.relationships).toBe(2)
    expect(after).toEqual(before)
    expect(again).toContain("an index with the same name already exists: idx_name")
    Fs.rmSync(src, { recursive: true })
    Fs.rmSync(Path.dirname(dst), { recursive: true })
  })
})
