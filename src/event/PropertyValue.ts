/**
 * `PropertyValue`: LoraDB's property value (`lora_store::PropertyValue`),
 * as a recursive Effect Schema tagged union on `_tag`, with small
 * constructors (`Pv.*`) and a `properties(record)` helper.
 *
 * The shapes follow what the LW1 payload codec stores (spec §4.3–§4.8):
 *
 * | `_tag` | fields | on disk (tag, body) |
 * |---|---|---|
 * | `Null` | — | 0 |
 * | `Bool` | `value: boolean` | 1, flag8 |
 * | `Int` | `value: bigint` (i64) | 2, i64 |
 * | `Float` | `value: number`, `nanBits?: bigint` | 3, f64 bits |
 * | `String` | `value: string` (well-formed UTF-16) | 4, str |
 * | `List` | `value: ReadonlyArray<PropertyValue>` | 5, len + values |
 * | `Map` | `value: ReadonlyMap<string, PropertyValue>` | 6, len + (key, value) sorted by UTF-8 key bytes |
 * | `Date` | `year` (i32), `month`, `day` (u32) | 7 |
 * | `Time` | `hour`, `minute`, `second`, `nanosecond` (u32), `offsetSeconds` (i32, seconds east of UTC) | 8 |
 * | `LocalTime` | `hour`, `minute`, `second`, `nanosecond` (u32) | 9 |
 * | `DateTime` | `year` (i32), `month`…`nanosecond` (u32), `offsetSeconds` (i32) | 10 |
 * | `LocalDateTime` | `year` (i32), `month`…`nanosecond` (u32) | 11 |
 * | `Duration` | `months`, `days`, `seconds`, `nanoseconds` (i64 bigint each, independent and signed) | 12 |
 * | `Point` | `x`, `y`, `z?` (f64), `srid` (u32); `z` absent = 2D | 13 |
 * | `Vector` | `values`: a typed array whose class is the coordinate type | 14 |
 * | `Binary` | `segments: ReadonlyArray<Uint8Array>` (split preserved) | 15 |
 *
 * Temporal fields are stored raw, as lora-store does: the codec range-checks
 * their integer widths but not calendar or clock validity. Point SRIDs
 * (7203 Cartesian 2D, 9157 Cartesian 3D, 4326 WGS-84 2D, 4979 WGS-84 3D) are
 * not checked either.
 *
 * **Float NaN payloads.** V8 canonicalises NaN payloads in some paths, so a
 * NaN's bits cannot live in a JS number. `Float.nanBits` holds them when the
 * value is a NaN whose bits differ from Rust's `f64::NAN`
 * (`0x7FF8000000000000`); it is absent otherwise, and a NaN without
 * `nanBits` is written as `0x7FF8000000000000`. Vector elements keep their
 * bits because they live in typed arrays. Point coordinates have no such
 * field: a NaN coordinate is always written as `0x7FF8000000000000`.
 *
 * @module
 */
import { Schema } from "effect"

// ---------------------------------------------------------------------------
// Primitive schemas
// ---------------------------------------------------------------------------

/** A string that is well-formed UTF-16 (no lone surrogates), so it encodes to UTF-8 without loss. */
export const Utf8String = Schema.String.check(
  Schema.makeFilter((s: string) => s.isWellFormed() || "not well-formed UTF-16 (lone surrogate)")
)

/** A signed 64-bit integer as `bigint`. */
export const I64 = Schema.BigInt.check(
  Schema.isBetweenBigInt({ minimum: -0x8000_0000_0000_0000n, maximum: 0x7fff_ffff_ffff_ffffn })
)

/** An unsigned 32-bit integer as `number`. */
export const U32 = Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum: 0, maximum: 0xffff_ffff }))

/** A signed 32-bit integer as `number`. */
export const I32 = Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum: -0x8000_0000, maximum: 0x7fff_ffff }))

// ---------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------

/** `Null`. */
export interface PvNull {
  readonly _tag: "Null"
}
/** `Bool`. */
export interface PvBool {
  readonly _tag: "Bool"
  readonly value: boolean
}
/** `Int`: a signed 64-bit integer. */
export interface PvInt {
  readonly _tag: "Int"
  readonly value: bigint
}
/**
 * `Float`: an IEEE-754 double. `-0`, infinities and NaN are kept; `nanBits`
 * (u64) holds a NaN's raw bits when they differ from `0x7FF8000000000000`.
 */
export interface PvFloat {
  readonly _tag: "Float"
  readonly value: number
  readonly nanBits?: bigint
}
/** `String`: UTF-8 on disk; must be well-formed UTF-16 here. */
export interface PvString {
  readonly _tag: "String"
  readonly value: string
}
/** `List`: an ordered list of values (may be heterogeneous and nested). */
export interface PvList {
  readonly _tag: "List"
  readonly value: ReadonlyArray<PropertyValue>
}
/** `Map`: string keys to values; written sorted by the keys' UTF-8 bytes. */
export interface PvMap {
  readonly _tag: "Map"
  readonly value: ReadonlyMap<string, PropertyValue>
}
/** `Date`: proleptic calendar date; `year` i32 (may be ≤ 0), `month`/`day` u32. */
export interface PvDate {
  readonly _tag: "Date"
  readonly year: number
  readonly month: number
  readonly day: number
}
/** `Time`: zoned time of day; all u32 except `offsetSeconds` (i32, seconds east of UTC). */
export interface PvTime {
  readonly _tag: "Time"
  readonly hour: number
  readonly minute: number
  readonly second: number
  readonly nanosecond: number
  readonly offsetSeconds: number
}
/** `LocalTime`: time of day without zone; u32 fields. */
export interface PvLocalTime {
  readonly _tag: "LocalTime"
  readonly hour: number
  readonly minute: number
  readonly second: number
  readonly nanosecond: number
}
/** `DateTime`: zoned date-time; `year` and `offsetSeconds` i32, the rest u32. Only a numeric offset is stored. */
export interface PvDateTime {
  readonly _tag: "DateTime"
  readonly year: number
  readonly month: number
  readonly day: number
  readonly hour: number
  readonly minute: number
  readonly second: number
  readonly nanosecond: number
  readonly offsetSeconds: number
}
/** `LocalDateTime`: date-time without zone; `year` i32, the rest u32. */
export interface PvLocalDateTime {
  readonly _tag: "LocalDateTime"
  readonly year: number
  readonly month: number
  readonly day: number
  readonly hour: number
  readonly minute: number
  readonly second: number
  readonly nanosecond: number
}
/** `Duration`: four independent signed i64 components. */
export interface PvDuration {
  readonly _tag: "Duration"
  readonly months: bigint
  readonly days: bigint
  readonly seconds: bigint
  readonly nanoseconds: bigint
}
/** `Point`: `z` absent = 2D. For geographic SRIDs x = longitude, y = latitude, z = height. */
export interface PvPoint {
  readonly _tag: "Point"
  readonly x: number
  readonly y: number
  readonly z?: number
  readonly srid: number
}
/**
 * The element storage of a vector; its class is the coordinate type:
 * `Float64Array` FLOAT64, `Float32Array` FLOAT32, `BigInt64Array` INTEGER
 * (64-bit), `Int32Array` INTEGER32, `Int16Array` INTEGER16, `Int8Array` INTEGER8.
 */
export type VectorValues = Float64Array | Float32Array | BigInt64Array | Int32Array | Int16Array | Int8Array
/** `Vector`: dimension = `values.length`. */
export interface PvVector {
  readonly _tag: "Vector"
  readonly values: VectorValues
}
/** `Binary`: a list of byte segments; the split is part of the byte format and is kept. */
export interface PvBinary {
  readonly _tag: "Binary"
  readonly segments: ReadonlyArray<Uint8Array>
}

/** A LoraDB property value (`lora_store::PropertyValue`). */
export type PropertyValue =
  | PvNull
  | PvBool
  | PvInt
  | PvFloat
  | PvString
  | PvList
  | PvMap
  | PvDate
  | PvTime
  | PvLocalTime
  | PvDateTime
  | PvLocalDateTime
  | PvDuration
  | PvPoint
  | PvVector
  | PvBinary

/** The variant of {@link PropertyValue} with tag `T`. */
export type PropertyValueOf<T extends PropertyValue["_tag"]> = Extract<PropertyValue, { readonly _tag: T }>

/** A node or relationship property bag (`lora_store::Properties`). */
export type Properties = ReadonlyMap<string, PropertyValue>

// ---------------------------------------------------------------------------
// Schemas
// ---------------------------------------------------------------------------

const Self = Schema.suspend((): Schema.Codec<PropertyValue> => PropertyValue)

const VectorValuesSchema = Schema.declare(
  (u: unknown): u is VectorValues =>
    u instanceof Float64Array ||
    u instanceof Float32Array ||
    u instanceof BigInt64Array ||
    u instanceof Int32Array ||
    u instanceof Int16Array ||
    u instanceof Int8Array,
  { expected: "Float64Array | Float32Array | BigInt64Array | Int32Array | Int16Array | Int8Array" }
)

/**
 * Schema of {@link PropertyValue}: a tagged union on `_tag` (with `.cases`,
 * `.guards`, `.match`). Validates value ranges (i64, u32/i32, well-formed
 * strings) but does not normalise anything.
 */
export const PropertyValue = Schema.Union([
  Schema.TaggedStruct("Null", {}),
  Schema.TaggedStruct("Bool", { value: Schema.Boolean }),
  Schema.TaggedStruct("Int", { value: I64 }),
  Schema.TaggedStruct("Float", { value: Schema.Number, nanBits: Schema.optionalKey(Schema.BigInt) }),
  Schema.TaggedStruct("String", { value: Utf8String }),
  Schema.TaggedStruct("List", { value: Schema.Array(Self) }),
  Schema.TaggedStruct("Map", { value: Schema.ReadonlyMap(Utf8String, Self) }),
  Schema.TaggedStruct("Date", { year: I32, month: U32, day: U32 }),
  Schema.TaggedStruct("Time", { hour: U32, minute: U32, second: U32, nanosecond: U32, offsetSeconds: I32 }),
  Schema.TaggedStruct("LocalTime", { hour: U32, minute: U32, second: U32, nanosecond: U32 }),
  Schema.TaggedStruct("DateTime", {
    year: I32,
    month: U32,
    day: U32,
    hour: U32,
    minute: U32,
    second: U32,
    nanosecond: U32,
    offsetSeconds: I32
  }),
  Schema.TaggedStruct("LocalDateTime", {
    year: I32,
    month: U32,
    day: U32,
    hour: U32,
    minute: U32,
    second: U32,
    nanosecond: U32
  }),
  Schema.TaggedStruct("Duration", { months: I64, days: I64, seconds: I64, nanoseconds: I64 }),
  Schema.TaggedStruct("Point", { x: Schema.Number, y: Schema.Number, z: Schema.optionalKey(Schema.Number), srid: U32 }),
  Schema.TaggedStruct("Vector", { values: VectorValuesSchema }),
  Schema.TaggedStruct("Binary", { segments: Schema.Array(Schema.Uint8Array) })
]).pipe(Schema.toTaggedUnion("_tag"))

/** Schema of a property bag: `ReadonlyMap<string, PropertyValue>`. */
export const Properties: Schema.Codec<Properties> = Schema.ReadonlyMap(Utf8String, Self)

// Compile-time check that the Schema and the hand-written type agree (both directions).
const _toType = (x: typeof PropertyValue.Type): PropertyValue => x
const _fromType = (x: PropertyValue): typeof PropertyValue.Type => x
void _toType
void _fromType

// ---------------------------------------------------------------------------
// Constructors
// ---------------------------------------------------------------------------

const NULL: PropertyValue = Object.freeze({ _tag: "Null" })
const TRUE: PropertyValue = Object.freeze({ _tag: "Bool", value: true })
const FALSE: PropertyValue = Object.freeze({ _tag: "Bool", value: false })

/**
 * Plain constructors for {@link PropertyValue}s. They build the objects
 * directly (no Schema validation: the encoder validates when the event is
 * written), converting JS numbers to `bigint` where the field is 64-bit.
 * Like Effect's own constructors (`Option.some`) they return the union type
 * `PropertyValue`, so mixed values infer well (`new Map([["a", Pv.int(1)],
 * ["b", Pv.string("x")]])`); narrow with `_tag` or `PropertyValue.guards`.
 *
 * ```ts
 * Pv.int(5)                       // { _tag: "Int", value: 5n }
 * Pv.map({ a: Pv.string("x") })   // { _tag: "Map", value: Map { "a" => … } }
 * Pv.vector(new Float32Array([1, 2, 3]))
 * ```
 */
export const Pv = {
  /** `Null` (a shared frozen object). */
  null: (): PropertyValue => NULL,
  /** `Bool` (shared frozen objects). */
  bool: (value: boolean): PropertyValue => (value ? TRUE : FALSE),
  /** `Int`; a `number` must be a safe integer (throws `RangeError` otherwise). */
  int: (value: bigint | number): PropertyValue => ({ _tag: "Int", value: BigInt(value) }),
  /** `Float`. NaN is written as `0x7FF8000000000000` unless `nanBits` is given. */
  float: (value: number, nanBits?: bigint): PropertyValue =>
    nanBits === undefined ? { _tag: "Float", value } : { _tag: "Float", value, nanBits },
  /** `String`. */
  string: (value: string): PropertyValue => ({ _tag: "String", value }),
  /** `List`. */
  list: (value: ReadonlyArray<PropertyValue>): PropertyValue => ({ _tag: "List", value }),
  /** `Map` from a `ReadonlyMap` or a plain object (see {@link properties}). */
  map: (value: ReadonlyMap<string, PropertyValue> | Readonly<Record<string, PropertyValue>>): PropertyValue => ({
    _tag: "Map",
    value: value instanceof Map ? value : properties(value as Readonly<Record<string, PropertyValue>>)
  }),
  /** `Date`: year (i32, may be ≤ 0), month and day (u32). */
  date: (year: number, month: number, day: number): PropertyValue => ({ _tag: "Date", year, month, day }),
  /** `Time` with an offset in seconds east of UTC. */
  time: (hour: number, minute: number, second: number, nanosecond: number, offsetSeconds: number): PropertyValue => ({
    _tag: "Time",
    hour,
    minute,
    second,
    nanosecond,
    offsetSeconds
  }),
  /** `LocalTime`. */
  localTime: (hour: number, minute: number, second: number, nanosecond = 0): PropertyValue => ({
    _tag: "LocalTime",
    hour,
    minute,
    second,
    nanosecond
  }),
  /** `DateTime` with an offset in seconds east of UTC. */
  dateTime: (f: Omit<PvDateTime, "_tag">): PropertyValue => ({
    _tag: "DateTime",
    year: f.year,
    month: f.month,
    day: f.day,
    hour: f.hour,
    minute: f.minute,
    second: f.second,
    nanosecond: f.nanosecond,
    offsetSeconds: f.offsetSeconds
  }),
  /** `LocalDateTime`. */
  localDateTime: (f: Omit<PvLocalDateTime, "_tag">): PropertyValue => ({
    _tag: "LocalDateTime",
    year: f.year,
    month: f.month,
    day: f.day,
    hour: f.hour,
    minute: f.minute,
    second: f.second,
    nanosecond: f.nanosecond
  }),
  /** `Duration`; missing components are 0. */
  duration: (f: {
    readonly months?: bigint | number
    readonly days?: bigint | number
    readonly seconds?: bigint | number
    readonly nanoseconds?: bigint | number
  }): PropertyValue => ({
    _tag: "Duration",
    months: BigInt(f.months ?? 0),
    days: BigInt(f.days ?? 0),
    seconds: BigInt(f.seconds ?? 0),
    nanoseconds: BigInt(f.nanoseconds ?? 0)
  }),
  /** A 2D `Point` (z absent). */
  point: (x: number, y: number, srid: number): PropertyValue => ({ _tag: "Point", x, y, srid }),
  /** A 3D `Point`. */
  point3d: (x: number, y: number, z: number, srid: number): PropertyValue => ({ _tag: "Point", x, y, z, srid }),
  /** `Vector`; the typed array's class is the coordinate type. */
  vector: (values: VectorValues): PropertyValue => ({ _tag: "Vector", values }),
  /**
   * `Binary` from segments. `Pv.binary()` is the empty binary (zero
   * segments); `Pv.binary(bytes)` one segment.
   */
  binary: (...segments: ReadonlyArray<Uint8Array>): PropertyValue => ({ _tag: "Binary", segments })
} as const

/**
 * Builds a property bag (`ReadonlyMap<string, PropertyValue>`) from a plain
 * object, in the object's own key order (the encoder sorts by UTF-8 bytes
 * anyway, so the order does not change any bytes).
 */
export const properties = (record: Readonly<Record<string, PropertyValue>>): ReadonlyMap<string, PropertyValue> => {
  const m = new Map<string, PropertyValue>()
  for (const k of Object.keys(record)) m.set(k, record[k]!)
  return m
}
