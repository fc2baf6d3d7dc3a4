/**
 * DDL requests carried by `CreateIndex` / `CreateConstraint` events, and
 * lora-store's own codec for them (`lora-store/src/codec.rs`, spec §4.9),
 * which LW1 embeds as a `bytes` field.
 *
 * Store codec primitives: little-endian, `len` = u64, `str` = `len` + UTF-8,
 * `optstr` = `00` (absent) or `01` + `str`, ordered maps sorted by UTF-8 key
 * bytes. Tags:
 *
 * - index kind `u8`: 1 RANGE, 2 TEXT, 3 POINT, 4 LOOKUP, 5 VECTOR, 6 FULLTEXT
 * - entity `u8`: 1 NODE, 2 RELATIONSHIP
 * - ConfigValue `u8`: 1 Number (f64), 2 Integer (i64), 3 String, 4 Bool (flag8),
 *   5 List (`len` + values), 6 Map (ConfigMap), 7 Null
 * - constraint kind `u8`: 1 UNIQUE, 2 EXISTENCE, 3 NODE KEY, 4 RELATIONSHIP KEY,
 *   5 PROPERTY TYPE + `len` alternatives + terms
 * - term `u8`: 1 Scalar (+ scalar `u8`), 2 List (+ not_null flag8 + inner term),
 *   3 Vector (+ coordinate `u8` + dimension u32)
 * - scalar: 1 BOOLEAN … 13 ANY (see {@link SCALAR_TYPES})
 * - constraint vector coordinate: **1 INT8, 2 INT16, 3 INT32, 4 INT64,
 *   5 FLOAT32, 6 FLOAT64** — the reverse of the property-value vector table.
 *
 * ConfigValue `Number` is a plain JS number: a NaN is written as Rust's default
 * NaN (`0x7FF8000000000000`), so a NaN payload in a decoded request is not
 * re-encoded bit for bit (unlike `Float` property values, see `nanBits`).
 *
 * Decode errors read `store value decode failed: <message>` with lora-store's
 * messages (spec §4.10); LW1 wraps them as `CreateIndex decode failed: …` /
 * `CreateConstraint decode failed: …`.
 *
 * @module
 */
import { Schema } from "effect"
import { ByteReader, ByteWriter, CodecFailure, decodeFailure, STORE_MESSAGES } from "../format/Bytes.js"
import { I64, U32, Utf8String } from "./PropertyValue.js"
import {
  atPath,
  bad,
  checkArray,
  checkBool,
  checkI64,
  checkNumber,
  checkString,
  checkU32,
  DEFAULT_NAN_BITS,
  EncodeIssue,
  isStackOverflow,
  keySegment,
  sortUtf8,
  toEncodeFailure
} from "./Validate.js"

// ---------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------

/** Index kinds, in store tag order (1..6). */
export const INDEX_KINDS = ["RANGE", "TEXT", "POINT", "LOOKUP", "VECTOR", "FULLTEXT"] as const
/** An index kind. */
export type IndexKind = (typeof INDEX_KINDS)[number]

/** Entity kinds, in store tag order (1..2). */
export const ENTITY_KINDS = ["NODE", "RELATIONSHIP"] as const
/** Whether an index/constraint applies to nodes (label) or relationships (type). */
export type EntityKind = (typeof ENTITY_KINDS)[number]

/** Property-type scalars, in store tag order (1..13). */
export const SCALAR_TYPES = [
  "BOOLEAN",
  "STRING",
  "INTEGER",
  "FLOAT",
  "DATE",
  "LOCAL TIME",
  "ZONED TIME",
  "LOCAL DATETIME",
  "ZONED DATETIME",
  "DURATION",
  "POINT",
  "MAP",
  "ANY"
] as const
/** A scalar property type. */
export type ScalarType = (typeof SCALAR_TYPES)[number]

/** Constraint vector coordinate types, in store tag order (1 INT8 .. 6 FLOAT64). */
export const VECTOR_COORDS = ["INT8", "INT16", "INT32", "INT64", "FLOAT32", "FLOAT64"] as const
/** A vector coordinate type in a property-type constraint. */
export type VectorCoord = (typeof VECTOR_COORDS)[number]

/** An index option value (`lora_store::ConfigValue`). */
export type ConfigValue =
  | { readonly _tag: "Number"; readonly value: number }
  | { readonly _tag: "Integer"; readonly value: bigint }
  | { readonly _tag: "String"; readonly value: string }
  | { readonly _tag: "Bool"; readonly value: boolean }
  | { readonly _tag: "List"; readonly value: ReadonlyArray<ConfigValue> }
  | { readonly _tag: "Map"; readonly value: ReadonlyMap<string, ConfigValue> }
  | { readonly _tag: "Null" }

/**
 * A `CREATE INDEX` request. `explicitName` is absent when the user did not
 * name the index; `label` (label or relationship type) is absent when the
 * statement gives none (LOOKUP). `additionalLabels` is only used by FULLTEXT.
 * `options` are written sorted by UTF-8 key bytes.
 */
export interface IndexRequest {
  readonly explicitName?: string
  readonly kind: IndexKind
  readonly entity: EntityKind
  readonly label?: string
  readonly additionalLabels: ReadonlyArray<string>
  readonly properties: ReadonlyArray<string>
  readonly options: ReadonlyMap<string, ConfigValue>
}

/** One alternative of a property-type constraint (`A | B | …`). */
export type PropertyTypeTerm =
  | { readonly _tag: "Scalar"; readonly scalar: ScalarType }
  | { readonly _tag: "List"; readonly notNull: boolean; readonly inner: PropertyTypeTerm }
  | { readonly _tag: "Vector"; readonly coord: VectorCoord; readonly dimension: number }

/** The kind of a constraint. */
export type ConstraintKind =
  | { readonly _tag: "Unique" }
  | { readonly _tag: "Existence" }
  | { readonly _tag: "NodeKey" }
  | { readonly _tag: "RelationshipKey" }
  | { readonly _tag: "PropertyType"; readonly alternatives: ReadonlyArray<PropertyTypeTerm> }

/** A `CREATE CONSTRAINT` request; `label` is the label or relationship type. */
export interface ConstraintRequest {
  readonly name: string
  readonly kind: ConstraintKind
  readonly entity: EntityKind
  readonly label: string
  readonly properties: ReadonlyArray<string>
}

// ---------------------------------------------------------------------------
// Schemas
// ---------------------------------------------------------------------------

const ConfigSelf = Schema.suspend((): Schema.Codec<ConfigValue> => ConfigValue)

/** Schema of {@link ConfigValue} (tagged union on `_tag`). */
export const ConfigValue = Schema.Union([
  Schema.TaggedStruct("Number", { value: Schema.Number }),
  Schema.TaggedStruct("Integer", { value: I64 }),
  Schema.TaggedStruct("String", { value: Utf8String }),
  Schema.TaggedStruct("Bool", { value: Schema.Boolean }),
  Schema.TaggedStruct("List", { value: Schema.Array(ConfigSelf) }),
  Schema.TaggedStruct("Map", { value: Schema.ReadonlyMap(Utf8String, ConfigSelf) }),
  Schema.TaggedStruct("Null", {})
]).pipe(Schema.toTaggedUnion("_tag"))

/** Schema of {@link IndexKind}. */
export const IndexKind = Schema.Literals(INDEX_KINDS)
/** Schema of {@link EntityKind}. */
export const EntityKind = Schema.Literals(ENTITY_KINDS)
/** Schema of {@link ScalarType}. */
export const ScalarType = Schema.Literals(SCALAR_TYPES)
/** Schema of {@link VectorCoord}. */
export const VectorCoord = Schema.Literals(VECTOR_COORDS)

/** Schema of {@link IndexRequest}. */
export const IndexRequest = Schema.Struct({
  explicitName: Schema.optionalKey(Utf8String),
  kind: IndexKind,
  entity: EntityKind,
  label: Schema.optionalKey(Utf8String),
  additionalLabels: Schema.Array(Utf8String),
  properties: Schema.Array(Utf8String),
  options: Schema.ReadonlyMap(Utf8String, ConfigSelf)
})

const TermSelf = Schema.suspend((): Schema.Codec<PropertyTypeTerm> => PropertyTypeTerm)

/** Schema of {@link PropertyTypeTerm} (tagged union on `_tag`). */
export const PropertyTypeTerm = Schema.Union([
  Schema.TaggedStruct("Scalar", { scalar: ScalarType }),
  Schema.TaggedStruct("List", { notNull: Schema.Boolean, inner: TermSelf }),
  Schema.TaggedStruct("Vector", { coord: VectorCoord, dimension: U32 })
]).pipe(Schema.toTaggedUnion("_tag"))

/** Schema of {@link ConstraintKind} (tagged union on `_tag`). */
export const ConstraintKind = Schema.Union([
  Schema.TaggedStruct("Unique", {}),
  Schema.TaggedStruct("Existence", {}),
  Schema.TaggedStruct("NodeKey", {}),
  Schema.TaggedStruct("RelationshipKey", {}),
  Schema.TaggedStruct("PropertyType", { alternatives: Schema.Array(TermSelf) })
]).pipe(Schema.toTaggedUnion("_tag"))

/** Schema of {@link ConstraintRequest}. */
export const ConstraintRequest = Schema.Struct({
  name: Utf8String,
  kind: ConstraintKind,
  entity: EntityKind,
  label: Utf8String,
  properties: Schema.Array(Utf8String)
})

// Compile-time checks that the Schemas and the hand-written types agree (both directions).
const _c1 = (x: typeof ConfigValue.Type): ConfigValue => x
const _c2 = (x: ConfigValue): typeof ConfigValue.Type => x
const _i1 = (x: typeof IndexRequest.Type): IndexRequest => x
const _i2 = (x: IndexRequest): typeof IndexRequest.Type => x
const _t1 = (x: typeof PropertyTypeTerm.Type): PropertyTypeTerm => x
const _t2 = (x: PropertyTypeTerm): typeof PropertyTypeTerm.Type => x
const _k1 = (x: typeof ConstraintKind.Type): ConstraintKind => x
const _k2 = (x: ConstraintKind): typeof ConstraintKind.Type => x
const _r1 = (x: typeof ConstraintRequest.Type): ConstraintRequest => x
const _r2 = (x: ConstraintRequest): typeof ConstraintRequest.Type => x
void [_c1, _c2, _i1, _i2, _t1, _t2, _k1, _k2, _r1, _r2]

// ---------------------------------------------------------------------------
// Encoding (store codec)
// ---------------------------------------------------------------------------

const tagOf = <T extends string>(table: ReadonlyArray<T>, v: unknown, path: string, what: string): number => {
  const i = table.indexOf(v as T)
  if (i < 0) bad(path, `${what} (${table.map((t) => JSON.stringify(t)).join(" | ")})`, v)
  return i + 1
}

const writeOptStr = (w: ByteWriter, v: unknown, path: string): void => {
  if (v === undefined) {
    w.u8(0)
    return
  }
  w.u8(1)
  w.str(checkString(v, path))
}

const writeStrList = (w: ByteWriter, v: unknown, path: string): void => {
  const a = checkArray(v, path, "an array of strings")
  w.len(a.length)
  for (let i = 0; i < a.length; i++) w.str(checkString(a[i], `${path}[${i}]`))
}

const writeConfigValue = (w: ByteWriter, v: ConfigValue): void => {
  if (typeof v !== "object" || v === null) bad("", "a ConfigValue object", v)
  switch (v._tag) {
    case "Number": {
      const x = checkNumber(v.value, ".value")
      w.u8(1)
      if (x !== x) w.u64(DEFAULT_NAN_BITS)
      else w.f64(x)
      return
    }
    case "Integer":
      w.u8(2)
      w.i64(checkI64(v.value, ".value"))
      return
    case "String":
      w.u8(3)
      w.str(checkString(v.value, ".value"))
      return
    case "Bool":
      w.u8(4)
      w.u8(checkBool(v.value, ".value") ? 1 : 0)
      return
    case "List": {
      const a = checkArray(v.value, ".value", "an array of ConfigValue") as ReadonlyArray<ConfigValue>
      w.u8(5)
      w.len(a.length)
      let i = 0
      try {
        for (; i < a.length; i++) writeConfigValue(w, a[i]!)
      } catch (e) {
        throw atPath(e, `[${i}]`)
      }
      return
    }
    case "Map":
      w.u8(6)
      writeConfigMap(w, v.value)
      return
    case "Null":
      w.u8(7)
      return
    default:
      throw new EncodeIssue(`unknown ConfigValue _tag ${JSON.stringify((v as { _tag: unknown })._tag)}`)
  }
}

const writeConfigMap = (w: ByteWriter, m: unknown): void => {
  if (!(m instanceof Map)) bad("", "a ReadonlyMap<string, ConfigValue>", m)
  const map = m as ReadonlyMap<unknown, ConfigValue>
  const keys: Array<string> = []
  for (const k of map.keys()) {
    if (typeof k !== "string") bad(keySegment(k), "a string key", k)
    keys.push(checkString(k, keySegment(k)))
  }
  sortUtf8(keys)
  w.len(keys.length)
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!
    w.str(k)
    try {
      writeConfigValue(w, map.get(k)!)
    } catch (e) {
      throw atPath(e, keySegment(k))
    }
  }
}

/**
 * Appends the store encoding of an IndexRequest (no length prefix).
 * Throws `EncodeIssue` with a path relative to the request (internal).
 * @internal
 */
export const writeIndexRequestInner = (w: ByteWriter, req: IndexRequest): void => {
  if (typeof req !== "object" || req === null) bad("", "an IndexRequest object", req)
  writeOptStr(w, req.explicitName, ".explicitName")
  w.u8(tagOf(INDEX_KINDS, req.kind, ".kind", "an index kind"))
  w.u8(tagOf(ENTITY_KINDS, req.entity, ".entity", "an entity kind"))
  writeOptStr(w, req.label, ".label")
  writeStrList(w, req.additionalLabels, ".additionalLabels")
  writeStrList(w, req.properties, ".properties")
  try {
    writeConfigMap(w, req.options)
  } catch (e) {
    throw atPath(e, ".options")
  }
}

const writeTerm = (w: ByteWriter, t: PropertyTypeTerm): void => {
  if (typeof t !== "object" || t === null) bad("", "a PropertyTypeTerm object", t)
  switch (t._tag) {
    case "Scalar":
      w.u8(1)
      w.u8(tagOf(SCALAR_TYPES, t.scalar, ".scalar", "a scalar type"))
      return
    case "List":
      w.u8(2)
      w.u8(checkBool(t.notNull, ".notNull") ? 1 : 0)
      try {
        writeTerm(w, t.inner)
      } catch (e) {
        throw atPath(e, ".inner")
      }
      return
    case "Vector":
      w.u8(3)
      w.u8(tagOf(VECTOR_COORDS, t.coord, ".coord", "a vector coordinate type"))
      w.u32(checkU32(t.dimension, ".dimension"))
      return
    default:
      throw new EncodeIssue(`unknown PropertyTypeTerm _tag ${JSON.stringify((t as { _tag: unknown })._tag)}`)
  }
}

/**
 * Appends the store encoding of a ConstraintRequest (no length prefix).
 * Throws `EncodeIssue` with a path relative to the request (internal).
 * @internal
 */
export const writeConstraintRequestInner = (w: ByteWriter, req: ConstraintRequest): void => {
  if (typeof req !== "object" || req === null) bad("", "a ConstraintRequest object", req)
  w.str(checkString(req.name, ".name"))
  const kind = req.kind
  if (typeof kind !== "object" || kind === null) bad(".kind", "a ConstraintKind object", kind)
  switch (kind._tag) {
    case "Unique":
      w.u8(1)
      break
    case "Existence":
      w.u8(2)
      break
    case "NodeKey":
      w.u8(3)
      break
    case "RelationshipKey":
      w.u8(4)
      break
    case "PropertyType": {
      const alts = checkArray(kind.alternatives, ".kind.alternatives", "an array of PropertyTypeTerm")
      w.u8(5)
      w.len(alts.length)
      let i = 0
      try {
        for (; i < alts.length; i++) writeTerm(w, alts[i] as PropertyTypeTerm)
      } catch (e) {
        throw atPath(e, `.kind.alternatives[${i}]`)
      }
      break
    }
    default:
      throw new EncodeIssue(`unknown ConstraintKind _tag ${JSON.stringify((kind as { _tag: unknown })._tag)}`, ".kind")
  }
  w.u8(tagOf(ENTITY_KINDS, req.entity, ".entity", "an entity kind"))
  w.str(checkString(req.label, ".label"))
  writeStrList(w, req.properties, ".properties")
}

/**
 * Encodes an {@link IndexRequest} with the lora-store codec (the bytes LW1
 * embeds in `CreateIndex`). Validates as it goes; throws
 * `CodecFailure("Encode", "<path>: <problem>")` on a malformed request.
 */
export const encodeIndexRequest = (req: IndexRequest): Uint8Array => {
  const w = new ByteWriter(256)
  try {
    writeIndexRequestInner(w, req)
  } catch (e) {
    throw toEncodeFailure(e, "IndexRequest", "IndexRequest")
  }
  return w.toUint8Array()
}

/**
 * Encodes a {@link ConstraintRequest} with the lora-store codec (the bytes
 * LW1 embeds in `CreateConstraint`). Throws `CodecFailure("Encode", …)`.
 */
export const encodeConstraintRequest = (req: ConstraintRequest): Uint8Array => {
  const w = new ByteWriter(256)
  try {
    writeConstraintRequestInner(w, req)
  } catch (e) {
    throw toEncodeFailure(e, "ConstraintRequest", "ConstraintRequest")
  }
  return w.toUint8Array()
}

// ---------------------------------------------------------------------------
// Decoding (store codec)
// ---------------------------------------------------------------------------

const readOptStr = (r: ByteReader): string | undefined => {
  const t = r.u8()
  if (t === 0) return undefined
  if (t === 1) return r.str()
  return decodeFailure(`invalid optional string tag ${t}`)
}

const readStrList = (r: ByteReader): Array<string> => {
  const n = r.count("string")
  const out = new Array<string>(n)
  for (let i = 0; i < n; i++) out[i] = r.str()
  return out
}

const readEntity = (r: ByteReader): EntityKind => {
  const t = r.u8()
  const e = ENTITY_KINDS[t - 1]
  return e ?? decodeFailure(`invalid index entity tag ${t}`)
}

const readConfigValue = (r: ByteReader): ConfigValue => {
  const t = r.u8()
  switch (t) {
    case 1: {
      const value = r.f64()
      return { _tag: "Number", value }
    }
    case 2:
      return { _tag: "Integer", value: r.i64() }
    case 3:
      return { _tag: "String", value: r.str() }
    case 4:
      return { _tag: "Bool", value: r.u8() !== 0 }
    case 5: {
      const n = r.count("index config list value")
      const value = new Array<ConfigValue>(n)
      for (let i = 0; i < n; i++) value[i] = readConfigValue(r)
      return { _tag: "List", value }
    }
    case 6:
      return { _tag: "Map", value: readConfigMap(r) }
    case 7:
      return { _tag: "Null" }
    default:
      return decodeFailure(`invalid index config value tag ${t}`)
  }
}

const readConfigMap = (r: ByteReader): Map<string, ConfigValue> => {
  const n = r.count("index config map entry")
  const m = new Map<string, ConfigValue>()
  for (let i = 0; i < n; i++) {
    const k = r.str()
    m.set(k, readConfigValue(r))
  }
  return m
}

const readIndexRequestBody = (r: ByteReader): IndexRequest => {
  const explicitName = readOptStr(r)
  const kt = r.u8()
  const kind = INDEX_KINDS[kt - 1] ?? decodeFailure(`invalid index kind tag ${kt}`)
  const entity = readEntity(r)
  const label = readOptStr(r)
  const additionalLabels = readStrList(r)
  const properties = readStrList(r)
  const options = readConfigMap(r)
  return {
    ...(explicitName !== undefined ? { explicitName } : {}),
    kind,
    entity,
    ...(label !== undefined ? { label } : {}),
    additionalLabels,
    properties,
    options
  }
}

const readTerm = (r: ByteReader): PropertyTypeTerm => {
  const t = r.u8()
  switch (t) {
    case 1: {
      const s = r.u8()
      const scalar = SCALAR_TYPES[s - 1] ?? decodeFailure(`invalid scalar type tag ${s}`)
      return { _tag: "Scalar", scalar }
    }
    case 2: {
      const notNull = r.u8() !== 0
      return { _tag: "List", notNull, inner: readTerm(r) }
    }
    case 3: {
      const c = r.u8()
      const coord = VECTOR_COORDS[c - 1] ?? decodeFailure(`invalid vector coord type tag ${c}`)
      return { _tag: "Vector", coord, dimension: r.u32() }
    }
    default:
      return decodeFailure(`invalid property-type term tag ${t}`)
  }
}

const readConstraintKind = (r: ByteReader): ConstraintKind => {
  const t = r.u8()
  switch (t) {
    case 1:
      return { _tag: "Unique" }
    case 2:
      return { _tag: "Existence" }
    case 3:
      return { _tag: "NodeKey" }
    case 4:
      return { _tag: "RelationshipKey" }
    case 5: {
      const n = r.count("property type alternative")
      const alternatives = new Array<PropertyTypeTerm>(n)
      for (let i = 0; i < n; i++) alternatives[i] = readTerm(r)
      return { _tag: "PropertyType", alternatives }
    }
    default:
      return decodeFailure(`invalid constraint kind tag ${t}`)
  }
}

const readConstraintRequestBody = (r: ByteReader): ConstraintRequest => {
  const name = r.str()
  const kind = readConstraintKind(r)
  const entity = readEntity(r)
  const label = r.str()
  const properties = readStrList(r)
  return { name, kind, entity, label, properties }
}

const STORE_PREFIX = "store value decode failed: "

const storeDecode = <A>(bytes: Uint8Array, start: number, end: number, body: (r: ByteReader) => A): A => {
  try {
    const r = new ByteReader(bytes, STORE_MESSAGES, start, end, start)
    const out = body(r)
    if (r.pos !== end) decodeFailure(`trailing bytes: ${end - r.pos}`)
    return out
  } catch (e) {
    if (e instanceof CodecFailure) throw new CodecFailure("Decode", STORE_PREFIX + e.reason)
    if (isStackOverflow(e)) throw new CodecFailure("Decode", `${STORE_PREFIX}input nests too deeply`)
    throw e
  }
}

/**
 * Decodes `bytes[start, end)` as a store-encoded {@link IndexRequest}; the
 * range must be consumed exactly. Throws `CodecFailure("Decode",
 * "store value decode failed: <m>")` with lora-store's messages (spec §4.10),
 * e.g. `truncated input`, `trailing bytes: 3`, `invalid index kind tag 9`.
 */
export const decodeIndexRequest = (bytes: Uint8Array, start = 0, end = bytes.length): IndexRequest =>
  storeDecode(bytes, start, end, readIndexRequestBody)

/**
 * Decodes `bytes[start, end)` as a store-encoded {@link ConstraintRequest};
 * the range must be consumed exactly. Throws `CodecFailure("Decode",
 * "store value decode failed: <m>")` (spec §4.10).
 */
export const decodeConstraintRequest = (bytes: Uint8Array, start = 0, end = bytes.length): ConstraintRequest =>
  storeDecode(bytes, start, end, readConstraintRequestBody)
