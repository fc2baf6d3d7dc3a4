/**
 * Test support: converts `MutationEvent`s to the serde JSON shape the
 * lora-wal fixtures use (`test/fixtures/lora-wal/README.md`), parses the
 * fixtures' JSON while keeping object key order and number tokens, and
 * compares the two through a canonical text.
 *
 * serde shape: externally tagged enums (`{"CreateNode":{…}}`, `"Clear"`,
 * `{"Int":5}`, `"Null"`), snake_case struct fields in Rust declaration order,
 * property maps in stored (UTF-8 byte) order, `LoraBinary` as
 * `{"segments":[[…]],"len":n}`, vectors as
 * `{"dimension":3,"values":{"Float32":[…]}}`.
 *
 * Two number conventions, as in `expected.json`:
 * - `"plain"` (`open.events`): NaN/±Infinity → `null`, f32 vector values in
 *   their shortest f32 form, integers written exactly whatever their size;
 * - `"exact"` (`open.events_exact`): non-finite floats → `"NaN"`,
 *   `"Infinity"`, `"-Infinity"`; f32 values as the exact double; integers
 *   outside ±(2^53−1) as decimal strings.
 *
 * Comparison: {@link canonical} renders a {@link J} tree with key order kept
 * and numbers normalised (integer tokens as exact integers, float tokens via
 * `Number()` with −0 kept), so `42.0` (Float) and `42` (Int) stay distinct
 * while formatting differences between serde_json (ryu) and JS vanish.
 */
import type { ConfigValue, IndexRequest, ConstraintRequest, PropertyTypeTerm } from "../../src/event/Ddl.js"
import type { MutationEvent } from "../../src/event/MutationEvent.js"
import type { PropertyValue } from "../../src/event/PropertyValue.js"

/** A JSON number kept as its source token. */
export class JNum {
  constructor(readonly text: string) {}
}
/** A JSON object with its entries in source order. */
export class JObj {
  constructor(readonly entries: ReadonlyArray<readonly [string, J]>) {}
  get(key: string): J | undefined {
    for (const [k, v] of this.entries) if (k === key) return v
    return undefined
  }
}
/** An order-preserving JSON tree. */
export type J = null | boolean | string | JNum | JObj | ReadonlyArray<J>

export type Mode = "plain" | "exact"

// ---------------------------------------------------------------------------
// Order-preserving parser
// ---------------------------------------------------------------------------

/** Parses JSON text keeping object key order and number tokens (so big integers and `-0.0` survive). */
export const parseOrdered = (text: string): J => {
  let i = 0
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++
  }
  const fail = (what: string): never => {
    throw new Error(`JSON parse error at ${i}: ${what}`)
  }
  const value = (): J => {
    ws()
    const c = text[i]
    if (c === "{") {
      i++
      const entries: Array<readonly [string, J]> = []
      ws()
      if (text[i] === "}") {
        i++
        return new JObj(entries)
      }
      for (;;) {
        ws()
        const k = value()
        if (typeof k !== "string") fail("object key must be a string")
        ws()
        if (text[i++] !== ":") fail("expected ':'")
        entries.push([k as string, value()])
        ws()
        const d = text[i++]
        if (d === "}") return new JObj(entries)
        if (d !== ",") fail("expected ',' or '}'")
      }
    }
    if (c === "[") {
      i++
      const items: Array<J> = []
      ws()
      if (text[i] === "]") {
        i++
        return items
      }
      for (;;) {
        items.push(value())
        ws()
        const d = text[i++]
        if (d === "]") return items
        if (d !== ",") fail("expected ',' or ']'")
      }
    }
    if (c === '"') {
      const start = i
      i++
      while (text[i] !== '"') {
        if (text[i] === "\\") i++
        i++
        if (i >= text.length) fail("unterminated string")
      }
      i++
      return JSON.parse(text.slice(start, i)) as string
    }
    if (text.startsWith("true", i)) {
      i += 4
      return true
    }
    if (text.startsWith("false", i)) {
      i += 5
      return false
    }
    if (text.startsWith("null", i)) {
      i += 4
      return null
    }
    const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 64))
    if (m === null) return fail(`unexpected character ${JSON.stringify(c)}`)
    i += m[0].length
    return new JNum(m[0])
  }
  const out = value()
  ws()
  if (i !== text.length) fail("trailing characters")
  return out
}

// ---------------------------------------------------------------------------
// Canonical rendering
// ---------------------------------------------------------------------------

const canonNum = (text: string): string => {
  if (/^-?\d+$/.test(text)) return `i${BigInt(text)}`
  const n = Number(text)
  return `f${Object.is(n, -0) ? "-0" : String(n)}`
}

/** A canonical text for comparing {@link J} trees: key order kept, numbers normalised. */
export const canonical = (j: J): string => {
  if (j === null) return "null"
  if (typeof j === "boolean") return String(j)
  if (typeof j === "string") return JSON.stringify(j)
  if (j instanceof JNum) return canonNum(j.text)
  if (j instanceof JObj) return `{${j.entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`
  return `[${j.map(canonical).join(",")}]`
}

/** serde_json-like text of a {@link J} tree (for messages and eyeballing). */
export const stringify = (j: J): string => {
  if (j === null) return "null"
  if (typeof j === "boolean") return String(j)
  if (typeof j === "string") return JSON.stringify(j)
  if (j instanceof JNum) return j.text
  if (j instanceof JObj) return `{${j.entries.map(([k, v]) => `${JSON.stringify(k)}:${stringify(v)}`).join(",")}}`
  return `[${j.map(stringify).join(",")}]`
}

// ---------------------------------------------------------------------------
// MutationEvent → serde JSON
// ---------------------------------------------------------------------------

const SAFE = 2n ** 53n - 1n

const obj = (...entries: ReadonlyArray<readonly [string, J]>): JObj => new JObj(entries)
const tagged = (tag: string, body: J): JObj => obj([tag, body])

const int = (v: bigint | number, mode: Mode): J => {
  const b = BigInt(v)
  if (mode === "exact" && (b > SAFE || b < -SAFE)) return b.toString()
  return new JNum(b.toString())
}

const floatText = (n: number): string => {
  if (Object.is(n, -0)) return "-0.0"
  const s = String(n)
  return /[.e]/.test(s) ? s : `${s}.0`
}

const float = (n: number, mode: Mode): J => {
  if (Number.isFinite(n)) return new JNum(floatText(n))
  if (mode === "plain") return null
  return Number.isNaN(n) ? "NaN" : n > 0 ? "Infinity" : "-Infinity"
}

/** The shortest decimal that reads back as the same f32 (serde_json/ryu prints f32 this way). */
const shortestF32 = (n: number): string => {
  if (Object.is(n, -0)) return "-0.0"
  for (let p = 1; p <= 9; p++) {
    const s = n.toPrecision(p)
    if (Math.fround(Number(s)) === n) return floatText(Number(s))
  }
  return floatText(n)
}

const f32 = (n: number, mode: Mode): J => {
  if (!Number.isFinite(n)) return float(n, mode)
  return mode === "exact" ? new JNum(floatText(n)) : new JNum(shortestF32(n))
}

const VECTOR_NAMES = new Map<unknown, string>([
  [Float64Array, "Float64"],
  [Float32Array, "Float32"],
  [BigInt64Array, "Integer64"],
  [Int32Array, "Integer32"],
  [Int16Array, "Integer16"],
  [Int8Array, "Integer8"]
])

/** serde JSON of a property value (`lora_store::PropertyValue`). */
export const valueToSerde = (v: PropertyValue, mode: Mode): J => {
  switch (v._tag) {
    case "Null":
      return "Null"
    case "Bool":
      return tagged("Bool", v.value)
    case "Int":
      return tagged("Int", int(v.value, mode))
    case "Float":
      return tagged("Float", float(v.value, mode))
    case "String":
      return tagged("String", v.value)
    case "List":
      return tagged(
        "List",
        v.value.map((x) => valueToSerde(x, mode))
      )
    case "Map":
      return tagged("Map", propsToSerde(v.value, mode))
    case "Date":
      return tagged("Date", obj(["year", int(v.year, mode)], ["month", int(v.month, mode)], ["day", int(v.day, mode)]))
    case "Time":
      return tagged(
        "Time",
        obj(
          ["hour", int(v.hour, mode)],
          ["minute", int(v.minute, mode)],
          ["second", int(v.second, mode)],
          ["nanosecond", int(v.nanosecond, mode)],
          ["offset_seconds", int(v.offsetSeconds, mode)]
        )
      )
    case "LocalTime":
      return tagged(
        "LocalTime",
        obj(
          ["hour", int(v.hour, mode)],
          ["minute", int(v.minute, mode)],
          ["second", int(v.second, mode)],
          ["nanosecond", int(v.nanosecond, mode)]
        )
      )
    case "DateTime":
      return tagged(
        "DateTime",
        obj(
          ["year", int(v.year, mode)],
          ["month", int(v.month, mode)],
          ["day", int(v.day, mode)],
          ["hour", int(v.hour, mode)],
          ["minute", int(v.minute, mode)],
          ["second", int(v.second, mode)],
          ["nanosecond", int(v.nanosecond, mode)],
          ["offset_seconds", int(v.offsetSeconds, mode)]
        )
      )
    case "LocalDateTime":
      return tagged(
        "LocalDateTime",
        obj(
          ["year", int(v.year, mode)],
          ["month", int(v.month, mode)],
          ["day", int(v.day, mode)],
          ["hour", int(v.hour, mode)],
          ["minute", int(v.minute, mode)],
          ["second", int(v.second, mode)],
          ["nanosecond", int(v.nanosecond, mode)]
        )
      )
    case "Duration":
      return tagged(
        "Duration",
        obj(
          ["months", int(v.months, mode)],
          ["days", int(v.days, mode)],
          ["seconds", int(v.seconds, mode)],
          ["nanoseconds", int(v.nanoseconds, mode)]
        )
      )
    case "Point":
      return tagged(
        "Point",
        obj(
          ["x", float(v.x, mode)],
          ["y", float(v.y, mode)],
          ["z", v.z === undefined ? null : float(v.z, mode)],
          ["srid", int(v.srid, mode)]
        )
      )
    case "Vector": {
      const name = VECTOR_NAMES.get(v.values.constructor)!
      const values: Array<J> = []
      const src = v.values as ArrayLike<number | bigint>
      for (let i = 0; i < src.length; i++) {
        const x = src[i]!
        values.push(
          typeof x === "bigint" ? int(x, mode) : name === "Float32" ? f32(x, mode) : name === "Float64" ? float(x, mode) : int(x, mode)
        )
      }
      return tagged("Vector", obj(["dimension", int(v.values.length, mode)], ["values", obj([name, values])]))
    }
    case "Binary": {
      let len = 0
      for (const s of v.segments) len += s.length
      return tagged(
        "Binary",
        obj(
          ["segments", v.segments.map((s) => Array.from(s, (b) => new JNum(String(b))))],
          ["len", int(len, mode)]
        )
      )
    }
  }
}

/** serde JSON of a property bag / map, in the map's iteration order (decoded maps iterate in stored order). */
export const propsToSerde = (m: ReadonlyMap<string, PropertyValue>, mode: Mode): JObj =>
  new JObj(Array.from(m, ([k, v]) => [k, valueToSerde(v, mode)] as const))

const INDEX_KIND: Record<string, string> = {
  RANGE: "Range",
  TEXT: "Text",
  POINT: "Point",
  LOOKUP: "Lookup",
  VECTOR: "Vector",
  FULLTEXT: "Fulltext"
}
const ENTITY: Record<string, string> = { NODE: "Node", RELATIONSHIP: "Relationship" }
const SCALAR: Record<string, string> = {
  BOOLEAN: "Boolean",
  STRING: "String",
  INTEGER: "Integer",
  FLOAT: "Float",
  DATE: "Date",
  "LOCAL TIME": "LocalTime",
  "ZONED TIME": "ZonedTime",
  "LOCAL DATETIME": "LocalDateTime",
  "ZONED DATETIME": "ZonedDateTime",
  DURATION: "Duration",
  POINT: "Point",
  MAP: "Map",
  ANY: "Any"
}
const COORD: Record<string, string> = {
  INT8: "Int8",
  INT16: "Int16",
  INT32: "Int32",
  INT64: "Int64",
  FLOAT32: "Float32",
  FLOAT64: "Float64"
}

const configToSerde = (v: ConfigValue, mode: Mode): J => {
  switch (v._tag) {
    case "Number":
      return tagged("Number", float(v.value, mode))
    case "Integer":
      return tagged("Integer", int(v.value, mode))
    case "String":
      return tagged("String", v.value)
    case "Bool":
      return tagged("Bool", v.value)
    case "List":
      return tagged(
        "List",
        v.value.map((x) => configToSerde(x, mode))
      )
    case "Map":
      return tagged("Map", new JObj(Array.from(v.value, ([k, x]) => [k, configToSerde(x, mode)] as const)))
    case "Null":
      return "Null"
  }
}

const indexRequestToSerde = (r: IndexRequest, mode: Mode): JObj =>
  obj(
    ["explicit_name", r.explicitName ?? null],
    ["kind", INDEX_KIND[r.kind]!],
    ["entity", ENTITY[r.entity]!],
    ["label", r.label ?? null],
    ["additional_labels", [...r.additionalLabels]],
    ["properties", [...r.properties]],
    ["options", new JObj(Array.from(r.options, ([k, x]) => [k, configToSerde(x, mode)] as const))]
  )

const termToSerde = (t: PropertyTypeTerm): J => {
  switch (t._tag) {
    case "Scalar":
      return tagged("Scalar", SCALAR[t.scalar]!)
    case "List":
      return tagged("List", obj(["inner", termToSerde(t.inner)], ["not_null", t.notNull]))
    case "Vector":
      return tagged("Vector", obj(["coord", COORD[t.coord]!], ["dimension", new JNum(String(t.dimension))]))
  }
}

const constraintRequestToSerde = (r: ConstraintRequest): JObj =>
  obj(
    ["name", r.name],
    [
      "kind",
      r.kind._tag === "PropertyType"
        ? tagged("PropertyType", obj(["alternatives", r.kind.alternatives.map(termToSerde)]))
        : r.kind._tag
    ],
    ["entity", ENTITY[r.entity]!],
    ["label", r.label],
    ["properties", [...r.properties]]
  )

/** serde JSON of a `MutationEvent`, in the fixtures' shape (`mode` picks `events` or `events_exact` conventions). */
export const eventToSerde = (ev: MutationEvent, mode: Mode): J => {
  switch (ev._tag) {
    case "CreateNode":
      return tagged(
        "CreateNode",
        obj(["id", int(ev.id, mode)], ["labels", [...ev.labels]], ["properties", propsToSerde(ev.properties, mode)])
      )
    case "CreateRelationship":
      return tagged(
        "CreateRelationship",
        obj(
          ["id", int(ev.id, mode)],
          ["src", int(ev.src, mode)],
          ["dst", int(ev.dst, mode)],
          ["rel_type", ev.relType],
          ["properties", propsToSerde(ev.properties, mode)]
        )
      )
    case "SetNodeProperty":
      return tagged(
        "SetNodeProperty",
        obj(["node_id", int(ev.nodeId, mode)], ["key", ev.key], ["value", valueToSerde(ev.value, mode)])
      )
    case "RemoveNodeProperty":
      return tagged("RemoveNodeProperty", obj(["node_id", int(ev.nodeId, mode)], ["key", ev.key]))
    case "AddNodeLabel":
      return tagged("AddNodeLabel", obj(["node_id", int(ev.nodeId, mode)], ["label", ev.label]))
    case "RemoveNodeLabel":
      return tagged("RemoveNodeLabel", obj(["node_id", int(ev.nodeId, mode)], ["label", ev.label]))
    case "SetRelationshipProperty":
      return tagged(
        "SetRelationshipProperty",
        obj(["rel_id", int(ev.relId, mode)], ["key", ev.key], ["value", valueToSerde(ev.value, mode)])
      )
    case "RemoveRelationshipProperty":
      return tagged("RemoveRelationshipProperty", obj(["rel_id", int(ev.relId, mode)], ["key", ev.key]))
    case "DeleteRelationship":
      return tagged("DeleteRelationship", obj(["rel_id", int(ev.relId, mode)]))
    case "DeleteNode":
      return tagged("DeleteNode", obj(["node_id", int(ev.nodeId, mode)]))
    case "DetachDeleteNode":
      return tagged("DetachDeleteNode", obj(["node_id", int(ev.nodeId, mode)]))
    case "Clear":
      return "Clear"
    case "CreateIndex":
      return tagged(
        "CreateIndex",
        obj(["request", indexRequestToSerde(ev.request, mode)], ["if_not_exists", ev.ifNotExists])
      )
    case "DropIndex":
      return tagged("DropIndex", obj(["name", ev.name], ["if_exists", ev.ifExists]))
    case "CreateConstraint":
      return tagged(
        "CreateConstraint",
        obj(["request", constraintRequestToSerde(ev.request)], ["if_not_exists", ev.ifNotExists])
      )
    case "DropConstraint":
      return tagged("DropConstraint", obj(["name", ev.name], ["if_exists", ev.ifExists]))
  }
}

/** `canonical(eventToSerde(ev, mode))`. */
export const canonicalEvent = (ev: MutationEvent, mode: Mode): string => canonical(eventToSerde(ev, mode))

// ---------------------------------------------------------------------------
// Strict structural equality
// ---------------------------------------------------------------------------

/**
 * Structural equality for events and values: numbers by `Object.is` (NaN
 * equals NaN, −0 differs from +0), typed arrays by class and bytes (bit-exact),
 * `Uint8Array`s by bytes, Maps by entries regardless of order, plain objects
 * by own keys.
 */
export const deepEqual = (a: unknown, b: unknown): boolean => {
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) return Object.is(a, b)
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b)) return false
    const ua = a instanceof Uint8Array && b instanceof Uint8Array
    if (!ua && a.constructor !== b.constructor) return false
    if (a.byteLength !== b.byteLength) return false
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
    const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false
    return true
  }
  if (a instanceof Map || b instanceof Map) {
    if (!(a instanceof Map) || !(b instanceof Map) || a.size !== b.size) return false
    for (const [k, v] of a) if (!b.has(k) || !deepEqual(v, b.get(k))) return false
    return true
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false
    return true
  }
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  if (ka.length !== kb.length) return false
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false
    if (!deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false
  }
  return true
}
