/**
 * The LW1 payload codec (lora-wal 0.15, spec §4): how `MutationEvent`s are
 * stored in Mutation (kind 1) and MutationBatch (kind 6) records.
 *
 * - single-event payload: magic `4C 57 31 00` (`"LW1\0"`) + one event;
 * - batch payload: magic + `len` (u64) event count + the events back to back.
 *
 * Events and values are self-delimiting: a `u8` tag then fixed-width
 * little-endian fields, `len`-prefixed strings (UTF-8), lists and maps.
 * Map and property-bag entries are written sorted by the keys' UTF-8 bytes,
 * as Rust's `BTreeMap` stores them; CreateIndex / CreateConstraint embed the
 * lora-store encoding of their request as a `bytes` field (see `Ddl.ts`).
 *
 * The functions here are plain and synchronous (the log's hot path calls
 * them per event) and throw {@link CodecFailure}:
 *
 * - **Encoders validate as they go**: wrong JS types, integers out of their
 *   u64/i64/u32/i32 range, strings that are not well-formed UTF-16, unknown
 *   `_tag`s and the like fail with `CodecFailure("Encode", "<path>: <problem>")`,
 *   e.g. `CreateNode.properties["age"]: expected an i64 bigint in [-2^63, 2^63-1], got 1.5`.
 *   A failed `writeSingle`/`writeBatch` leaves the writer as it was.
 * - **Decoders follow lora-wal exactly**: the same checks in the same order
 *   with the messages of spec §4.10 (`truncated WAL mutation payload`,
 *   `unknown WAL property value tag 99`, …). They never throw anything but
 *   `CodecFailure("Decode", …)`.
 *
 * **Deliberate deviation (pathological input only).** The format has no
 * nesting limit and neither has this codec, but a recursive codec runs out
 * of JS stack somewhere in the thousands of nesting levels (lists, maps,
 * config values, list type terms). Instead of letting V8's `RangeError`
 * escape as a defect, the entry points report
 * `Decode("WAL mutation payload nests too deeply")` /
 * `Encode("mutation event nests too deeply to encode")`. The reference (Rust)
 * would decode such a payload (or overflow its own stack).
 *
 * Also exported: `MutationEventFromBytes` / `MutationBatchFromBytes`, the
 * same codec as Schema transformations between `Uint8Array` and events, and
 * {@link walErrorFromSchemaError} to map their `SchemaError`s into `WalError`.
 *
 * @module
 */
import { Effect, Schema, SchemaIssue, SchemaTransformation } from "effect"
import type { EventCodec } from "../EventCodec.js"
import { ByteReader, ByteWriter, CodecFailure, decodeFailure, encodeFailure, LW1_MESSAGES } from "../format/Bytes.js"
import * as WalError from "../WalError.js"
import {
  decodeConstraintRequest,
  decodeIndexRequest,
  writeConstraintRequestInner,
  writeIndexRequestInner
} from "./Ddl.js"
import { MUTATION_TAGS, MutationEvent } from "./MutationEvent.js"
import type { PropertyValue, VectorValues } from "./PropertyValue.js"
import {
  atPath,
  bad,
  checkArray,
  checkBool,
  checkI32,
  checkI64,
  checkNumber,
  checkString,
  checkU32,
  checkU64,
  compareUtf8,
  DEFAULT_NAN_BITS,
  EncodeIssue,
  isStackOverflow,
  keySegment,
  LITTLE_ENDIAN_HOST,
  sortUtf8,
  toEncodeFailure
} from "./Validate.js"

/** The 4-byte payload magic `"LW1\0"`. */
export const LW1_MAGIC: Uint8Array = Uint8Array.of(0x4c, 0x57, 0x31, 0x00)

// ===========================================================================
// Encoding
// ===========================================================================

const writeStr = (w: ByteWriter, s: unknown, path: string): void => {
  if (typeof s !== "string") bad(path, "a string", s)
  if (!w.strChecked(s as string)) throw new EncodeIssue("string is not well-formed UTF-16 (lone surrogate)", path)
}

const writeU64 = (w: ByteWriter, v: unknown, path: string): void => {
  w.u64(checkU64(v, path))
}

/** True when a u64 is the bit pattern of a NaN (exponent all ones, mantissa non-zero). */
const isNanBits = (bits: bigint): boolean =>
  (bits & 0x7ff0_0000_0000_0000n) === 0x7ff0_0000_0000_0000n && (bits & 0x000f_ffff_ffff_ffffn) !== 0n

const writeFloatBody = (w: ByteWriter, v: { readonly value: number; readonly nanBits?: bigint }): void => {
  const x = v.value
  if (typeof x !== "number") bad(".value", "a number", x)
  const bits = v.nanBits
  if (bits === undefined) {
    if (x === x) w.f64(x)
    else w.u64(DEFAULT_NAN_BITS)
    return
  }
  if (typeof bits !== "bigint" || bits < 0n || bits > 0xffff_ffff_ffff_ffffn || !isNanBits(bits)) {
    bad(".nanBits", "the u64 bit pattern of a NaN (exponent all ones, mantissa non-zero)", bits)
  }
  if (x === x) bad(".value", "NaN when nanBits is present", x)
  w.u64(bits)
}

const writeVector = (w: ByteWriter, values: unknown): void => {
  let tag: number
  if (values instanceof Float64Array) tag = 1
  else if (values instanceof Float32Array) tag = 2
  else if (values instanceof BigInt64Array) tag = 3
  else if (values instanceof Int32Array) tag = 4
  else if (values instanceof Int16Array) tag = 5
  else if (values instanceof Int8Array) tag = 6
  else return bad(".values", "a Float64Array, Float32Array, BigInt64Array, Int32Array, Int16Array or Int8Array", values)
  const a = values as VectorValues
  const n = a.length
  w.u8(14)
  w.len(n) // dimension
  w.u8(tag)
  w.len(n) // element count
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
  if (LITTLE_ENDIAN_HOST || tag === 6) {
    w.raw(bytes)
    return
  }
  // Big-endian host: write element by element through a DataView.
  const dv = new DataView(a.buffer, a.byteOffset, a.byteLength)
  const width = a.BYTES_PER_ELEMENT
  w.ensure(a.byteLength)
  for (let i = 0; i < n; i++) {
    const p = w.length
    switch (tag) {
      case 1:
        w.view.setBigUint64(p, dv.getBigUint64(i * width, false), true)
        break
      case 2:
        w.view.setUint32(p, dv.getUint32(i * width, false), true)
        break
      case 3:
        w.view.setBigUint64(p, dv.getBigUint64(i * width, false), true)
        break
      case 4:
        w.view.setUint32(p, dv.getUint32(i * width, false), true)
        break
      default:
        w.view.setUint16(p, dv.getUint16(i * width, false), true)
    }
    w.length = p + width
  }
}

/**
 * Writes one value (tag + body). Throws EncodeIssue with a path relative to
 * the value. Hot path: no allocation besides what the writer needs.
 */
const writeValueInner = (w: ByteWriter, v: PropertyValue): void => {
  if (typeof v !== "object" || v === null) bad("", "a PropertyValue object", v)
  switch (v._tag) {
    case "Null":
      w.u8(0)
      return
    case "Bool":
      w.u8(1)
      w.u8(checkBool(v.value, ".value") ? 1 : 0)
      return
    case "Int":
      w.u8(2)
      w.i64(checkI64(v.value, ".value"))
      return
    case "Float":
      w.u8(3)
      writeFloatBody(w, v)
      return
    case "String":
      w.u8(4)
      writeStr(w, v.value, ".value")
      return
    case "List": {
      const a = v.value
      if (!Array.isArray(a)) bad(".value", "an array of PropertyValue", a)
      w.u8(5)
      const n = a.length
      w.len(n)
      let i = 0
      try {
        for (; i < n; i++) writeValueInner(w, a[i]!)
      } catch (e) {
        throw atPath(e, `[${i}]`)
      }
      return
    }
    case "Map":
      w.u8(6)
      writeMapBody(w, v.value, ".value", "")
      return
    case "Date":
      w.u8(7)
      w.i32(checkI32(v.year, ".year"))
      w.u32(checkU32(v.month, ".month"))
      w.u32(checkU32(v.day, ".day"))
      return
    case "Time":
      w.u8(8)
      w.u32(checkU32(v.hour, ".hour"))
      w.u32(checkU32(v.minute, ".minute"))
      w.u32(checkU32(v.second, ".second"))
      w.u32(checkU32(v.nanosecond, ".nanosecond"))
      w.i32(checkI32(v.offsetSeconds, ".offsetSeconds"))
      return
    case "LocalTime":
      w.u8(9)
      w.u32(checkU32(v.hour, ".hour"))
      w.u32(checkU32(v.minute, ".minute"))
      w.u32(checkU32(v.second, ".second"))
      w.u32(checkU32(v.nanosecond, ".nanosecond"))
      return
    case "DateTime":
      w.u8(10)
      w.i32(checkI32(v.year, ".year"))
      w.u32(checkU32(v.month, ".month"))
      w.u32(checkU32(v.day, ".day"))
      w.u32(checkU32(v.hour, ".hour"))
      w.u32(checkU32(v.minute, ".minute"))
      w.u32(checkU32(v.second, ".second"))
      w.u32(checkU32(v.nanosecond, ".nanosecond"))
      w.i32(checkI32(v.offsetSeconds, ".offsetSeconds"))
      return
    case "LocalDateTime":
      w.u8(11)
      w.i32(checkI32(v.year, ".year"))
      w.u32(checkU32(v.month, ".month"))
      w.u32(checkU32(v.day, ".day"))
      w.u32(checkU32(v.hour, ".hour"))
      w.u32(checkU32(v.minute, ".minute"))
      w.u32(checkU32(v.second, ".second"))
      w.u32(checkU32(v.nanosecond, ".nanosecond"))
      return
    case "Duration":
      w.u8(12)
      w.i64(checkI64(v.months, ".months"))
      w.i64(checkI64(v.days, ".days"))
      w.i64(checkI64(v.seconds, ".seconds"))
      w.i64(checkI64(v.nanoseconds, ".nanoseconds"))
      return
    case "Point": {
      w.u8(13)
      writeCoord(w, checkNumber(v.x, ".x"))
      writeCoord(w, checkNumber(v.y, ".y"))
      const z = v.z
      if (z === undefined) w.u8(0)
      else {
        w.u8(1)
        writeCoord(w, checkNumber(z, ".z"))
      }
      w.u32(checkU32(v.srid, ".srid"))
      return
    }
    case "Vector":
      writeVector(w, v.values)
      return
    case "Binary": {
      const segs = checkArray(v.segments, ".segments", "an array of Uint8Array")
      w.u8(15)
      const n = segs.length
      w.len(n)
      for (let i = 0; i < n; i++) {
        const s = segs[i]
        if (!(s instanceof Uint8Array)) bad(`.segments[${i}]`, "a Uint8Array", s)
        w.lenBytes(s as Uint8Array)
      }
      return
    }
    default:
      throw new EncodeIssue(`unknown PropertyValue _tag ${tagText(v)}`)
  }
}

/** A Point coordinate or config number: NaN is written as Rust's default NaN (its JS payload is unreliable). */
const writeCoord = (w: ByteWriter, x: number): void => {
  if (x === x) w.f64(x)
  else w.u64(DEFAULT_NAN_BITS)
}

const tagText = (v: unknown): string => {
  const t = (v as { _tag?: unknown })._tag
  return typeof t === "string" ? JSON.stringify(t) : `(${t === undefined ? "missing" : typeof t})`
}

/**
 * Writes a Map / Properties body: `len` + (key, value) sorted by UTF-8 key
 * bytes. One pass when the map already iterates in order (decoded maps and
 * most literal ones); otherwise the keys are sorted and written again.
 * `path` names the map itself (for a non-Map), `keyPath` prefixes its keys.
 */
const writeMapBody = (w: ByteWriter, m: unknown, path: string, keyPath: string): void => {
  if (!(m instanceof Map)) return bad(path, "a ReadonlyMap<string, PropertyValue>", m)
  const map = m as ReadonlyMap<unknown, PropertyValue>
  w.len(map.size)
  // First look at the keys only: in UTF-8 order already (decoded maps, many literal ones), or not.
  let sorted = true
  let prev = ""
  let first = true
  for (const k of map.keys()) {
    if (typeof k !== "string") bad(keyPath + keySegment(k), "a string key", k)
    if (!first && compareUtf8(prev, k as string) >= 0) {
      sorted = false
      break
    }
    first = false
    prev = k as string
  }
  if (sorted) {
    let key: unknown = undefined
    try {
      for (const [k, val] of map) {
        key = k
        writeStr(w, k, "")
        writeValueInner(w, val)
      }
    } catch (e) {
      throw atPath(e, keyPath + keySegment(key))
    }
    return
  }
  const keys: Array<string> = []
  for (const k of map.keys()) {
    if (typeof k !== "string") bad(keyPath + keySegment(k), "a string key", k)
    keys.push(k as string)
  }
  sortUtf8(keys)
  let i = 0
  try {
    for (; i < keys.length; i++) {
      const k = keys[i]!
      writeStr(w, k, "")
      writeValueInner(w, map.get(k)!)
    }
  } catch (e) {
    throw atPath(e, keyPath + keySegment(keys[i]))
  }
}

const writeLabels = (w: ByteWriter, labels: unknown): void => {
  const a = checkArray(labels, ".labels", "an array of strings")
  const n = a.length
  w.len(n)
  for (let i = 0; i < n; i++) {
    const s = a[i]
    if (typeof s !== "string" || !s.isWellFormed()) checkString(s, `.labels[${i}]`)
    w.str(s as string)
  }
}

/** Writes a store-encoded request as LW1 `bytes` (u64 length back-patched). */
const writeEmbedded = <A>(w: ByteWriter, req: A, body: (w: ByteWriter, req: A) => void): void => {
  w.len(0)
  const at = w.length - 8
  try {
    body(w, req)
  } catch (e) {
    throw atPath(e, ".request")
  }
  const n = w.length - at - 8
  w.patchU32(at, n >>> 0)
  w.patchU32(at + 4, Math.floor(n / 0x1_0000_0000))
}

const writeValueField = (w: ByteWriter, v: PropertyValue): void => {
  try {
    writeValueInner(w, v)
  } catch (e) {
    throw atPath(e, ".value")
  }
}

/** Writes one event (tag + fields); throws EncodeIssue with a path relative to the event. */
const writeEventInner = (w: ByteWriter, ev: MutationEvent): void => {
  if (typeof ev !== "object" || ev === null) bad("", "a MutationEvent object", ev)
  switch (ev._tag) {
    case "CreateNode":
      w.u8(1)
      writeU64(w, ev.id, ".id")
      writeLabels(w, ev.labels)
      writeMapBody(w, ev.properties, ".properties", ".properties")
      return
    case "CreateRelationship":
      w.u8(2)
      writeU64(w, ev.id, ".id")
      writeU64(w, ev.src, ".src")
      writeU64(w, ev.dst, ".dst")
      writeStr(w, ev.relType, ".relType")
      writeMapBody(w, ev.properties, ".properties", ".properties")
      return
    case "SetNodeProperty":
      w.u8(3)
      writeU64(w, ev.nodeId, ".nodeId")
      writeStr(w, ev.key, ".key")
      writeValueField(w, ev.value)
      return
    case "RemoveNodeProperty":
      w.u8(4)
      writeU64(w, ev.nodeId, ".nodeId")
      writeStr(w, ev.key, ".key")
      return
    case "AddNodeLabel":
      w.u8(5)
      writeU64(w, ev.nodeId, ".nodeId")
      writeStr(w, ev.label, ".label")
      return
    case "RemoveNodeLabel":
      w.u8(6)
      writeU64(w, ev.nodeId, ".nodeId")
      writeStr(w, ev.label, ".label")
      return
    case "SetRelationshipProperty":
      w.u8(7)
      writeU64(w, ev.relId, ".relId")
      writeStr(w, ev.key, ".key")
      writeValueField(w, ev.value)
      return
    case "RemoveRelationshipProperty":
      w.u8(8)
      writeU64(w, ev.relId, ".relId")
      writeStr(w, ev.key, ".key")
      return
    case "DeleteRelationship":
      w.u8(9)
      writeU64(w, ev.relId, ".relId")
      return
    case "DeleteNode":
      w.u8(10)
      writeU64(w, ev.nodeId, ".nodeId")
      return
    case "DetachDeleteNode":
      w.u8(11)
      writeU64(w, ev.nodeId, ".nodeId")
      return
    case "Clear":
      w.u8(12)
      return
    case "CreateIndex":
      w.u8(13)
      writeEmbedded(w, ev.request, writeIndexRequestInner)
      w.u8(checkBool(ev.ifNotExists, ".ifNotExists") ? 1 : 0)
      return
    case "DropIndex":
      w.u8(14)
      writeStr(w, ev.name, ".name")
      w.u8(checkBool(ev.ifExists, ".ifExists") ? 1 : 0)
      return
    case "CreateConstraint":
      w.u8(15)
      writeEmbedded(w, ev.request, writeConstraintRequestInner)
      w.u8(checkBool(ev.ifNotExists, ".ifNotExists") ? 1 : 0)
      return
    case "DropConstraint":
      w.u8(16)
      writeStr(w, ev.name, ".name")
      w.u8(checkBool(ev.ifExists, ".ifExists") ? 1 : 0)
      return
    default:
      throw new EncodeIssue(`unknown MutationEvent _tag ${tagText(ev)}`)
  }
}

const KNOWN_TAGS: ReadonlySet<unknown> = new Set(MUTATION_TAGS)

/** The event's `_tag` when it is a known one (the path root of encode errors), else "". */
const eventPrefix = (ev: unknown): string => {
  const t = typeof ev === "object" && ev !== null ? (ev as { _tag?: unknown })._tag : undefined
  return KNOWN_TAGS.has(t) ? (t as string) : ""
}

/**
 * Appends one event (tag + fields, no magic) to `w`. Validates the event;
 * on failure throws `CodecFailure("Encode", "<Tag><path>: <problem>")` and the
 * writer may hold a partial event (the envelope writers roll it back).
 */
export const writeEvent = (w: ByteWriter, ev: MutationEvent): void => {
  try {
    writeEventInner(w, ev)
  } catch (e) {
    throw toEncodeFailure(e, eventPrefix(ev), "mutation event")
  }
}

/**
 * Appends one property value (tag + body) to `w`. Throws
 * `CodecFailure("Encode", "value<path>: <problem>")` on an invalid value.
 */
export const writeValue = (w: ByteWriter, v: PropertyValue): void => {
  try {
    writeValueInner(w, v)
  } catch (e) {
    throw toEncodeFailure(e, "value", "property value")
  }
}

/**
 * Appends a single-event payload (magic + event) to `w`, the payload of a
 * Mutation record (kind 1). On failure `w` is rolled back to its previous
 * length and `CodecFailure("Encode", …)` is thrown.
 */
export const writeSingle = (w: ByteWriter, ev: MutationEvent): void => {
  const start = w.length
  try {
    w.raw(LW1_MAGIC)
    writeEventInner(w, ev)
  } catch (e) {
    w.truncate(start)
    throw toEncodeFailure(e, eventPrefix(ev), "mutation event")
  }
}

/**
 * Appends a batch payload (magic + `len` count + events) to `w`, the payload
 * of a MutationBatch record (kind 6). An empty batch fails with
 * `mutation batch must contain at least one event` (lora-wal never writes
 * one). On failure `w` is rolled back; the reason names the event index:
 * `event 3 (CreateNode.id): …`.
 */
export const writeBatch = (w: ByteWriter, events: ReadonlyArray<MutationEvent>): void => {
  if (!Array.isArray(events)) encodeFailure(`mutation batch must be an array, got ${typeof events}`)
  const n = events.length
  if (n === 0) encodeFailure("mutation batch must contain at least one event")
  const start = w.length
  let i = 0
  try {
    w.raw(LW1_MAGIC)
    w.len(n)
    for (; i < n; i++) writeEventInner(w, events[i]!)
  } catch (e) {
    w.truncate(start)
    throw toEncodeFailure(e, eventPrefix(events[i]), "mutation event", `event ${i}: `)
  }
}

/** Encodes one event as a fresh single-event payload (magic + event). Throws `CodecFailure("Encode", …)`. */
export const encodeSingle = (ev: MutationEvent): Uint8Array => {
  const w = new ByteWriter(256)
  writeSingle(w, ev)
  return w.toUint8Array()
}

/** Encodes a non-empty batch as a fresh batch payload. Throws `CodecFailure("Encode", …)`. */
export const encodeBatch = (events: ReadonlyArray<MutationEvent>): Uint8Array => {
  const w = new ByteWriter(1024)
  writeBatch(w, events)
  return w.toUint8Array()
}

// ===========================================================================
// Decoding
// ===========================================================================

const NULL: PropertyValue = Object.freeze({ _tag: "Null" })
const TRUE: PropertyValue = Object.freeze({ _tag: "Bool", value: true })
const FALSE: PropertyValue = Object.freeze({ _tag: "Bool", value: false })

const VECTOR_LABELS = [
  "",
  "float64 vector value",
  "float32 vector value",
  "int64 vector value",
  "int32 vector value",
  "int16 vector value",
  "int8 vector value"
] as const
const VECTOR_WIDTHS = [0, 8, 4, 8, 4, 2, 1] as const

/** Copies `n` elements of width `width` from the reader into a fresh (aligned) typed array. */
const readVectorElements = (r: ByteReader, tag: number, n: number): VectorValues => {
  const width = VECTOR_WIDTHS[tag]!
  const byteLength = n * width
  if (r.remaining < byteLength) decodeFailure(LW1_MESSAGES.truncated)
  const p = r.pos
  r.pos = p + byteLength
  let out: VectorValues
  switch (tag) {
    case 1:
      out = new Float64Array(n)
      break
    case 2:
      out = new Float32Array(n)
      break
    case 3:
      out = new BigInt64Array(n)
      break
    case 4:
      out = new Int32Array(n)
      break
    case 5:
      out = new Int16Array(n)
      break
    default:
      out = new Int8Array(n)
  }
  const dst = new Uint8Array(out.buffer)
  dst.set(r.bytes.subarray(p, p + byteLength))
  if (!LITTLE_ENDIAN_HOST && width > 1) {
    // Swap each element's bytes into host order.
    for (let i = 0; i < byteLength; i += width) dst.subarray(i, i + width).reverse()
  }
  return out
}

const readMapBody = (r: ByteReader, label: string): Map<string, PropertyValue> => {
  const n = r.count(label)
  const m = new Map<string, PropertyValue>()
  for (let i = 0; i < n; i++) {
    const k = r.str()
    m.set(k, readValueInner(r))
  }
  return m
}

const readValueInner = (r: ByteReader): PropertyValue => {
  const t = r.u8()
  switch (t) {
    case 0:
      return NULL
    case 1:
      return r.u8() !== 0 ? TRUE : FALSE
    case 2:
      return { _tag: "Int", value: r.i64() }
    case 3: {
      const value = r.f64()
      if (value === value) return { _tag: "Float", value }
      const nanBits = r.view.getBigUint64(r.pos - 8, true)
      return nanBits === DEFAULT_NAN_BITS ? { _tag: "Float", value } : { _tag: "Float", value, nanBits }
    }
    case 4:
      return { _tag: "String", value: r.str() }
    case 5: {
      const n = r.count("property list value")
      const value = new Array<PropertyValue>(n)
      for (let i = 0; i < n; i++) value[i] = readValueInner(r)
      return { _tag: "List", value }
    }
    case 6:
      return { _tag: "Map", value: readMapBody(r, "property map entry") }
    case 7: {
      const year = r.i32()
      const month = r.u32()
      const day = r.u32()
      return { _tag: "Date", year, month, day }
    }
    case 8: {
      const hour = r.u32()
      const minute = r.u32()
      const second = r.u32()
      const nanosecond = r.u32()
      const offsetSeconds = r.i32()
      return { _tag: "Time", hour, minute, second, nanosecond, offsetSeconds }
    }
    case 9: {
      const hour = r.u32()
      const minute = r.u32()
      const second = r.u32()
      const nanosecond = r.u32()
      return { _tag: "LocalTime", hour, minute, second, nanosecond }
    }
    case 10: {
      const year = r.i32()
      const month = r.u32()
      const day = r.u32()
      const hour = r.u32()
      const minute = r.u32()
      const second = r.u32()
      const nanosecond = r.u32()
      const offsetSeconds = r.i32()
      return { _tag: "DateTime", year, month, day, hour, minute, second, nanosecond, offsetSeconds }
    }
    case 11: {
      const year = r.i32()
      const month = r.u32()
      const day = r.u32()
      const hour = r.u32()
      const minute = r.u32()
      const second = r.u32()
      const nanosecond = r.u32()
      return { _tag: "LocalDateTime", year, month, day, hour, minute, second, nanosecond }
    }
    case 12: {
      const months = r.i64()
      const days = r.i64()
      const seconds = r.i64()
      const nanoseconds = r.i64()
      return { _tag: "Duration", months, days, seconds, nanoseconds }
    }
    case 13: {
      const x = r.f64()
      const y = r.f64()
      const zt = r.u8()
      if (zt === 0) return { _tag: "Point", x, y, srid: r.u32() }
      if (zt !== 1) decodeFailure(`invalid point z-presence tag ${zt}`)
      const z = r.f64()
      return { _tag: "Point", x, y, z, srid: r.u32() }
    }
    case 14: {
      const dimension = r.u64()
      const ct = r.u8()
      if (ct < 1 || ct > 6) decodeFailure(`unknown vector value tag ${ct}`)
      const n = r.count(VECTOR_LABELS[ct]!)
      const values = readVectorElements(r, ct, n)
      if (dimension !== BigInt(n)) decodeFailure(`vector dimension mismatch: declared ${dimension}, got ${n}`)
      return { _tag: "Vector", values }
    }
    case 15: {
      const n = r.count("binary segment")
      const segments = new Array<Uint8Array>(n)
      for (let i = 0; i < n; i++) segments[i] = r.lenBytes().slice()
      return { _tag: "Binary", segments }
    }
    default:
      return decodeFailure(`unknown WAL property value tag ${t}`)
  }
}

const readEmbedded = <A>(
  r: ByteReader,
  what: string,
  decode: (bytes: Uint8Array, start: number, end: number) => A
): A => {
  const n = r.bodyLength()
  const p = r.pos
  r.pos = p + n
  try {
    return decode(r.bytes, p, p + n)
  } catch (e) {
    if (e instanceof CodecFailure) return decodeFailure(`${what} decode failed: ${e.reason}`)
    throw e
  }
}

const readEventInner = (r: ByteReader): MutationEvent => {
  const t = r.u8()
  switch (t) {
    case 1: {
      const id = r.u64()
      const n = r.count("string")
      const labels = new Array<string>(n)
      for (let i = 0; i < n; i++) labels[i] = r.str()
      const properties = readMapBody(r, "property")
      return { _tag: "CreateNode", id, labels, properties }
    }
    case 2: {
      const id = r.u64()
      const src = r.u64()
      const dst = r.u64()
      const relType = r.str()
      const properties = readMapBody(r, "property")
      return { _tag: "CreateRelationship", id, src, dst, relType, properties }
    }
    case 3: {
      const nodeId = r.u64()
      const key = r.str()
      const value = readValueInner(r)
      return { _tag: "SetNodeProperty", nodeId, key, value }
    }
    case 4: {
      const nodeId = r.u64()
      const key = r.str()
      return { _tag: "RemoveNodeProperty", nodeId, key }
    }
    case 5: {
      const nodeId = r.u64()
      const label = r.str()
      return { _tag: "AddNodeLabel", nodeId, label }
    }
    case 6: {
      const nodeId = r.u64()
      const label = r.str()
      return { _tag: "RemoveNodeLabel", nodeId, label }
    }
    case 7: {
      const relId = r.u64()
      const key = r.str()
      const value = readValueInner(r)
      return { _tag: "SetRelationshipProperty", relId, key, value }
    }
    case 8: {
      const relId = r.u64()
      const key = r.str()
      return { _tag: "RemoveRelationshipProperty", relId, key }
    }
    case 9:
      return { _tag: "DeleteRelationship", relId: r.u64() }
    case 10:
      return { _tag: "DeleteNode", nodeId: r.u64() }
    case 11:
      return { _tag: "DetachDeleteNode", nodeId: r.u64() }
    case 12:
      return { _tag: "Clear" }
    case 13: {
      const request = readEmbedded(r, "CreateIndex", decodeIndexRequest)
      return { _tag: "CreateIndex", request, ifNotExists: r.u8() !== 0 }
    }
    case 14: {
      const name = r.str()
      return { _tag: "DropIndex", name, ifExists: r.u8() !== 0 }
    }
    case 15: {
      const request = readEmbedded(r, "CreateConstraint", decodeConstraintRequest)
      return { _tag: "CreateConstraint", request, ifNotExists: r.u8() !== 0 }
    }
    case 16: {
      const name = r.str()
      return { _tag: "DropConstraint", name, ifExists: r.u8() !== 0 }
    }
    default:
      return decodeFailure(`unknown WAL mutation tag ${t}`)
  }
}

const NESTS_TOO_DEEPLY = "WAL mutation payload nests too deeply"

const rethrowDecode = (e: unknown): never => {
  if (e instanceof CodecFailure) throw e
  if (isStackOverflow(e)) throw new CodecFailure("Decode", NESTS_TOO_DEEPLY)
  throw e
}

/**
 * Reads one event at `r.pos` (no magic). `r` should use `LW1_MESSAGES` and
 * have its `origin` at the first byte after the magic. Throws
 * `CodecFailure("Decode", …)` with spec §4.10's messages.
 */
export const readEvent = (r: ByteReader): MutationEvent => {
  try {
    return readEventInner(r)
  } catch (e) {
    return rethrowDecode(e)
  }
}

/** Reads one property value (tag + body) at `r.pos`. Throws `CodecFailure("Decode", …)`. */
export const readValue = (r: ByteReader): PropertyValue => {
  try {
    return readValueInner(r)
  } catch (e) {
    return rethrowDecode(e)
  }
}

const checkMagic = (payload: Uint8Array, start: number, end: number): void => {
  if (
    end - start < 4 ||
    payload[start] !== 0x4c ||
    payload[start + 1] !== 0x57 ||
    payload[start + 2] !== 0x31 ||
    payload[start + 3] !== 0x00
  ) {
    decodeFailure("WAL mutation payload has bad magic")
  }
}

/**
 * Decodes `payload[start, end)` as a single-event payload (magic + one
 * event), consuming it exactly: `WAL mutation payload has bad magic`,
 * `trailing bytes in WAL mutation payload: <k>` and the other §4.10 messages
 * as `CodecFailure("Decode", …)`.
 */
export const readSingle = (payload: Uint8Array, start = 0, end = payload.length): MutationEvent => {
  checkMagic(payload, start, end)
  const r = new ByteReader(payload, LW1_MESSAGES, start + 4, end, start + 4)
  let ev: MutationEvent
  try {
    ev = readEventInner(r)
  } catch (e) {
    return rethrowDecode(e)
  }
  if (r.pos !== end) decodeFailure(`trailing bytes in WAL mutation payload: ${end - r.pos}`)
  return ev
}

/**
 * Decodes `payload[start, end)` as a batch payload (magic + `len` count +
 * events), consuming it exactly. A count of 0 decodes to `[]`. The count is
 * bounded by the remaining bytes (`WAL event count <n> exceeds remaining WAL
 * payload`). Throws `CodecFailure("Decode", …)`.
 */
export const readBatch = (payload: Uint8Array, start = 0, end = payload.length): Array<MutationEvent> => {
  checkMagic(payload, start, end)
  const r = new ByteReader(payload, LW1_MESSAGES, start + 4, end, start + 4)
  let out: Array<MutationEvent>
  try {
    const n = r.count("WAL event")
    out = new Array<MutationEvent>(n)
    for (let i = 0; i < n; i++) out[i] = readEventInner(r)
  } catch (e) {
    return rethrowDecode(e)
  }
  if (r.pos !== end) decodeFailure(`trailing bytes in WAL mutation payload: ${end - r.pos}`)
  return out
}

/** `readSingle` over a whole buffer. */
export const decodeSingle = (payload: Uint8Array): MutationEvent => readSingle(payload, 0, payload.length)

/** `readBatch` over a whole buffer. */
export const decodeBatch = (payload: Uint8Array): Array<MutationEvent> => readBatch(payload, 0, payload.length)

// ===========================================================================
// EventCodec
// ===========================================================================

/**
 * LoraDB's LW1 codec as the log's {@link EventCodec}: byte-compatible with
 * lora-wal 0.15 for both payload kinds (Mutation and MutationBatch).
 */
export const LW1Codec: EventCodec<MutationEvent> = {
  name: "LW1",
  schema: MutationEvent,
  writeSingle,
  writeBatch,
  readSingle,
  readBatch
}

// ===========================================================================
// Schema transformations
// ===========================================================================

/** Issues created from codec failures, so the exact reason can be recovered. */
const codecIssues = new WeakMap<object, CodecFailure>()

const issueFrom = (e: unknown, input: unknown): SchemaIssue.Issue => {
  if (!(e instanceof CodecFailure)) throw e
  const issue = new SchemaIssue.InvalidValue({ message: e.reason }, input)
  codecIssues.set(issue, e)
  return issue
}

const attempt = <A>(f: () => A, input: unknown): Effect.Effect<A, SchemaIssue.Issue> => {
  try {
    return Effect.succeed(f())
  } catch (e) {
    return Effect.fail(issueFrom(e, input))
  }
}

/**
 * `Uint8Array` ↔ {@link MutationEvent}: a single-event LW1 payload (magic +
 * event) as a Schema transformation. Decoding failures are `InvalidValue`
 * issues whose message is the exact lora-wal reason (spec §4.10); encoding
 * first validates the event against the `MutationEvent` Schema.
 */
export const MutationEventFromBytes = Schema.Uint8Array.pipe(
  Schema.decodeTo(
    MutationEvent,
    SchemaTransformation.transformEffect({
      decode: (bytes: Uint8Array) => attempt(() => decodeSingle(bytes), bytes),
      encode: (ev: MutationEvent) => attempt(() => encodeSingle(ev), ev)
    })
  )
)

/**
 * `Uint8Array` ↔ `ReadonlyArray<MutationEvent>`: a batch LW1 payload (magic
 * + count + events). Decoding accepts a count of 0; encoding an empty array
 * fails (`mutation batch must contain at least one event`).
 */
export const MutationBatchFromBytes = Schema.Uint8Array.pipe(
  Schema.decodeTo(
    Schema.Array(MutationEvent),
    SchemaTransformation.transformEffect({
      decode: (bytes: Uint8Array) => attempt((): ReadonlyArray<MutationEvent> => decodeBatch(bytes), bytes),
      encode: (events: ReadonlyArray<MutationEvent>) => attempt(() => encodeBatch(events), events)
    })
  )
)

const findCodecFailure = (issue: SchemaIssue.Issue): CodecFailure | undefined => {
  const direct = codecIssues.get(issue)
  if (direct !== undefined) return direct
  switch (issue._tag) {
    case "Filter":
    case "Encoding":
    case "Pointer":
      return findCodecFailure(issue.issue)
    case "Composite":
    case "AnyOf":
      for (const i of issue.issues) {
        const f = findCodecFailure(i)
        if (f !== undefined) return f
      }
      return undefined
    default:
      return undefined
  }
}

/**
 * Maps a `Schema.SchemaError` from {@link MutationEventFromBytes} /
 * {@link MutationBatchFromBytes} into a `WalError`: `kind` says which
 * direction failed (`"Decode"` → `WalError.Decode`, `"Encode"` →
 * `WalError.Encode`). When the issue came from the LW1 codec its reason is the
 * exact codec text (e.g. `trailing bytes in WAL mutation payload: 2`);
 * otherwise (input not a `Uint8Array`, an event failing its Schema) it is the
 * Schema error's message.
 */
export const walErrorFromSchemaError = <K extends "Decode" | "Encode">(
  error: Schema.SchemaError,
  kind: K
): K extends "Decode" ? WalError.Decode : WalError.Encode => {
  const reason = findCodecFailure(error.issue)?.reason ?? error.message
  return (kind === "Decode" ? new WalError.Decode({ reason }) : new WalError.Encode({ reason })) as never
}

const decodeEventSchema = Schema.decodeUnknownEffect(MutationEventFromBytes)
const encodeEventSchema = Schema.encodeEffect(MutationEventFromBytes)
const decodeBatchSchema = Schema.decodeUnknownEffect(MutationBatchFromBytes)
const encodeBatchSchema = Schema.encodeEffect(MutationBatchFromBytes)

/** Decodes a single-event payload through {@link MutationEventFromBytes}; fails with `WalError.Decode`. */
export const decodeEventEffect = (bytes: Uint8Array): Effect.Effect<MutationEvent, WalError.Decode> =>
  Effect.mapError(decodeEventSchema(bytes), (e) => walErrorFromSchemaError(e, "Decode"))

/** Encodes one event through {@link MutationEventFromBytes} (Schema-validated); fails with `WalError.Encode`. */
export const encodeEventEffect = (ev: MutationEvent): Effect.Effect<Uint8Array, WalError.Encode> =>
  Effect.mapError(encodeEventSchema(ev), (e) => walErrorFromSchemaError(e, "Encode"))

/** Decodes a batch payload through {@link MutationBatchFromBytes}; fails with `WalError.Decode`. */
export const decodeBatchEffect = (bytes: Uint8Array): Effect.Effect<ReadonlyArray<MutationEvent>, WalError.Decode> =>
  Effect.mapError(decodeBatchSchema(bytes), (e) => walErrorFromSchemaError(e, "Decode"))

/** Encodes a batch through {@link MutationBatchFromBytes} (Schema-validated); fails with `WalError.Encode`. */
export const encodeBatchEffect = (events: ReadonlyArray<MutationEvent>): Effect.Effect<Uint8Array, WalError.Encode> =>
  Effect.mapError(encodeBatchSchema(events), (e) => walErrorFromSchemaError(e, "Encode"))
