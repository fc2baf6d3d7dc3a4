/**
 * A seeded generator of valid graph workloads: transactions of LoraDB
 * `MutationEvent`s that always fit the graph built so far (it applies each
 * event to a {@link GraphModel} as it goes), covering every event kind and
 * every property value type.
 *
 * Values stay inside what LoraDB 0.15 stores and renders without loss, so
 * that a test can compare them through `@loradb/lora-node`'s JSON:
 * - time offsets are whole minutes (LoraDB prints `+01:00` for 3601 s);
 * - a duration carries nanoseconds only when its seconds are 0 and the
 *   nanoseconds positive (LoraDB drops the fraction next to whole seconds and
 *   prints `PT0.-00000007S` for negative nanoseconds);
 * - calendar fields are valid; point SRIDs are the four LoraDB knows;
 * - labels of a node are distinct and non-empty, relationship types non-empty
 *   (LoraDB collapses duplicate labels and drops empty ones on replay, and
 *   refuses to open a log with an empty relationship type);
 * - constraints use labels and keys the data never uses, so replaying them
 *   can never reject data.
 *
 * @module
 */
import type { ConfigValue, ConstraintRequest, IndexRequest, PropertyTypeTerm } from "../../../src/event/Ddl.js"
import type { MutationEvent } from "../../../src/event/MutationEvent.js"
import { type PropertyValue, Pv } from "../../../src/event/PropertyValue.js"
import { GraphModel } from "../../support/graph-model.js"

/** mulberry32: a tiny deterministic PRNG; returns floats in [0, 1). */
export const prng = (seed: number) => {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1))
  const pick = <T>(xs: ReadonlyArray<T>): T => xs[Math.floor(next() * xs.length)]!
  return { next, int, pick, chance: (p: number) => next() < p }
}
export type Rng = ReturnType<typeof prng>

const LABELS = ["Person", "Place", "Doc", "Thing", "Ünïcødé", "😀"]
const REL_TYPES = ["KNOWS", "LIKES", "AT", "REFS"]
const KEYS = ["name", "age", "score", "tags", "when", "where", "emb", "blob", "meta", "a", "B", "é", "｡", "😀", ""]
const STRINGS = ["", "x", "Ada", "hé", "😀 ｡ é", "line\nbreak", "tab\tquote\"", "a".repeat(300)]
const SRIDS = [7203, 9157, 4326, 4979] as const

const finiteOrSpecial = (r: Rng): number =>
  r.pick([
    () => r.next() * 2000 - 1000,
    () => -0,
    () => 0,
    () => Number.NaN,
    () => Infinity,
    () => -Infinity,
    () => 1e300,
    () => 5e-324,
    () => Number.MAX_VALUE,
    () => r.int(-5, 5) / 4
  ])()

const int64 = (r: Rng): bigint =>
  r.pick([
    () => BigInt(r.int(-1000, 1000)),
    () => 9223372036854775807n,
    () => -9223372036854775808n,
    () => BigInt(Number.MAX_SAFE_INTEGER) + BigInt(r.int(0, 3)),
    () => BigInt(r.int(-2147483648, 2147483647)) * 4096n
  ])()

const scalar = (r: Rng): PropertyValue => {
  switch (r.int(0, 15)) {
    case 0:
      return Pv.null()
    case 1:
      return Pv.bool(r.chance(0.5))
    case 2:
      return Pv.int(int64(r))
    case 3:
      return Pv.float(finiteOrSpecial(r))
    case 4:
      return Pv.string(r.pick(STRINGS))
    case 5:
      return Pv.date(r.int(-500, 12000), r.int(1, 12), r.int(1, 28))
    case 6:
      return Pv.time(r.int(0, 23), r.int(0, 59), r.int(0, 59), r.int(0, 999_999_999), r.int(-14 * 60, 14 * 60) * 60)
    case 7:
      return Pv.localTime(r.int(0, 23), r.int(0, 59), r.int(0, 59), r.chance(0.3) ? 0 : r.int(0, 999_999_999))
    case 8:
      return Pv.dateTime({
        year: r.int(1, 9999),
        month: r.int(1, 12),
        day: r.int(1, 28),
        hour: r.int(0, 23),
        minute: r.int(0, 59),
        second: r.int(0, 59),
        nanosecond: r.chance(0.3) ? 0 : r.int(0, 999_999_999),
        offsetSeconds: r.int(-12 * 4, 14 * 4) * 15 * 60
      })
    case 9:
      return Pv.localDateTime({
        year: r.int(1, 9999),
        month: r.int(1, 12),
        day: r.int(1, 28),
        hour: r.int(0, 23),
        minute: r.int(0, 59),
        second: r.int(0, 59),
        nanosecond: r.int(0, 999_999_999)
      })
    case 10: {
      const seconds = r.chance(0.5) ? 0 : r.int(-100_000, 100_000)
      return Pv.duration({
        months: r.int(-30, 30),
        days: r.int(-400, 400),
        seconds,
        nanoseconds: seconds === 0 && r.chance(0.5) ? r.int(1, 999_999_999) : 0
      })
    }
    case 11: {
      const srid = r.pick(SRIDS)
      const geo = srid === 4326 || srid === 4979
      const x = geo ? r.int(-180_000, 180_000) / 1000 : r.next() * 1e6 - 5e5
      const y = geo ? r.int(-90_000, 90_000) / 1000 : r.next() * 1e6 - 5e5
      return srid === 9157 || srid === 4979 ? Pv.point3d(x, y, r.next() * 100, srid) : Pv.point(x, y, srid)
    }
    case 12: {
      const n = r.int(1, 8)
      const kind = r.int(0, 5)
      const fill = <T extends { [i: number]: number | bigint; length: number }>(a: T, f: () => number | bigint): T => {
        for (let i = 0; i < a.length; i++) a[i] = f()
        return a
      }
      return Pv.vector(
        kind === 0
          ? fill(new Float64Array(n), () => finiteOrSpecial(r))
          : kind === 1
          ? fill(new Float32Array(n), () => r.next() * 10 - 5)
          : kind === 2
          ? fill(new BigInt64Array(n), () => int64(r))
          : kind === 3
          ? fill(new Int32Array(n), () => r.int(-2147483648, 2147483647))
          : kind === 4
          ? fill(new Int16Array(n), () => r.int(-32768, 32767))
          : fill(new Int8Array(n), () => r.int(-128, 127))
      )
    }
    case 13:
      return Pv.binary(...Array.from({ length: r.int(0, 3) }, () => Uint8Array.from({ length: r.int(0, 5) }, () => r.int(0, 255))))
    default:
      return Pv.string(`s${r.int(0, 99)}`)
  }
}

/** A random property value of any type (lists and maps nest up to `depth`). */
export const randomValue = (r: Rng, depth = 2): PropertyValue => {
  const c = r.next()
  if (depth > 0 && c < 0.08) return Pv.list(Array.from({ length: r.int(0, 4) }, () => randomValue(r, depth - 1)))
  if (depth > 0 && c < 0.16) {
    const m = new Map<string, PropertyValue>()
    for (let i = r.int(0, 4); i > 0; i--) m.set(r.pick(KEYS), randomValue(r, depth - 1))
    return Pv.map(m)
  }
  return scalar(r)
}

const randomProps = (r: Rng, max: number): Map<string, PropertyValue> => {
  const m = new Map<string, PropertyValue>()
  for (let i = r.int(0, max); i > 0; i--) m.set(r.pick(KEYS), randomValue(r))
  return m
}

const distinctLabels = (r: Rng): Array<string> => {
  const out: Array<string> = []
  for (let i = r.int(0, 3); i > 0; i--) {
    const l = r.pick(LABELS)
    if (!out.includes(l)) out.push(l)
  }
  return out
}

const config = (r: Rng): ReadonlyMap<string, ConfigValue> =>
  new Map<string, ConfigValue>(
    r.chance(0.5)
      ? []
      : [
        ["vector.dimensions", { _tag: "Integer", value: BigInt(r.int(1, 16)) }],
        ["vector.similarity_function", { _tag: "String", value: r.pick(["cosine", "euclidean"]) }]
      ]
  )

const term = (r: Rng, depth = 1): PropertyTypeTerm => {
  const c = r.int(0, 4)
  if (c === 0 && depth > 0) return { _tag: "List", notNull: r.chance(0.5), inner: term(r, depth - 1) }
  if (c === 1) return { _tag: "Vector", coord: r.pick(["INT8", "INT16", "INT32", "INT64", "FLOAT32", "FLOAT64"] as const), dimension: r.int(1, 64) }
  return {
    _tag: "Scalar",
    scalar: r.pick(["BOOLEAN", "STRING", "INTEGER", "FLOAT", "DATE", "LOCAL TIME", "ZONED TIME", "LOCAL DATETIME", "ZONED DATETIME", "DURATION", "POINT"] as const)
  }
}

/** Options of {@link generateWorkload}. */
export interface WorkloadOptions {
  readonly seed: number
  /** Number of transactions. */
  readonly transactions: number
  /** Events per transaction: 1 ..= this. */
  readonly maxEvents: number
  /** Emit one Clear at this transaction index (optional). */
  readonly clearAt?: number
}

/**
 * Generates `transactions` transactions that are valid in sequence. Also
 * returns the model after all of them (the expected final graph).
 */
export const generateWorkload = (
  opts: WorkloadOptions
): { readonly transactions: ReadonlyArray<ReadonlyArray<MutationEvent>>; readonly model: GraphModel } => {
  const r = prng(opts.seed)
  const model = new GraphModel()
  let nextNode = 0n
  let nextRel = 0n
  let ddl = 0
  const txs: Array<Array<MutationEvent>> = []
  const someNode = () => r.pick([...model.nodes.keys()])
  const someRel = () => r.pick([...model.relationships.keys()])
  for (let t = 0; t < opts.transactions; t++) {
    const tx: Array<MutationEvent> = []
    const emit = (e: MutationEvent) => {
      model.apply(e)
      tx.push(e)
    }
    if (t === opts.clearAt) emit({ _tag: "Clear" })
    for (let k = r.int(1, opts.maxEvents); k > 0; k--) {
      const hasNodes = model.nodes.size > 0
      const hasRels = model.relationships.size > 0
      const c = r.int(0, 99)
      if (c < 25 || !hasNodes) {
        emit({ _tag: "CreateNode", id: nextNode++, labels: distinctLabels(r), properties: randomProps(r, 5) })
      } else if (c < 38) {
        emit({ _tag: "CreateRelationship", id: nextRel++, src: someNode(), dst: someNode(), relType: r.pick(REL_TYPES), properties: randomProps(r, 3) })
      } else if (c < 52) {
        emit({ _tag: "SetNodeProperty", nodeId: someNode(), key: r.pick(KEYS), value: randomValue(r) })
      } else if (c < 57) {
        const id = someNode()
        const keys = [...model.nodes.get(id)!.properties.keys()]
        if (keys.length > 0) emit({ _tag: "RemoveNodeProperty", nodeId: id, key: r.pick(keys) })
      } else if (c < 62) {
        const id = someNode()
        const l = r.pick(LABELS)
        if (!model.nodes.get(id)!.labels.includes(l)) emit({ _tag: "AddNodeLabel", nodeId: id, label: l })
      } else if (c < 66) {
        const id = someNode()
        const labels = model.nodes.get(id)!.labels
        if (labels.length > 0) emit({ _tag: "RemoveNodeLabel", nodeId: id, label: r.pick(labels) })
      } else if (c < 74 && hasRels) {
        emit({ _tag: "SetRelationshipProperty", relId: someRel(), key: r.pick(KEYS), value: randomValue(r) })
      } else if (c < 77 && hasRels) {
        const id = someRel()
        const keys = [...model.relationships.get(id)!.properties.keys()]
        if (keys.length > 0) emit({ _tag: "RemoveRelationshipProperty", relId: id, key: r.pick(keys) })
      } else if (c < 81 && hasRels) {
        emit({ _tag: "DeleteRelationship", relId: someRel() })
      } else if (c < 85) {
        const attached = new Set([...model.relationships.values()].flatMap((x) => [x.src, x.dst]))
        const free = [...model.nodes.keys()].filter((id) => !attached.has(id))
        if (free.length > 0) emit({ _tag: "DeleteNode", nodeId: r.pick(free) })
      } else if (c < 89) {
        emit({ _tag: "DetachDeleteNode", nodeId: someNode() })
      } else if (c < 93) {
        const named = r.chance(0.7)
        const request: IndexRequest = {
          ...(named ? { explicitName: `idx_${ddl}` } : {}),
          kind: r.pick(["RANGE", "TEXT", "POINT", "VECTOR"] as const),
          entity: r.pick(["NODE", "RELATIONSHIP"] as const),
          label: `IxLabel${ddl}`,
          additionalLabels: [],
          properties: [`ix${ddl}`],
          options: config(r)
        }
        ddl++
        emit({ _tag: "CreateIndex", request, ifNotExists: r.chance(0.5) })
      } else if (c < 95 && model.indexes.size > 0) {
        emit({ _tag: "DropIndex", name: r.pick([...model.indexes.keys()]), ifExists: r.chance(0.5) })
      } else if (c < 98) {
        const entity = r.pick(["NODE", "RELATIONSHIP"] as const)
        const kind: ConstraintRequest["kind"] = r.pick([
          { _tag: "Unique" },
          { _tag: "Existence" },
          entity === "NODE" ? { _tag: "NodeKey" } : { _tag: "RelationshipKey" },
          { _tag: "PropertyType", alternatives: Array.from({ length: r.int(1, 3) }, () => term(r)) }
        ] as const)
        emit({
          _tag: "CreateConstraint",
          request: { name: `con_${ddl}`, kind, entity, label: `ConLabel${ddl}`, properties: [`c${ddl}`] },
          ifNotExists: r.chance(0.5)
        })
        ddl++
      } else if (model.constraints.size > 0) {
        emit({ _tag: "DropConstraint", name: r.pick([...model.constraints.keys()]), ifExists: r.chance(0.5) })
      }
    }
    if (tx.length === 0) emit({ _tag: "CreateNode", id: nextNode++, labels: [], properties: new Map() })
    txs.push(tx)
  }
  return { transactions: txs, model }
}
