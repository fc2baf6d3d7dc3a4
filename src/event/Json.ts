/**
 * The documented JSON form of a `MutationEvent` (what `effect-wal dump`
 * prints), with an exact round trip: `eventFromJson(JSON.parse(JSON.stringify(eventToJson(e))))`
 * deep-equals `e` — map key order, `-0`, NaN payloads, vector bit patterns
 * and binary segmentation included — so it re-encodes to the same LW1 bytes.
 *
 * ## Rules
 *
 * - Every event and value is an object whose first key is `_tag`, then the
 *   fields of the TypeScript model in declaration order, with the model's
 *   (camelCase) names: `{"_tag":"CreateNode","id":"1","labels":["Person"],"properties":[…]}`.
 * - **64-bit integers** (ids, `Int`, `Duration` components, `Integer` config
 *   values, `INTEGER` vector elements) are decimal strings: `"-9223372036854775808"`.
 *   (On input a safe integer given as a JSON number is accepted too.)
 * - **32-bit integers** (temporal fields, SRID, constraint vector dimension)
 *   and 8/16/32-bit vector elements are JSON numbers.
 * - **Floats** (`Float`, `Point` coordinates, `Number` config values, FLOAT64 /
 *   FLOAT32 vector elements) are JSON numbers (the shortest text that reads
 *   back as the same double), except `"-0"`, `"Infinity"`, `"-Infinity"`,
 *   `"NaN"` (the default quiet NaN: `0x7ff8000000000000` for a double,
 *   `0x7fc00000` for a FLOAT32 element) and `"NaN:0x<hex bits>"` for any other
 *   NaN bit pattern (16 hex digits for a double, 8 for a FLOAT32 element). A
 *   `Float`'s `nanBits` is written that way (`"NaN:0x7ff8000000000001"`);
 *   point coordinates and config numbers carry no NaN payload (LW1 writes
 *   them as the default NaN).
 * - **Maps and property bags** are arrays of `[key, value]` pairs in the
 *   map's iteration order (a decoded map iterates in stored order: UTF-8 key
 *   bytes). Pairs, not objects, because a JS object moves integer-like keys
 *   (`"9"`, `"10"`) to the front. A repeated key is rejected on input.
 * - **Binary** values are `"segments"`: an array of base64 strings (RFC 4648,
 *   padded), one per segment, empty segments kept.
 * - **Vectors** are `{"_tag":"Vector","coordinate":C,"values":[…]}` with `C`
 *   one of `Float64`, `Float32`, `Integer64`, `Integer32`, `Integer16`,
 *   `Integer8` (the typed array class: `Float64Array` … `Int8Array`).
 * - Optional fields (`Point.z`, `IndexRequest.explicitName`, `IndexRequest.label`)
 *   are omitted when absent.
 *
 * | value | JSON |
 * |---|---|
 * | `Null` | `{"_tag":"Null"}` |
 * | `Bool` | `{"_tag":"Bool","value":true}` |
 * | `Int` | `{"_tag":"Int","value":"-2"}` |
 * | `Float` | `{"_tag":"Float","value":0.5}` / `"-0"` / `"NaN"` / `"NaN:0x7ff8000000000001"` / `"Infinity"` |
 * | `String` | `{"_tag":"String","value":"hé"}` |
 * | `List` | `{"_tag":"List","value":[…values]}` |
 * | `Map` | `{"_tag":"Map","value":[["a",{"_tag":"Int","value":"1"}]]}` |
 * | `Date` | `{"_tag":"Date","year":2026,"month":4,"day":27}` |
 * | `Time` | `{"_tag":"Time","hour":12,"minute":34,"second":56,"nanosecond":789,"offsetSeconds":3600}` |
 * | `LocalTime` | `{"_tag":"LocalTime","hour":1,"minute":2,"second":3,"nanosecond":4}` |
 * | `DateTime` | `{"_tag":"DateTime","year":…,"month":…,"day":…,"hour":…,"minute":…,"second":…,"nanosecond":…,"offsetSeconds":…}` |
 * | `LocalDateTime` | as `DateTime` without `offsetSeconds` |
 * | `Duration` | `{"_tag":"Duration","months":"14","days":"-3","seconds":"4","nanoseconds":"5"}` |
 * | `Point` | `{"_tag":"Point","x":4.9,"y":52.37,"z":7,"srid":4979}` (`z` omitted for 2D) |
 * | `Vector` | `{"_tag":"Vector","coordinate":"Float32","values":[1.5,2.5]}` |
 * | `Binary` | `{"_tag":"Binary","segments":["AAEC","","/w=="]}` |
 *
 * DDL payloads: `CreateIndex.request` is `{"explicitName"?,"kind","entity","label"?,"additionalLabels","properties","options"}`
 * with `options` as `[key, ConfigValue]` pairs, a ConfigValue being
 * `{"_tag":"Number"|"Integer"|"String"|"Bool","value":…}`, `{"_tag":"List","value":[…]}`,
 * `{"_tag":"Map","value":[[k,v],…]}` or `{"_tag":"Null"}`; `CreateConstraint.request`
 * is `{"name","kind","entity","label","properties"}` with `kind` one of
 * `{"_tag":"Unique"}`, `Existence`, `NodeKey`, `RelationshipKey` or
 * `{"_tag":"PropertyType","alternatives":[terms]}`, a term being
 * `{"_tag":"Scalar","scalar":"INTEGER"}`, `{"_tag":"List","notNull":true,"inner":term}`
 * or `{"_tag":"Vector","coord":"FLOAT32","dimension":3}`. Enumerations use the
 * model's spellings (`"TEXT"`, `"NODE"`, `"LOCAL DATETIME"`, …).
 *
 * Decoding is strict: unknown `_tag`s, unknown or missing keys, out-of-range
 * integers, malformed base64 and repeated map keys fail with
 * {@link EventJsonError}, whose message names the path (`.properties[2][1].value`).
 *
 * @module
 */
import type { ConfigValue, ConstraintKind, ConstraintRequest, IndexRequest, PropertyTypeTerm } from "./Ddl.js"
import { ENTITY_KINDS, INDEX_KINDS, SCALAR_TYPES, VECTOR_COORDS } from "./Ddl.js"
import type { MutationEvent } from "./MutationEvent.js"
import type { PropertyValue, VectorValues } from "./PropertyValue.js"

// ---------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------

/** A JSON value (what `JSON.parse` returns and `JSON.stringify` accepts). */
export type JsonValue = null | boolean | number | string | ReadonlyArray<JsonValue> | { readonly [key: string]: JsonValue }

/** A JSON object: the form of one event, value or request. */
export type JsonObject = { readonly [key: string]: JsonValue }

/** A decoding failure: `path` locates the offending field (`""` = the top level). */
export class EventJsonError extends Error {
  override readonly name = "EventJsonError"
  constructor(
    /** Where in the JSON, e.g. `.properties[0][1].value`. */
    readonly path: string,
    /** What was wrong. */
    readonly problem: string
  ) {
    super(`invalid event JSON at ${path === "" ? "top level" : path}: ${problem}`)
  }
}

// ---------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------

const U64_MAX = 0xffff_ffff_ffff_ffffn
const I64_MIN = -0x8000_0000_0000_0000n
const I64_MAX = 0x7fff_ffff_ffff_ffffn
const F64_DEFAULT_NAN = 0x7ff8_0000_0000_0000n
const F32_DEFAULT_NAN = 0x7fc0_0000

/** Scratch space for moving float bits in and out of doubles. */
const scratch = new DataView(new ArrayBuffer(8))

const show = (v: unknown): string => {
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v)
  if (v === null) return "null"
  if (Array.isArray(v)) return "an array"
  if (typeof v === "object") return "an object"
  return String(v)
}

const fail = (path: string, expected: string, got: unknown): never => {
  throw new EventJsonError(path, `expected ${expected}, got ${show(got)}`)
}

const hex = (n: bigint | number, digits: number): string => `0x${n.toString(16).padStart(digits, "0")}`

/** A finite or special double → JSON (`-0`, `Infinity`, `-Infinity`, `NaN` are strings). */
const floatOut = (x: number): JsonValue => {
  if (Number.isFinite(x)) return Object.is(x, -0) ? "-0" : x
  if (x === Infinity) return "Infinity"
  if (x === -Infinity) return "-Infinity"
  return "NaN"
}

/** Parses the float forms; returns the number and, for `NaN:0x…`, the bit pattern (`digits` hex digits). */
const floatIn = (v: unknown, path: string, digits: 8 | 16): { readonly value: number; readonly bits?: bigint } => {
  if (typeof v === "number") return { value: v }
  if (typeof v === "string") {
    switch (v) {
      case "-0":
        return { value: -0 }
      case "Infinity":
        return { value: Infinity }
      case "-Infinity":
        return { value: -Infinity }
      case "NaN":
        return { value: NaN }
    }
    const m = digits === 16 ? /^NaN:0x([0-9a-f]{16})$/.exec(v) : /^NaN:0x([0-9a-f]{8})$/.exec(v)
    if (m !== null) {
      const bits = BigInt(`0x${m[1]}`)
      const exp = digits === 16 ? 0x7ff0_0000_0000_0000n : 0x7f80_0000n
      const mant = digits === 16 ? 0x000f_ffff_ffff_ffffn : 0x007f_ffffn
      if ((bits & exp) === exp && (bits & mant) !== 0n) return { value: NaN, bits }
      throw new EventJsonError(path, `${v} is not the bit pattern of a NaN`)
    }
  }
  return fail(
    path,
    `a number, "-0", "Infinity", "-Infinity", "NaN" or "NaN:0x<${digits} lowercase hex digits>"`,
    v
  )
}

const bigOut = (n: bigint): string => n.toString()

const DECIMAL = /^-?(0|[1-9][0-9]*)$/

const bigIn = (v: unknown, path: string, min: bigint, max: bigint, what: string): bigint => {
  let n: bigint
  if (typeof v === "string" && DECIMAL.test(v) && v !== "-0") n = BigInt(v)
  else if (typeof v === "number" && Number.isSafeInteger(v)) n = BigInt(v)
  else return fail(path, `${what} as a decimal string`, v)
  if (n < min || n > max) return fail(path, `${what} in [${min}, ${max}]`, v)
  return n
}

const u64In = (v: unknown, path: string): bigint => bigIn(v, path, 0n, U64_MAX, "a u64")
const i64In = (v: unknown, path: string): bigint => bigIn(v, path, I64_MIN, I64_MAX, "an i64")

const intIn = (v: unknown, path: string, min: number, max: number, what: string): number => {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max || Object.is(v, -0)) {
    return fail(path, `${what} (an integer in [${min}, ${max}])`, v)
  }
  return v
}
const u32In = (v: unknown, path: string): number => intIn(v, path, 0, 0xffff_ffff, "a u32")
const i32In = (v: unknown, path: string): number => intIn(v, path, -0x8000_0000, 0x7fff_ffff, "an i32")

const strIn = (v: unknown, path: string): string => {
  if (typeof v !== "string") return fail(path, "a string", v)
  if (!v.isWellFormed()) throw new EventJsonError(path, "string is not well-formed UTF-16 (lone surrogate)")
  return v
}

const boolIn = (v: unknown, path: string): boolean => (typeof v === "boolean" ? v : fail(path, "a boolean", v))

const arrIn = (v: unknown, path: string): ReadonlyArray<unknown> => (Array.isArray(v) ? v : fail(path, "an array", v))

const strListIn = (v: unknown, path: string): Array<string> => arrIn(v, path).map((s, i) => strIn(s, `${path}[${i}]`))

const literalIn = <T extends string>(table: ReadonlyArray<T>, v: unknown, path: string): T =>
  table.includes(v as T) ? (v as T) : fail(path, `one of ${table.map((t) => JSON.stringify(t)).join(", ")}`, v)

/** Checks that `v` is an object with exactly the `required` keys plus any of `optional`; returns it. */
const objIn = (
  v: unknown,
  path: string,
  required: ReadonlyArray<string>,
  optional: ReadonlyArray<string> = []
): Readonly<Record<string, unknown>> => {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return fail(path, "an object", v)
  const o = v as Readonly<Record<string, unknown>>
  for (const k of required) {
    if (!Object.prototype.hasOwnProperty.call(o, k)) throw new EventJsonError(path, `missing key ${JSON.stringify(k)}`)
  }
  for (const k of Object.keys(o)) {
    if (!required.includes(k) && !optional.includes(k)) throw new EventJsonError(path, `unknown key ${JSON.stringify(k)}`)
  }
  return o
}

const tagIn = (v: unknown, path: string): string => {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return fail(path, "an object with a _tag", v)
  const t = (v as Record<string, unknown>)["_tag"]
  return typeof t === "string" ? t : fail(`${path}._tag`, "a string", t)
}

const pairsOut = <V>(m: ReadonlyMap<string, V>, f: (v: V) => JsonValue): JsonValue => Array.from(m, ([k, v]) => [k, f(v)])

const pairsIn = <V>(v: unknown, path: string, f: (v: unknown, path: string) => V): Map<string, V> => {
  const out = new Map<string, V>()
  const a = arrIn(v, path)
  for (let i = 0; i < a.length; i++) {
    const p = `${path}[${i}]`
    const pair = a[i]
    if (!Array.isArray(pair) || pair.length !== 2) fail(p, "a [key, value] pair", pair)
    const [k, x] = pair as [unknown, unknown]
    const key = strIn(k, `${p}[0]`)
    if (out.has(key)) throw new EventJsonError(p, `repeated map key ${JSON.stringify(key)}`)
    out.set(key, f(x, `${p}[1]`))
  }
  return out
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

const base64Out = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64")

const base64In = (v: unknown, path: string): Uint8Array => {
  if (typeof v !== "string" || !BASE64.test(v)) return fail(path, "a padded base64 string", v)
  const buf = Buffer.from(v, "base64")
  // Reject non-canonical trailing bits so that the text form is unique.
  if (buf.toString("base64") !== v) throw new EventJsonError(path, "non-canonical base64 (stray bits in the last character)")
  return new Uint8Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength))
}

// ---------------------------------------------------------------------------
// Vectors
// ---------------------------------------------------------------------------

/** Vector coordinate names in the JSON form, by typed array class. */
export const VECTOR_COORDINATES = ["Float64", "Float32", "Integer64", "Integer32", "Integer16", "Integer8"] as const
/** A vector coordinate name of the JSON form. */
export type VectorCoordinate = (typeof VECTOR_COORDINATES)[number]

const coordinateOf = (a: VectorValues): VectorCoordinate => {
  if (a instanceof Float64Array) return "Float64"
  if (a instanceof Float32Array) return "Float32"
  if (a instanceof BigInt64Array) return "Integer64"
  if (a instanceof Int32Array) return "Integer32"
  if (a instanceof Int16Array) return "Integer16"
  if (a instanceof Int8Array) return "Integer8"
  throw new EventJsonError(".values", "not a Float64Array, Float32Array, BigInt64Array, Int32Array, Int16Array or Int8Array")
}

const vectorOut = (a: VectorValues): JsonObject => {
  const coordinate = coordinateOf(a)
  const view = new DataView(a.buffer, a.byteOffset, a.byteLength)
  const values: Array<JsonValue> = []
  for (let i = 0; i < a.length; i++) {
    switch (coordinate) {
      case "Float64": {
        const x = view.getFloat64(i * 8, true)
        if (x === x) values.push(floatOut(x))
        else {
          const bits = view.getBigUint64(i * 8, true)
          values.push(bits === F64_DEFAULT_NAN ? "NaN" : `NaN:${hex(bits, 16)}`)
        }
        break
      }
      case "Float32": {
        const x = view.getFloat32(i * 4, true)
        if (x === x) values.push(floatOut(x))
        else {
          const bits = view.getUint32(i * 4, true)
          values.push(bits === F32_DEFAULT_NAN ? "NaN" : `NaN:${hex(bits, 8)}`)
        }
        break
      }
      case "Integer64":
        values.push(bigOut((a as BigInt64Array)[i]!))
        break
      default:
        values.push((a as Int32Array | Int16Array | Int8Array)[i]!)
    }
  }
  return { _tag: "Vector", coordinate, values }
}

const vectorIn = (o: Readonly<Record<string, unknown>>, path: string): VectorValues => {
  const coordinate = literalIn(VECTOR_COORDINATES, o["coordinate"], `${path}.coordinate`)
  const xs = arrIn(o["values"], `${path}.values`)
  const n = xs.length
  const at = (i: number) => `${path}.values[${i}]`
  switch (coordinate) {
    case "Float64": {
      const out = new Float64Array(n)
      const view = new DataView(out.buffer)
      for (let i = 0; i < n; i++) {
        const f = floatIn(xs[i], at(i), 16)
        if (f.bits !== undefined) view.setBigUint64(i * 8, f.bits, true)
        else if (f.value !== f.value) view.setBigUint64(i * 8, F64_DEFAULT_NAN, true)
        else view.setFloat64(i * 8, f.value, true)
      }
      return out
    }
    case "Float32": {
      const out = new Float32Array(n)
      const view = new DataView(out.buffer)
      for (let i = 0; i < n; i++) {
        const f = floatIn(xs[i], at(i), 8)
        if (f.bits !== undefined) view.setUint32(i * 4, Number(f.bits), true)
        else if (f.value !== f.value) view.setUint32(i * 4, F32_DEFAULT_NAN, true)
        else {
          if (Math.fround(f.value) !== f.value && Number.isFinite(f.value)) {
            throw new EventJsonError(at(i), `${f.value} is not exactly representable as a 32-bit float`)
          }
          view.setFloat32(i * 4, f.value, true)
        }
      }
      return out
    }
    case "Integer64": {
      const out = new BigInt64Array(n)
      for (let i = 0; i < n; i++) out[i] = i64In(xs[i], at(i))
      return out
    }
    case "Integer32": {
      const out = new Int32Array(n)
      for (let i = 0; i < n; i++) out[i] = intIn(xs[i], at(i), -0x8000_0000, 0x7fff_ffff, "an i32")
      return out
    }
    case "Integer16": {
      const out = new Int16Array(n)
      for (let i = 0; i < n; i++) out[i] = intIn(xs[i], at(i), -0x8000, 0x7fff, "an i16")
      return out
    }
    case "Integer8": {
      const out = new Int8Array(n)
      for (let i = 0; i < n; i++) out[i] = intIn(xs[i], at(i), -0x80, 0x7f, "an i8")
      return out
    }
  }
}

// ---------------------------------------------------------------------------
// PropertyValue
// ---------------------------------------------------------------------------

/** The JSON form of a {@link PropertyValue} (see the module docs). */
export const valueToJson = (v: PropertyValue): JsonObject => {
  switch (v._tag) {
    case "Null":
      return { _tag: "Null" }
    case "Bool":
      return { _tag: "Bool", value: v.value }
    case "Int":
      return { _tag: "Int", value: bigOut(v.value) }
    case "Float": {
      if (v.nanBits === undefined) return { _tag: "Float", value: floatOut(v.value) }
      if (v.value === v.value) throw new EventJsonError(".value", "nanBits is present but value is not NaN")
      return { _tag: "Float", value: `NaN:${hex(v.nanBits, 16)}` }
    }
    case "String":
      return { _tag: "String", value: v.value }
    case "List":
      return { _tag: "List", value: v.value.map(valueToJson) }
    case "Map":
      return { _tag: "Map", value: pairsOut(v.value, valueToJson) }
    case "Date":
      return { _tag: "Date", year: v.year, month: v.month, day: v.day }
    case "Time":
      return {
        _tag: "Time",
        hour: v.hour,
        minute: v.minute,
        second: v.second,
        nanosecond: v.nanosecond,
        offsetSeconds: v.offsetSeconds
      }
    case "LocalTime":
      return { _tag: "LocalTime", hour: v.hour, minute: v.minute, second: v.second, nanosecond: v.nanosecond }
    case "DateTime":
      return {
        _tag: "DateTime",
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
        _tag: "LocalDateTime",
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
        _tag: "Duration",
        months: bigOut(v.months),
        days: bigOut(v.days),
        seconds: bigOut(v.seconds),
        nanoseconds: bigOut(v.nanoseconds)
      }
    case "Point":
      return v.z === undefined
        ? { _tag: "Point", x: floatOut(v.x), y: floatOut(v.y), srid: v.srid }
        : { _tag: "Point", x: floatOut(v.x), y: floatOut(v.y), z: floatOut(v.z), srid: v.srid }
    case "Vector":
      return vectorOut(v.values)
    case "Binary":
      return { _tag: "Binary", segments: v.segments.map(base64Out) }
    default:
      throw new EventJsonError("._tag", `unknown PropertyValue _tag ${show((v as { _tag: unknown })._tag)}`)
  }
}

const TIME_KEYS = ["hour", "minute", "second", "nanosecond"] as const
const DATE_KEYS = ["year", "month", "day"] as const

/** Decodes the JSON form of a {@link PropertyValue}. Throws {@link EventJsonError}. */
export const valueFromJson = (j: unknown, path = ""): PropertyValue => {
  const tag = tagIn(j, path)
  const keys = (...ks: ReadonlyArray<string>) => objIn(j, path, ["_tag", ...ks])
  switch (tag) {
    case "Null":
      keys()
      return { _tag: "Null" }
    case "Bool":
      return { _tag: "Bool", value: boolIn(keys("value")["value"], `${path}.value`) }
    case "Int":
      return { _tag: "Int", value: i64In(keys("value")["value"], `${path}.value`) }
    case "Float": {
      const f = floatIn(keys("value")["value"], `${path}.value`, 16)
      return f.bits === undefined ? { _tag: "Float", value: f.value } : { _tag: "Float", value: NaN, nanBits: f.bits }
    }
    case "String":
      return { _tag: "String", value: strIn(keys("value")["value"], `${path}.value`) }
    case "List":
      return {
        _tag: "List",
        value: arrIn(keys("value")["value"], `${path}.value`).map((x, i) => valueFromJson(x, `${path}.value[${i}]`))
      }
    case "Map":
      return { _tag: "Map", value: pairsIn(keys("value")["value"], `${path}.value`, valueFromJson) }
    case "Date": {
      const o = keys(...DATE_KEYS)
      return { _tag: "Date", year: i32In(o["year"], `${path}.year`), month: u32In(o["month"], `${path}.month`), day: u32In(o["day"], `${path}.day`) }
    }
    case "Time": {
      const o = keys(...TIME_KEYS, "offsetSeconds")
      return {
        _tag: "Time",
        hour: u32In(o["hour"], `${path}.hour`),
        minute: u32In(o["minute"], `${path}.minute`),
        second: u32In(o["second"], `${path}.second`),
        nanosecond: u32In(o["nanosecond"], `${path}.nanosecond`),
        offsetSeconds: i32In(o["offsetSeconds"], `${path}.offsetSeconds`)
      }
    }
    case "LocalTime": {
      const o = keys(...TIME_KEYS)
      return {
        _tag: "LocalTime",
        hour: u32In(o["hour"], `${path}.hour`),
        minute: u32In(o["minute"], `${path}.minute`),
        second: u32In(o["second"], `${path}.second`),
        nanosecond: u32In(o["nanosecond"], `${path}.nanosecond`)
      }
    }
    case "DateTime": {
      const o = keys(...DATE_KEYS, ...TIME_KEYS, "offsetSeconds")
      return {
        _tag: "DateTime",
        year: i32In(o["year"], `${path}.year`),
        month: u32In(o["month"], `${path}.month`),
        day: u32In(o["day"], `${path}.day`),
        hour: u32In(o["hour"], `${path}.hour`),
        minute: u32In(o["minute"], `${path}.minute`),
        second: u32In(o["second"], `${path}.second`),
        nanosecond: u32In(o["nanosecond"], `${path}.nanosecond`),
        offsetSeconds: i32In(o["offsetSeconds"], `${path}.offsetSeconds`)
      }
    }
    case "LocalDateTime": {
      const o = keys(...DATE_KEYS, ...TIME_KEYS)
      return {
        _tag: "LocalDateTime",
        year: i32In(o["year"], `${path}.year`),
        month: u32In(o["month"], `${path}.month`),
        day: u32In(o["day"], `${path}.day`),
        hour: u32In(o["hour"], `${path}.hour`),
        minute: u32In(o["minute"], `${path}.minute`),
        second: u32In(o["second"], `${path}.second`),
        nanosecond: u32In(o["nanosecond"], `${path}.nanosecond`)
      }
    }
    case "Duration": {
      const o = keys("months", "days", "seconds", "nanoseconds")
      return {
        _tag: "Duration",
        months: i64In(o["months"], `${path}.months`),
        days: i64In(o["days"], `${path}.days`),
        seconds: i64In(o["seconds"], `${path}.seconds`),
        nanoseconds: i64In(o["nanoseconds"], `${path}.nanoseconds`)
      }
    }
    case "Point": {
      const o = objIn(j, path, ["_tag", "x", "y", "srid"], ["z"])
      const x = floatIn(o["x"], `${path}.x`, 16).value
      const y = floatIn(o["y"], `${path}.y`, 16).value
      const srid = u32In(o["srid"], `${path}.srid`)
      if (!Object.prototype.hasOwnProperty.call(o, "z")) return { _tag: "Point", x, y, srid }
      return { _tag: "Point", x, y, z: floatIn(o["z"], `${path}.z`, 16).value, srid }
    }
    case "Vector":
      return { _tag: "Vector", values: vectorIn(keys("coordinate", "values"), path) }
    case "Binary":
      return {
        _tag: "Binary",
        segments: arrIn(keys("segments")["segments"], `${path}.segments`).map((s, i) => base64In(s, `${path}.segments[${i}]`))
      }
    default:
      throw new EventJsonError(`${path}._tag`, `unknown PropertyValue _tag ${JSON.stringify(tag)}`)
  }
}

// ---------------------------------------------------------------------------
// DDL requests
// ---------------------------------------------------------------------------

const configToJson = (v: ConfigValue): JsonObject => {
  switch (v._tag) {
    case "Number":
      return { _tag: "Number", value: floatOut(v.value) }
    case "Integer":
      return { _tag: "Integer", value: bigOut(v.value) }
    case "String":
      return { _tag: "String", value: v.value }
    case "Bool":
      return { _tag: "Bool", value: v.value }
    case "List":
      return { _tag: "List", value: v.value.map(configToJson) }
    case "Map":
      return { _tag: "Map", value: pairsOut(v.value, configToJson) }
    case "Null":
      return { _tag: "Null" }
  }
}

const configFromJson = (j: unknown, path: string): ConfigValue => {
  const tag = tagIn(j, path)
  const keys = (...ks: ReadonlyArray<string>) => objIn(j, path, ["_tag", ...ks])
  switch (tag) {
    case "Number":
      return { _tag: "Number", value: floatIn(keys("value")["value"], `${path}.value`, 16).value }
    case "Integer":
      return { _tag: "Integer", value: i64In(keys("value")["value"], `${path}.value`) }
    case "String":
      return { _tag: "String", value: strIn(keys("value")["value"], `${path}.value`) }
    case "Bool":
      return { _tag: "Bool", value: boolIn(keys("value")["value"], `${path}.value`) }
    case "List":
      return {
        _tag: "List",
        value: arrIn(keys("value")["value"], `${path}.value`).map((x, i) => configFromJson(x, `${path}.value[${i}]`))
      }
    case "Map":
      return { _tag: "Map", value: pairsIn(keys("value")["value"], `${path}.value`, configFromJson) }
    case "Null":
      keys()
      return { _tag: "Null" }
    default:
      throw new EventJsonError(`${path}._tag`, `unknown ConfigValue _tag ${JSON.stringify(tag)}`)
  }
}

const indexRequestToJson = (r: IndexRequest): JsonObject => {
  const out: Record<string, JsonValue> = {}
  if (r.explicitName !== undefined) out["explicitName"] = r.explicitName
  out["kind"] = r.kind
  out["entity"] = r.entity
  if (r.label !== undefined) out["label"] = r.label
  out["additionalLabels"] = [...r.additionalLabels]
  out["properties"] = [...r.properties]
  out["options"] = pairsOut(r.options, configToJson)
  return out
}

const indexRequestFromJson = (j: unknown, path: string): IndexRequest => {
  const o = objIn(j, path, ["kind", "entity", "additionalLabels", "properties", "options"], ["explicitName", "label"])
  const has = (k: string) => Object.prototype.hasOwnProperty.call(o, k)
  return {
    ...(has("explicitName") ? { explicitName: strIn(o["explicitName"], `${path}.explicitName`) } : {}),
    kind: literalIn(INDEX_KINDS, o["kind"], `${path}.kind`),
    entity: literalIn(ENTITY_KINDS, o["entity"], `${path}.entity`),
    ...(has("label") ? { label: strIn(o["label"], `${path}.label`) } : {}),
    additionalLabels: strListIn(o["additionalLabels"], `${path}.additionalLabels`),
    properties: strListIn(o["properties"], `${path}.properties`),
    options: pairsIn(o["options"], `${path}.options`, configFromJson)
  }
}

const termToJson = (t: PropertyTypeTerm): JsonObject => {
  switch (t._tag) {
    case "Scalar":
      return { _tag: "Scalar", scalar: t.scalar }
    case "List":
      return { _tag: "List", notNull: t.notNull, inner: termToJson(t.inner) }
    case "Vector":
      return { _tag: "Vector", coord: t.coord, dimension: t.dimension }
  }
}

const termFromJson = (j: unknown, path: string): PropertyTypeTerm => {
  const tag = tagIn(j, path)
  switch (tag) {
    case "Scalar":
      return { _tag: "Scalar", scalar: literalIn(SCALAR_TYPES, objIn(j, path, ["_tag", "scalar"])["scalar"], `${path}.scalar`) }
    case "List": {
      const o = objIn(j, path, ["_tag", "notNull", "inner"])
      return { _tag: "List", notNull: boolIn(o["notNull"], `${path}.notNull`), inner: termFromJson(o["inner"], `${path}.inner`) }
    }
    case "Vector": {
      const o = objIn(j, path, ["_tag", "coord", "dimension"])
      return {
        _tag: "Vector",
        coord: literalIn(VECTOR_COORDS, o["coord"], `${path}.coord`),
        dimension: u32In(o["dimension"], `${path}.dimension`)
      }
    }
    default:
      throw new EventJsonError(`${path}._tag`, `unknown PropertyTypeTerm _tag ${JSON.stringify(tag)}`)
  }
}

const constraintKindToJson = (k: ConstraintKind): JsonObject =>
  k._tag === "PropertyType" ? { _tag: "PropertyType", alternatives: k.alternatives.map(termToJson) } : { _tag: k._tag }

const constraintKindFromJson = (j: unknown, path: string): ConstraintKind => {
  const tag = tagIn(j, path)
  switch (tag) {
    case "Unique":
    case "Existence":
    case "NodeKey":
    case "RelationshipKey":
      objIn(j, path, ["_tag"])
      return { _tag: tag }
    case "PropertyType":
      return {
        _tag: "PropertyType",
        alternatives: arrIn(objIn(j, path, ["_tag", "alternatives"])["alternatives"], `${path}.alternatives`).map((t, i) =>
          termFromJson(t, `${path}.alternatives[${i}]`)
        )
      }
    default:
      throw new EventJsonError(`${path}._tag`, `unknown ConstraintKind _tag ${JSON.stringify(tag)}`)
  }
}

const constraintRequestToJson = (r: ConstraintRequest): JsonObject => ({
  name: r.name,
  kind: constraintKindToJson(r.kind),
  entity: r.entity,
  label: r.label,
  properties: [...r.properties]
})

const constraintRequestFromJson = (j: unknown, path: string): ConstraintRequest => {
  const o = objIn(j, path, ["name", "kind", "entity", "label", "properties"])
  return {
    name: strIn(o["name"], `${path}.name`),
    kind: constraintKindFromJson(o["kind"], `${path}.kind`),
    entity: literalIn(ENTITY_KINDS, o["entity"], `${path}.entity`),
    label: strIn(o["label"], `${path}.label`),
    properties: strListIn(o["properties"], `${path}.properties`)
  }
}

// ---------------------------------------------------------------------------
// MutationEvent
// ---------------------------------------------------------------------------

/**
 * The JSON form of a {@link MutationEvent} (see the module docs): a plain
 * object ready for `JSON.stringify`. Throws {@link EventJsonError} for a value
 * the model does not allow (an unknown `_tag`, `nanBits` on a non-NaN float).
 */
export const eventToJson = (ev: MutationEvent): JsonObject => {
  switch (ev._tag) {
    case "CreateNode":
      return { _tag: "CreateNode", id: bigOut(ev.id), labels: [...ev.labels], properties: pairsOut(ev.properties, valueToJson) }
    case "CreateRelationship":
      return {
        _tag: "CreateRelationship",
        id: bigOut(ev.id),
        src: bigOut(ev.src),
        dst: bigOut(ev.dst),
        relType: ev.relType,
        properties: pairsOut(ev.properties, valueToJson)
      }
    case "SetNodeProperty":
      return { _tag: "SetNodeProperty", nodeId: bigOut(ev.nodeId), key: ev.key, value: valueToJson(ev.value) }
    case "RemoveNodeProperty":
      return { _tag: "RemoveNodeProperty", nodeId: bigOut(ev.nodeId), key: ev.key }
    case "AddNodeLabel":
      return { _tag: "AddNodeLabel", nodeId: bigOut(ev.nodeId), label: ev.label }
    case "RemoveNodeLabel":
      return { _tag: "RemoveNodeLabel", nodeId: bigOut(ev.nodeId), label: ev.label }
    case "SetRelationshipProperty":
      return { _tag: "SetRelationshipProperty", relId: bigOut(ev.relId), key: ev.key, value: valueToJson(ev.value) }
    case "RemoveRelationshipProperty":
      return { _tag: "RemoveRelationshipProperty", relId: bigOut(ev.relId), key: ev.key }
    case "DeleteRelationship":
      return { _tag: "DeleteRelationship", relId: bigOut(ev.relId) }
    case "DeleteNode":
      return { _tag: "DeleteNode", nodeId: bigOut(ev.nodeId) }
    case "DetachDeleteNode":
      return { _tag: "DetachDeleteNode", nodeId: bigOut(ev.nodeId) }
    case "Clear":
      return { _tag: "Clear" }
    case "CreateIndex":
      return { _tag: "CreateIndex", request: indexRequestToJson(ev.request), ifNotExists: ev.ifNotExists }
    case "DropIndex":
      return { _tag: "DropIndex", name: ev.name, ifExists: ev.ifExists }
    case "CreateConstraint":
      return { _tag: "CreateConstraint", request: constraintRequestToJson(ev.request), ifNotExists: ev.ifNotExists }
    case "DropConstraint":
      return { _tag: "DropConstraint", name: ev.name, ifExists: ev.ifExists }
    default:
      throw new EventJsonError("._tag", `unknown MutationEvent _tag ${show((ev as { _tag: unknown })._tag)}`)
  }
}

/**
 * Decodes the JSON form of a {@link MutationEvent} (a parsed JSON value, not
 * text). Strict: see the module docs. Throws {@link EventJsonError} naming
 * the path of the first problem.
 */
export const eventFromJson = (j: unknown): MutationEvent => {
  const path = ""
  const tag = tagIn(j, path)
  const keys = (...ks: ReadonlyArray<string>) => objIn(j, path, ["_tag", ...ks])
  switch (tag) {
    case "CreateNode": {
      const o = keys("id", "labels", "properties")
      return {
        _tag: "CreateNode",
        id: u64In(o["id"], ".id"),
        labels: strListIn(o["labels"], ".labels"),
        properties: pairsIn(o["properties"], ".properties", valueFromJson)
      }
    }
    case "CreateRelationship": {
      const o = keys("id", "src", "dst", "relType", "properties")
      return {
        _tag: "CreateRelationship",
        id: u64In(o["id"], ".id"),
        src: u64In(o["src"], ".src"),
        dst: u64In(o["dst"], ".dst"),
        relType: strIn(o["relType"], ".relType"),
        properties: pairsIn(o["properties"], ".properties", valueFromJson)
      }
    }
    case "SetNodeProperty": {
      const o = keys("nodeId", "key", "value")
      return { _tag: "SetNodeProperty", nodeId: u64In(o["nodeId"], ".nodeId"), key: strIn(o["key"], ".key"), value: valueFromJson(o["value"], ".value") }
    }
    case "RemoveNodeProperty": {
      const o = keys("nodeId", "key")
      return { _tag: "RemoveNodeProperty", nodeId: u64In(o["nodeId"], ".nodeId"), key: strIn(o["key"], ".key") }
    }
    case "AddNodeLabel": {
      const o = keys("nodeId", "label")
      return { _tag: "AddNodeLabel", nodeId: u64In(o["nodeId"], ".nodeId"), label: strIn(o["label"], ".label") }
    }
    case "RemoveNodeLabel": {
      const o = keys("nodeId", "label")
      return { _tag: "RemoveNodeLabel", nodeId: u64In(o["nodeId"], ".nodeId"), label: strIn(o["label"], ".label") }
    }
    case "SetRelationshipProperty": {
      const o = keys("relId", "key", "value")
      return {
        _tag: "SetRelationshipProperty",
        relId: u64In(o["relId"], ".relId"),
        key: strIn(o["key"], ".key"),
        value: valueFromJson(o["value"], ".value")
      }
    }
    case "RemoveRelationshipProperty": {
      const o = keys("relId", "key")
      return { _tag: "RemoveRelationshipProperty", relId: u64In(o["relId"], ".relId"), key: strIn(o["key"], ".key") }
    }
    case "DeleteRelationship":
      return { _tag: "DeleteRelationship", relId: u64In(keys("relId")["relId"], ".relId") }
    case "DeleteNode":
      return { _tag: "DeleteNode", nodeId: u64In(keys("nodeId")["nodeId"], ".nodeId") }
    case "DetachDeleteNode":
      return { _tag: "DetachDeleteNode", nodeId: u64In(keys("nodeId")["nodeId"], ".nodeId") }
    case "Clear":
      keys()
      return { _tag: "Clear" }
    case "CreateIndex": {
      const o = keys("request", "ifNotExists")
      return { _tag: "CreateIndex", request: indexRequestFromJson(o["request"], ".request"), ifNotExists: boolIn(o["ifNotExists"], ".ifNotExists") }
    }
    case "DropIndex": {
      const o = keys("name", "ifExists")
      return { _tag: "DropIndex", name: strIn(o["name"], ".name"), ifExists: boolIn(o["ifExists"], ".ifExists") }
    }
    case "CreateConstraint": {
      const o = keys("request", "ifNotExists")
      return {
        _tag: "CreateConstraint",
        request: constraintRequestFromJson(o["request"], ".request"),
        ifNotExists: boolIn(o["ifNotExists"], ".ifNotExists")
      }
    }
    case "DropConstraint": {
      const o = keys("name", "ifExists")
      return { _tag: "DropConstraint", name: strIn(o["name"], ".name"), ifExists: boolIn(o["ifExists"], ".ifExists") }
    }
    default:
      throw new EventJsonError("._tag", `unknown MutationEvent _tag ${JSON.stringify(tag)}`)
  }
}
