/**
 * Property tests (fast-check, 1,000 runs each) for the LW1 codec:
 * round trips of arbitrary events of every variant with edge values, byte
 * stability of re-encoding, UTF-8 key order, and robustness of the decoder
 * on arbitrary and damaged input (a value or a `Decode` CodecFailure, never
 * anything else).
 *
 * The arbitraries generate valid events in canonical form, so that
 * `decode(encode(x))` deep-equals `x`: a NaN `Float` carries `nanBits` only
 * when its bits differ from Rust's default NaN.
 */
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import type { ConfigValue, ConstraintKind, ConstraintRequest, IndexRequest, PropertyTypeTerm } from "../../src/event/Ddl.js"
import { ENTITY_KINDS, INDEX_KINDS, SCALAR_TYPES, VECTOR_COORDS } from "../../src/event/Ddl.js"
import type { MutationEvent } from "../../src/event/MutationEvent.js"
import type { PropertyValue, VectorValues } from "../../src/event/PropertyValue.js"

import { CodecFailure } from "../../src/format/Bytes.js"
import { decodeBatch, decodeSingle, encodeBatch, encodeSingle } from "../../src/event/LW1.js"
import { deepEqual } from "../support/serde.js"

const RUNS = { numRuns: 1000 }
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex")

/** Runs `f`; returns normally on success or on a Decode CodecFailure, rethrows anything else. */
const decodesOrFailsCleanly = (f: () => unknown): boolean => {
  try {
    f()
    return true
  } catch (e) {
    if (e instanceof CodecFailure && e.kind === "Decode") return false
    throw e
  }
}

/** Every Map reachable from a decoded event iterates in strictly ascending UTF-8 key order. */
const mapsSorted = (x: unknown): boolean => {
  if (typeof x !== "object" || x === null || ArrayBuffer.isView(x)) return true
  if (x instanceof Map) {
    const keys = [...x.keys()] as Array<string>
    for (let i = 1; i < keys.length; i++) {
      if (Buffer.compare(Buffer.from(keys[i - 1]!, "utf8"), Buffer.from(keys[i]!, "utf8")) >= 0) return false
    }
    return [...x.values()].every(mapsSorted)
  }
  return Object.values(x).every(mapsSorted)
}

const U64_MAX = 2n ** 64n - 1n
const I64_MIN = -(2n ** 63n)
const I64_MAX = 2n ** 63n - 1n

const u64 = fc.oneof(
  fc.bigInt({ min: 0n, max: U64_MAX }),
  fc.constantFrom(0n, 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n, U64_MAX),
  fc.bigInt({ min: 0n, max: 1000n })
)
const i64 = fc.oneof(
  fc.bigInt({ min: I64_MIN, max: I64_MAX }),
  fc.constantFrom(I64_MIN, I64_MAX, 0n, -1n, 1n, -(2n ** 53n) - 1n, 2n ** 53n + 1n)
)
const u32 = fc.oneof(fc.integer({ min: 0, max: 0xffff_ffff }), fc.constantFrom(0, 0xffff_ffff, 1))
const i32 = fc.oneof(fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }), fc.constantFrom(-0x8000_0000, 0x7fff_ffff, 0))

/** Well-formed strings: ASCII, any code point (astral included), graphemes, edge constants. */
const str = (huge = true): fc.Arbitrary<string> =>
  fc.oneof(
    { arbitrary: fc.string({ maxLength: 12 }), weight: 4 },
    { arbitrary: fc.string({ unit: "binary", maxLength: 12 }), weight: 3 },
    { arbitrary: fc.string({ unit: "grapheme", maxLength: 6 }), weight: 1 },
    {
      arbitrary: fc.constantFrom("", "\0", "a\u0000b", "\u{1F600}", "\uFF61", "\uFFFF", "\u{10FFFF}", "é", "日本語"),
      weight: 2
    },
    ...(huge
      ? [{ arbitrary: fc.constantFrom("x".repeat(70_000), "\u{1F680}é".repeat(20_000)), weight: 1 } as const]
      : [])
  )

/** Map keys: strings, integer-like keys, non-BMP keys. */
const key = (huge = false): fc.Arbitrary<string> =>
  fc.oneof(
    str(huge),
    fc.nat({ max: 200 }).map(String),
    fc.constantFrom("10", "9", "0", "01", "a", "B", "\u{1F600}", "\uFF61", "\uFF5E", "\uE000", "\uD7FF")
  )

const NAN_DEFAULT = 0x7ff8_0000_0000_0000n
const f64FromBits = (bits: bigint): number => {
  const dv = new DataView(new ArrayBuffer(8))
  dv.setBigUint64(0, bits, true)
  return dv.getFloat64(0, true)
}

/** Floats: doubles with every edge (±0, ±Infinity, subnormals, extremes), and NaNs with arbitrary payloads. */
const floatValue: fc.Arbitrary<PropertyValue> = fc.oneof(
  fc.double().map((value): PropertyValue => ({ _tag: "Float", value })),
  fc
    .constantFrom(0, -0, Infinity, -Infinity, NaN, 5e-324, -5e-324, 2.2250738585072014e-308, Number.MAX_VALUE, -Number.MAX_VALUE)
    .map((value): PropertyValue => ({ _tag: "Float", value })),
  fc.tuple(fc.boolean(), fc.bigInt({ min: 1n, max: (1n << 52n) - 1n })).map(([neg, mantissa]): PropertyValue => {
    const bits = (neg ? 1n << 63n : 0n) | 0x7ff0_0000_0000_0000n | mantissa
    const value = f64FromBits(bits)
    return bits === NAN_DEFAULT ? { _tag: "Float", value } : { _tag: "Float", value, nanBits: bits }
  })
)

const typedFromBytes = <T extends VectorValues>(
  width: number,
  make: (b: ArrayBuffer) => T
): fc.Arbitrary<T> =>
  fc.nat({ max: 12 }).chain((n) =>
    fc.uint8Array({ minLength: n * width, maxLength: n * width }).map((u) => make(u.slice().buffer))
  )

/** Vector storage of all six coordinate types; float ones also from raw bits (NaN payloads). */
const vectorValues: fc.Arbitrary<VectorValues> = fc.oneof(
  fc.float64Array({ maxLength: 12 }),
  fc.float32Array({ maxLength: 12 }),
  fc.bigInt64Array({ maxLength: 12 }),
  fc.int32Array({ maxLength: 12 }),
  fc.int16Array({ maxLength: 12 }),
  fc.int8Array({ maxLength: 12 }),
  typedFromBytes(8, (b) => new Float64Array(b)),
  typedFromBytes(4, (b) => new Float32Array(b)),
  typedFromBytes(8, (b) => new BigInt64Array(b))
)

const point: fc.Arbitrary<PropertyValue> = fc.record(
  { x: fc.double(), y: fc.double(), z: fc.option(fc.double(), { nil: undefined }), srid: fc.oneof(u32, fc.constantFrom(7203, 9157, 4326, 4979)) }
).map(({ x, y, z, srid }): PropertyValue => (z === undefined ? { _tag: "Point", x, y, srid } : { _tag: "Point", x, y, z, srid }))

/** Scalar (non-container) values of every kind. */
const leafValue = (huge = true): fc.Arbitrary<PropertyValue> =>
  fc.oneof(
    fc.constant<PropertyValue>({ _tag: "Null" }),
    fc.boolean().map((value): PropertyValue => ({ _tag: "Bool", value })),
    i64.map((value): PropertyValue => ({ _tag: "Int", value })),
    floatValue,
    str(huge).map((value): PropertyValue => ({ _tag: "String", value })),
    fc.record({ year: i32, month: u32, day: u32 }).map((f): PropertyValue => ({ _tag: "Date", ...f })),
    fc
      .record({ hour: u32, minute: u32, second: u32, nanosecond: u32, offsetSeconds: i32 })
      .map((f): PropertyValue => ({ _tag: "Time", ...f })),
    fc.record({ hour: u32, minute: u32, second: u32, nanosecond: u32 }).map((f): PropertyValue => ({ _tag: "LocalTime", ...f })),
    fc
      .record({ year: i32, month: u32, day: u32, hour: u32, minute: u32, second: u32, nanosecond: u32, offsetSeconds: i32 })
      .map((f): PropertyValue => ({ _tag: "DateTime", ...f })),
    fc
      .record({ year: i32, month: u32, day: u32, hour: u32, minute: u32, second: u32, nanosecond: u32 })
      .map((f): PropertyValue => ({ _tag: "LocalDateTime", ...f })),
    fc.record({ months: i64, days: i64, seconds: i64, nanoseconds: i64 }).map((f): PropertyValue => ({ _tag: "Duration", ...f })),
    point,
    vectorValues.map((values): PropertyValue => ({ _tag: "Vector", values })),
    fc.array(fc.uint8Array({ maxLength: 10 }), { maxLength: 5 }).map((segments): PropertyValue => ({ _tag: "Binary", segments }))
  )

const toMap = <V>(entries: ReadonlyArray<readonly [string, V]>): Map<string, V> => new Map(entries)

/** Any property value, nested up to a few levels (maps built in arbitrary key order). */
const propertyValue = (huge = true): fc.Arbitrary<PropertyValue> =>
  fc.letrec<{ value: PropertyValue }>((tie) => ({
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      { arbitrary: leafValue(huge), weight: 6 },
      { arbitrary: fc.array(tie("value"), { maxLength: 4 }).map((value): PropertyValue => ({ _tag: "List", value })), weight: 1 },
      {
        arbitrary: fc
          .array(fc.tuple(key(), tie("value")), { maxLength: 4 })
          .map((entries): PropertyValue => ({ _tag: "Map", value: toMap(entries) })),
        weight: 1
      }
    )
  })).value

/** Values nested 40..60 levels deep (lists and maps mixed). */
const deepValue: fc.Arbitrary<PropertyValue> = fc
  .tuple(fc.array(fc.tuple(fc.boolean(), key()), { minLength: 40, maxLength: 60 }), leafValue(false))
  .map(([wraps, leaf]) =>
    wraps.reduce<PropertyValue>(
      (inner, [asList, k]) =>
        asList ? { _tag: "List", value: [inner] } : { _tag: "Map", value: new Map([[k, inner]]) },
      leaf
    )
  )

const props = (huge = true): fc.Arbitrary<ReadonlyMap<string, PropertyValue>> =>
  fc.array(fc.tuple(key(), propertyValue(huge)), { maxLength: 6 }).map(toMap)

// --- DDL ---------------------------------------------------------------------

const configValue: fc.Arbitrary<ConfigValue> = fc.letrec<{ v: ConfigValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small" },
    fc.double().map((value): ConfigValue => ({ _tag: "Number", value })),
    i64.map((value): ConfigValue => ({ _tag: "Integer", value })),
    str(false).map((value): ConfigValue => ({ _tag: "String", value })),
    fc.boolean().map((value): ConfigValue => ({ _tag: "Bool", value })),
    fc.constant<ConfigValue>({ _tag: "Null" }),
    fc.array(tie("v"), { maxLength: 3 }).map((value): ConfigValue => ({ _tag: "List", value })),
    fc.array(fc.tuple(key(), tie("v")), { maxLength: 3 }).map((e): ConfigValue => ({ _tag: "Map", value: toMap(e) }))
  )
})).v

const indexRequest: fc.Arbitrary<IndexRequest> = fc
  .record({
    explicitName: fc.option(str(false), { nil: undefined }),
    kind: fc.constantFrom(...INDEX_KINDS),
    entity: fc.constantFrom(...ENTITY_KINDS),
    label: fc.option(str(false), { nil: undefined }),
    additionalLabels: fc.array(str(false), { maxLength: 3 }),
    properties: fc.array(str(false), { maxLength: 3 }),
    options: fc.array(fc.tuple(key(), configValue), { maxLength: 4 }).map(toMap)
  })
  .map(({ explicitName, label, ...rest }): IndexRequest => ({
    ...(explicitName !== undefined ? { explicitName } : {}),
    ...rest,
    ...(label !== undefined ? { label } : {})
  }))

const term: fc.Arbitrary<PropertyTypeTerm> = fc.letrec<{ t: PropertyTypeTerm }>((tie) => ({
  t: fc.oneof(
    { depthSize: "small" },
    fc.constantFrom(...SCALAR_TYPES).map((scalar): PropertyTypeTerm => ({ _tag: "Scalar", scalar })),
    fc.tuple(fc.boolean(), tie("t")).map(([notNull, inner]): PropertyTypeTerm => ({ _tag: "List", notNull, inner })),
    fc
      .tuple(fc.constantFrom(...VECTOR_COORDS), u32)
      .map(([coord, dimension]): PropertyTypeTerm => ({ _tag: "Vector", coord, dimension }))
  )
})).t

const constraintKind: fc.Arbitrary<ConstraintKind> = fc.oneof(
  fc.constantFrom<ConstraintKind>({ _tag: "Unique" }, { _tag: "Existence" }, { _tag: "NodeKey" }, { _tag: "RelationshipKey" }),
  fc.array(term, { maxLength: 4 }).map((alternatives): ConstraintKind => ({ _tag: "PropertyType", alternatives }))
)

const constraintRequest: fc.Arbitrary<ConstraintRequest> = fc.record({
  name: str(false),
  kind: constraintKind,
  entity: fc.constantFrom(...ENTITY_KINDS),
  label: str(false),
  properties: fc.array(str(false), { maxLength: 3 })
})

// --- Events --------------------------------------------------------------------

/** Every MutationEvent variant. `huge` allows ~100 KB strings. */
const mutationEvent = (huge = true): fc.Arbitrary<MutationEvent> => {
  const s = str(huge)
  const value = fc.oneof({ arbitrary: propertyValue(huge), weight: 5 }, { arbitrary: deepValue, weight: 1 })
  return fc.oneof(
    fc
      .record({ id: u64, labels: fc.array(s, { maxLength: 4 }), properties: props(huge) })
      .map((f): MutationEvent => ({ _tag: "CreateNode", ...f })),
    fc
      .record({ id: u64, src: u64, dst: u64, relType: s, properties: props(huge) })
      .map((f): MutationEvent => ({ _tag: "CreateRelationship", ...f })),
    fc.record({ nodeId: u64, key: s, value }).map((f): MutationEvent => ({ _tag: "SetNodeProperty", ...f })),
    fc.record({ nodeId: u64, key: s }).map((f): MutationEvent => ({ _tag: "RemoveNodeProperty", ...f })),
    fc.record({ nodeId: u64, label: s }).map((f): MutationEvent => ({ _tag: "AddNodeLabel", ...f })),
    fc.record({ nodeId: u64, label: s }).map((f): MutationEvent => ({ _tag: "RemoveNodeLabel", ...f })),
    fc.record({ relId: u64, key: s, value }).map((f): MutationEvent => ({ _tag: "SetRelationshipProperty", ...f })),
    fc.record({ relId: u64, key: s }).map((f): MutationEvent => ({ _tag: "RemoveRelationshipProperty", ...f })),
    u64.map((relId): MutationEvent => ({ _tag: "DeleteRelationship", relId })),
    u64.map((nodeId): MutationEvent => ({ _tag: "DeleteNode", nodeId })),
    u64.map((nodeId): MutationEvent => ({ _tag: "DetachDeleteNode", nodeId })),
    fc.constant<MutationEvent>({ _tag: "Clear" }),
    fc.record({ request: indexRequest, ifNotExists: fc.boolean() }).map((f): MutationEvent => ({ _tag: "CreateIndex", ...f })),
    fc.record({ name: s, ifExists: fc.boolean() }).map((f): MutationEvent => ({ _tag: "DropIndex", ...f })),
    fc
      .record({ request: constraintRequest, ifNotExists: fc.boolean() })
      .map((f): MutationEvent => ({ _tag: "CreateConstraint", ...f })),
    fc.record({ name: s, ifExists: fc.boolean() }).map((f): MutationEvent => ({ _tag: "DropConstraint", ...f }))
  )
}

describe("LW1 properties", () => {
  it("decode(encode(x)) deep-equals x for every event variant", () => {
    fc.assert(
      fc.property(mutationEvent(), (ev) => {
        const decoded = decodeSingle(encodeSingle(ev))
        return deepEqual(decoded, ev) && mapsSorted(decoded)
      }),
      RUNS
    )
  })

  it("encode(decode(encode(x))) is byte-identical", () => {
    fc.assert(
      fc.property(mutationEvent(), (ev) => {
        const once = encodeSingle(ev)
        return hex(encodeSingle(decodeSingle(once))) === hex(once)
      }),
      RUNS
    )
  })

  it("batches round-trip and re-encode byte-identically", () => {
    fc.assert(
      fc.property(fc.array(mutationEvent(false), { minLength: 1, maxLength: 8 }), (events) => {
        const bytes = encodeBatch(events)
        const decoded = decodeBatch(bytes)
        return deepEqual(decoded, events) && hex(encodeBatch(decoded)) === hex(bytes)
      }),
      RUNS
    )
  })

  it("deeply nested values (40-60 levels) round-trip", () => {
    fc.assert(
      fc.property(deepValue, (value) => {
        const ev: MutationEvent = { _tag: "SetRelationshipProperty", relId: 1n, key: "deep", value }
        const bytes = encodeSingle(ev)
        return deepEqual(decodeSingle(bytes), ev) && hex(encodeSingle(decodeSingle(bytes))) === hex(bytes)
      }),
      RUNS
    )
  })

  it("map entries are written in UTF-8 byte order whatever the insertion order", () => {
    fc.assert(
      fc.property(fc.uniqueArray(key(), { maxLength: 12 }), (keys) => {
        const value: PropertyValue = { _tag: "Map", value: new Map(keys.map((k) => [k, { _tag: "Null" }] as const)) }
        const ev = decodeSingle(encodeSingle({ _tag: "SetNodeProperty", nodeId: 0n, key: "", value }))
        if (ev._tag !== "SetNodeProperty" || ev.value._tag !== "Map") return false
        const expected = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8")))
        return JSON.stringify([...ev.value.value.keys()]) === JSON.stringify(expected)
      }),
      RUNS
    )
  })

  it("decoding arbitrary bytes yields an event or a Decode failure", () => {
    const magic = Uint8Array.of(0x4c, 0x57, 0x31, 0x00)
    const withMagic = (b: Uint8Array) => {
      const out = new Uint8Array(b.length + 4)
      out.set(magic)
      out.set(b, 4)
      return out
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, prefix) => {
        const payload = prefix ? withMagic(bytes) : bytes
        decodesOrFailsCleanly(() => decodeSingle(payload))
        decodesOrFailsCleanly(() => decodeBatch(payload))
        return true
      }),
      RUNS
    )
  })

  it("decoding arbitrary bytes after a plausible event tag yields an event or a Decode failure", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 17 }), fc.uint8Array({ maxLength: 120 }), (tag, body) => {
        const payload = Uint8Array.from([0x4c, 0x57, 0x31, 0x00, tag, ...body])
        decodesOrFailsCleanly(() => decodeSingle(payload))
        return true
      }),
      RUNS
    )
  })

  it("every strict prefix of a valid payload fails with a Decode failure", () => {
    fc.assert(
      fc.property(mutationEvent(false), fc.boolean(), (ev, asBatch) => {
        const bytes = asBatch ? encodeBatch([ev]) : encodeSingle(ev)
        const decode = asBatch ? decodeBatch : decodeSingle
        const step = bytes.length > 4000 ? Math.ceil(bytes.length / 4000) : 1
        for (let n = 0; n < bytes.length; n += step) {
          if (decodesOrFailsCleanly(() => decode(bytes.subarray(0, n)))) return false
        }
        return true
      }),
      RUNS
    )
  })

  it("a valid payload with one byte changed yields an event or a Decode failure", () => {
    fc.assert(
      fc.property(
        mutationEvent(false),
        fc.boolean(),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (ev, asBatch, at, xor) => {
          const bytes = (asBatch ? encodeBatch([ev]) : encodeSingle(ev)).slice()
          const i = at % bytes.length
          bytes[i] = bytes[i]! ^ xor
          decodesOrFailsCleanly(() => (asBatch ? decodeBatch(bytes) : decodeSingle(bytes)))
          return true
        }
      ),
      RUNS
    )
  })

  it("a valid payload with one byte changed at every position yields an event or a Decode failure", () => {
    fc.assert(
      fc.property(mutationEvent(false), fc.integer({ min: 1, max: 255 }), (ev, xor) => {
        const bytes = encodeSingle(ev)
        const step = bytes.length > 2000 ? Math.ceil(bytes.length / 2000) : 1
        for (let i = 0; i < bytes.length; i += step) {
          const copy = bytes.slice()
          copy[i] = copy[i]! ^ xor
          decodesOrFailsCleanly(() => decodeSingle(copy))
        }
        return true
      }),
      RUNS
    )
  })

  it("the arbitraries cover every variant", () => {
    const tags = new Set<string>()
    const valueTags = new Set<string>()
    const visit = (v: PropertyValue): void => {
      valueTags.add(v._tag)
      if (v._tag === "List") v.value.forEach(visit)
      if (v._tag === "Map") v.value.forEach(visit)
    }
    for (const ev of fc.sample(mutationEvent(false), { numRuns: 3000, seed: 42 })) {
      tags.add(ev._tag)
      if (ev._tag === "SetNodeProperty" || ev._tag === "SetRelationshipProperty") visit(ev.value)
      if (ev._tag === "CreateNode" || ev._tag === "CreateRelationship") ev.properties.forEach(visit)
    }
    expect(tags.size).toBe(16)
    expect(valueTags.size).toBe(16)
  })
})
