/**
 * One comparable form for property values seen from two sides:
 * effect-wal's `PropertyValue` (what a log replays) and the JS values
 * `@loradb/lora-node` returns from a query (what LoraDB holds).
 *
 * The mapping, type by type (`Cmp` is the comparable form):
 *
 * | PropertyValue | LoraDB returns | Cmp |
 * |---|---|---|
 * | Null | `null` | `null` |
 * | Bool | `boolean` | the boolean |
 * | Int (i64 bigint) | `number` (above 2^53 rounded to the nearest double) | `Number(value)` |
 * | Float | `number`; `-0`, NaN and ±Infinity kept (the binding converts natively, not through JSON text) | the number |
 * | String | `string` | the string |
 * | List | array | array of Cmp |
 * | Map | plain object | object of Cmp (key order ignored) |
 * | Date | `{ kind: "date", iso: "YYYY-MM-DD" }` | `{ kind, year, month, day }` parsed from the ISO text |
 * | Time | `{ kind: "time", iso: "HH:MM:SS[.f]Z|±HH:MM" }` | `{ kind, hour, minute, second, nanosecond, offsetSeconds }` |
 * | LocalTime | `{ kind: "localtime", iso }` | `{ kind, hour, minute, second, nanosecond }` |
 * | DateTime | `{ kind: "datetime", iso }` | date and time fields + `offsetSeconds` |
 * | LocalDateTime | `{ kind: "localdatetime", iso }` | date and time fields |
 * | Duration | `{ kind: "duration", iso: "P…Y…M…W…DT…H…M…S" }` | `{ kind, months, days, seconds, nanoseconds }` (Y×12+M, W×7+D, H×3600+M×60+S, fraction) |
 * | Point | `{ kind: "point", srid, crs, x, y[, z][, longitude, latitude[, height]] }` | `{ kind, srid, x, y[, z] }` (crs and the geographic aliases are checked, then dropped) |
 * | Vector | `{ kind: "vector", dimension, coordinateType, values: number[] }` (INTEGER elements above 2^53 rounded) | `{ kind, coordinateType, values }` (dimension checked; elements as `Number`) |
 * | Binary | `{ kind: "binary", length, segments: number[][] }` | `{ kind, segments }` (length checked; the segment split is compared) |
 *
 * Temporal fractions are compared as nanoseconds, so `.5` and `.500000000`
 * are the same. Parsing LoraDB's text instead of formatting ours keeps the
 * comparison independent of how many fraction digits LoraDB prints.
 *
 * Known losses in LoraDB's rendering (workloads avoid them, see
 * `workload.ts`): a duration with a non-zero whole-second part loses its
 * fraction (`PT6.5S` → `PT6S`); negative nanoseconds print as
 * `PT0.-00000007S`; a time offset that is not whole minutes prints rounded
 * (3601 s → `+01:00`).
 *
 * @module
 */
import type { ConstraintRequest, PropertyTypeTerm } from "../../../src/event/Ddl.js"
import type { PropertyValue, VectorValues } from "../../../src/event/PropertyValue.js"
import type { GraphSnapshot, ModelIndex } from "../../support/graph-model.js"

/** The comparable form of a property value. */
export type Cmp =
  | null
  | boolean
  | number
  | string
  | ReadonlyArray<Cmp>
  | { readonly [key: string]: Cmp }

const vectorType = (v: VectorValues): string =>
  v instanceof Float64Array
    ? "FLOAT64"
    : v instanceof Float32Array
    ? "FLOAT32"
    : v instanceof BigInt64Array
    ? "INTEGER"
    : v instanceof Int32Array
    ? "INTEGER32"
    : v instanceof Int16Array
    ? "INTEGER16"
    : "INTEGER8"

/** effect-wal `PropertyValue` → {@link Cmp}. */
export const pvToCmp = (v: PropertyValue): Cmp => {
  switch (v._tag) {
    case "Null":
      return null
    case "Bool":
      return v.value
    case "Int":
      return Number(v.value)
    case "Float":
      return v.value
    case "String":
      return v.value
    case "List":
      return v.value.map(pvToCmp)
    case "Map":
      return Object.fromEntries([...v.value].map(([k, x]) => [k, pvToCmp(x)]))
    case "Date":
      return { kind: "date", year: v.year, month: v.month, day: v.day }
    case "Time":
      return {
        kind: "time",
        hour: v.hour,
        minute: v.minute,
        second: v.second,
        nanosecond: v.nanosecond,
        offsetSeconds: v.offsetSeconds
      }
    case "LocalTime":
      return { kind: "localtime", hour: v.hour, minute: v.minute, second: v.second, nanosecond: v.nanosecond }
    case "DateTime":
      return {
        kind: "datetime",
        year: v.year,
        month: v.month,
        day: v.day,
        hour: v.hour,
        minute: v.minute,
        second: v.second,
        nanosecond: v.nanosecond,
        offsetSeconds: v.offsetSeconds
      }
    case "LocalDateTime":
      return {
        kind: "localdatetime",
        year: v.year,
        month: v.month,
        day: v.day,
        hour: v.hour,
        minute: v.minute,
        second: v.second,
        nanosecond: v.nanosecond
      }
    case "Duration":
      return {
        kind: "duration",
        months: Number(v.months),
        days: Number(v.days),
        seconds: Number(v.seconds),
        nanoseconds: Number(v.nanoseconds)
      }
    case "Point":
      return v.z === undefined
        ? { kind: "point", srid: v.srid, x: v.x, y: v.y }
        : { kind: "point", srid: v.srid, x: v.x, y: v.y, z: v.z }
    case "Vector":
      return {
        kind: "vector",
        coordinateType: vectorType(v.values),
        values: Array.from(v.values as ArrayLike<number | bigint>, Number)
      }
    case "Binary":
      return { kind: "binary", segments: v.segments.map((s) => Array.from(s)) }
  }
}

const unexpected = (what: string, v: unknown): never => {
  throw new Error(`unexpected ${what} from LoraDB: ${JSON.stringify(v)}`)
}

// LoraDB prints years outside 0..9999 with as many digits as they need (`-044`, `99999`).
const DATE = "(-?\\d+)-(\\d{2})-(\\d{2})"
const TIME = "(\\d{2}):(\\d{2}):(\\d{2})(?:\\.(\\d{1,9}))?"
const OFFSET = "(Z|[+-]\\d{2}:\\d{2}(?::\\d{2})?)"

const nanos = (frac: string | undefined): number => (frac === undefined ? 0 : Number(frac.padEnd(9, "0")))

const offsetSeconds = (s: string): number => {
  if (s === "Z") return 0
  const sign = s[0] === "-" ? -1 : 1
  const [h = "0", m = "0", sec = "0"] = s.slice(1).split(":")
  return sign * (Number(h) * 3600 + Number(m) * 60 + Number(sec))
}

const match = (re: string, iso: string, kind: string): Array<string | undefined> =>
  new RegExp(`^${re}$`).exec(iso)?.slice(1) ?? unexpected(`${kind} text`, iso)

const timeFields = (m: ReadonlyArray<string | undefined>, at: number) => ({
  hour: Number(m[at]),
  minute: Number(m[at + 1]),
  second: Number(m[at + 2]),
  nanosecond: nanos(m[at + 3])
})

/** Parses an ISO-8601 duration as LoraDB prints it (components may be signed). */
export const parseLoraDuration = (iso: string): Cmp => {
  const m = /^P(?:(-?\d+)Y)?(?:(-?\d+)M)?(?:(-?\d+)W)?(?:(-?\d+)D)?(?:T(?:(-?\d+)H)?(?:(-?\d+)M)?(?:(-?)(\d+)(?:\.(\d{1,9}))?S)?)?$/
    .exec(iso) ?? unexpected("duration text", iso)
  const n = (i: number) => Number(m[i] ?? 0)
  const sign = m[7] === "-" ? -1 : 1
  return {
    kind: "duration",
    months: n(1) * 12 + n(2),
    days: n(3) * 7 + n(4),
    seconds: n(5) * 3600 + n(6) * 60 + sign * n(8),
    nanoseconds: sign * nanos(m[9]) + 0
  }
}

const CRS: Record<number, string> = { 7203: "cartesian", 9157: "cartesian-3D", 4326: "WGS-84-2D", 4979: "WGS-84-3D" }

/** A value returned by `@loradb/lora-node` → {@link Cmp}. Throws on a shape the binding does not document. */
export const loraToCmp = (v: unknown): Cmp => {
  if (v === null || typeof v === "boolean" || typeof v === "number" || typeof v === "string") return v
  if (Array.isArray(v)) return v.map(loraToCmp)
  if (typeof v !== "object") return unexpected("value", v)
  const o = v as Record<string, unknown>
  switch (o.kind) {
    case "date": {
      const m = match(DATE, String(o.iso), "date")
      return { kind: "date", year: Number(m[0]), month: Number(m[1]), day: Number(m[2]) }
    }
    case "time": {
      const m = match(TIME + OFFSET, String(o.iso), "time")
      return { kind: "time", ...timeFields(m, 0), offsetSeconds: offsetSeconds(m[4]!) }
    }
    case "localtime":
      return { kind: "localtime", ...timeFields(match(TIME, String(o.iso), "localtime"), 0) }
    case "datetime": {
      const m = match(`${DATE}T${TIME}${OFFSET}`, String(o.iso), "datetime")
      return {
        kind: "datetime",
        year: Number(m[0]),
        month: Number(m[1]),
        day: Number(m[2]),
        ...timeFields(m, 3),
        offsetSeconds: offsetSeconds(m[7]!)
      }
    }
    case "localdatetime": {
      const m = match(`${DATE}T${TIME}`, String(o.iso), "localdatetime")
      return { kind: "localdatetime", year: Number(m[0]), month: Number(m[1]), day: Number(m[2]), ...timeFields(m, 3) }
    }
    case "duration":
      return parseLoraDuration(String(o.iso))
    case "point": {
      const srid = Number(o.srid)
      if (o.crs !== CRS[srid]) unexpected("point crs", o)
      const geo = srid === 4326 || srid === 4979
      if (geo && (o.longitude !== o.x || o.latitude !== o.y)) unexpected("point longitude/latitude", o)
      const is3d = srid === 9157 || srid === 4979
      if (is3d && geo && o.height !== o.z) unexpected("point height", o)
      return is3d
        ? { kind: "point", srid, x: o.x as number, y: o.y as number, z: o.z as number }
        : { kind: "point", srid, x: o.x as number, y: o.y as number }
    }
    case "vector": {
      const values = o.values as Array<number>
      if (o.dimension !== values.length) unexpected("vector dimension", o)
      return { kind: "vector", coordinateType: String(o.coordinateType), values }
    }
    case "binary": {
      const segments = o.segments as Array<Array<number>>
      if (o.length !== segments.reduce((n, s) => n + s.length, 0)) unexpected("binary length", o)
      return { kind: "binary", segments }
    }
    case "node":
    case "relationship":
    case "path":
      return unexpected("entity in a property", o)
    default:
      return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, loraToCmp(x)]))
  }
}

/** A node as compared: id, labels in order, properties by key. */
export interface NodeRow {
  readonly id: number
  readonly labels: ReadonlyArray<string>
  readonly properties: Readonly<Record<string, Cmp>>
}

/** A relationship as compared. */
export interface RelRow {
  readonly id: number
  readonly type: string
  readonly src: number
  readonly dst: number
  readonly properties: Readonly<Record<string, Cmp>>
}

/**
 * The Cypher that lists nodes in the {@link NodeRow} shape. Rows are sorted
 * by id on our side: in LoraDB 0.15, `ORDER BY` on a projected alias of
 * `id(r)` does not sort relationships by id.
 */
export const NODES_QUERY = "MATCH (n) RETURN id(n) AS id, labels(n) AS labels, properties(n) AS props"
/**
 * The Cypher that lists relationships in the {@link RelRow} shape. LoraDB
 * 0.15 has no `startNode()` / `endNode()`, so the endpoints come from the
 * pattern's variables.
 */
export const RELS_QUERY =
  "MATCH (a)-[r]->(b) RETURN id(r) AS id, type(r) AS type, id(a) AS src, id(b) AS dst, properties(r) AS props"

const byId = <T extends { readonly id: number }>(a: T, b: T) => a.id - b.id

const propsToCmp = (props: unknown): Record<string, Cmp> =>
  Object.fromEntries(Object.entries(props as Record<string, unknown>).map(([k, x]) => [k, loraToCmp(x)]))

/** Rows of {@link NODES_QUERY} → {@link NodeRow}s, ids ascending. */
export const loraNodeRows = (rows: ReadonlyArray<Record<string, unknown>>): Array<NodeRow> =>
  rows.map((r) => ({ id: r.id as number, labels: r.labels as Array<string>, properties: propsToCmp(r.props) })).sort(byId)

/** Rows of {@link RELS_QUERY} → {@link RelRow}s, ids ascending. */
export const loraRelRows = (rows: ReadonlyArray<Record<string, unknown>>): Array<RelRow> =>
  rows.map((r) => ({
    id: r.id as number,
    type: r.type as string,
    src: r.src as number,
    dst: r.dst as number,
    properties: propsToCmp(r.props)
  })).sort(byId)

/** The model's nodes and relationships in the compared shape. */
export const modelRows = (s: GraphSnapshot): { nodes: Array<NodeRow>; relationships: Array<RelRow> } => ({
  nodes: s.nodes.map((n) => ({
    id: Number(n.id),
    labels: n.labels,
    properties: Object.fromEntries(n.properties.map(([k, v]) => [k, pvToCmp(v)]))
  })),
  relationships: s.relationships.map((r) => ({
    id: Number(r.id),
    type: r.type,
    src: Number(r.src),
    dst: Number(r.dst),
    properties: Object.fromEntries(r.properties.map(([k, v]) => [k, pvToCmp(v)]))
  }))
})

// ---------------------------------------------------------------------------
// DDL: the model's live indexes / constraints in the shape of SHOW INDEXES / SHOW CONSTRAINTS

/** A row of `SHOW INDEXES` as compared (state and population dropped). */
export interface IndexRow {
  readonly name: string
  readonly type: string
  readonly entityType: string
  readonly labelsOrTypes: ReadonlyArray<string>
  readonly properties: ReadonlyArray<string>
  readonly options: Cmp
}

/** A row of `SHOW CONSTRAINTS` as compared. */
export interface ConstraintRow {
  readonly name: string
  readonly type: string
  readonly entityType: string
  readonly labelsOrTypes: ReadonlyArray<string>
  readonly properties: ReadonlyArray<string>
  readonly propertyType: string | null
}

type ConfigValue = ModelIndex["request"]["options"] extends ReadonlyMap<string, infer V> ? V : never

const configToCmp = (c: ConfigValue): Cmp => {
  switch (c._tag) {
    case "Number":
      return c.value
    case "Integer":
      return Number(c.value)
    case "String":
    case "Bool":
      return c.value
    case "Null":
      return null
    case "List":
      return c.value.map(configToCmp)
    case "Map":
      return Object.fromEntries([...c.value].map(([k, x]) => [k, configToCmp(x)]))
  }
}

/** The model's live indexes as `SHOW INDEXES` rows. */
export const modelIndexRows = (indexes: ReadonlyArray<ModelIndex>): Array<IndexRow> =>
  indexes.map(({ name, request: r }) => ({
    name,
    type: r.kind,
    entityType: r.entity,
    labelsOrTypes: [...(r.label === undefined ? [] : [r.label]), ...r.additionalLabels],
    properties: r.properties,
    options: Object.fromEntries([...r.options].map(([k, x]) => [k, configToCmp(x)]))
  }))

const termText = (t: PropertyTypeTerm): string =>
  t._tag === "Scalar"
    ? t.scalar
    : t._tag === "List"
    ? `LIST<${termText(t.inner)}${t.notNull ? " NOT NULL" : ""}>`
    : `VECTOR<${t.coord}>(${t.dimension})`

/** The model's live constraints as `SHOW CONSTRAINTS` rows (LoraDB's type names and property-type text). */
export const modelConstraintRows = (constraints: ReadonlyArray<ConstraintRequest>): Array<ConstraintRow> =>
  constraints.map((c) => ({
    name: c.name,
    type: c.kind._tag === "Unique"
      ? `${c.entity}_PROPERTY_UNIQUENESS`
      : c.kind._tag === "Existence"
      ? `${c.entity}_PROPERTY_EXISTENCE`
      : c.kind._tag === "NodeKey"
      ? "NODE_KEY"
      : c.kind._tag === "RelationshipKey"
      ? "RELATIONSHIP_KEY"
      : `${c.entity}_PROPERTY_TYPE`,
    entityType: c.entity,
    labelsOrTypes: [c.label],
    properties: c.properties,
    propertyType: c.kind._tag === "PropertyType" ? c.kind.alternatives.map(termText).join(" | ") : null
  }))

/**
 * `SHOW INDEXES` / `SHOW CONSTRAINTS` rows in the compared shapes. Indexes
 * owned by a constraint (uniqueness and key constraints create one under the
 * constraint's name) are left out: the model lists them as constraints.
 */
export const loraDdlRows = (
  indexRows: ReadonlyArray<Record<string, unknown>>,
  constraintRows: ReadonlyArray<Record<string, unknown>>
): { indexes: Array<IndexRow>; constraints: Array<ConstraintRow> } => {
  const owned = new Set(constraintRows.map((c) => c.ownedIndex).filter((x): x is string => typeof x === "string"))
  const byName = <T extends { readonly name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  return {
    indexes: indexRows
      .filter((r) => !owned.has(r.name as string))
      .map((r) => ({
        name: r.name as string,
        type: r.type as string,
        entityType: r.entityType as string,
        labelsOrTypes: r.labelsOrTypes as Array<string>,
        properties: r.properties as Array<string>,
        options: loraToCmp(r.options)
      }))
      .sort(byName),
    constraints: constraintRows
      .map((r) => ({
        name: r.name as string,
        type: r.type as string,
        entityType: r.entityType as string,
        labelsOrTypes: r.labelsOrTypes as Array<string>,
        properties: r.properties as Array<string>,
        propertyType: (r.propertyType ?? null) as string | null
      }))
      .sort(byName)
  }
}
