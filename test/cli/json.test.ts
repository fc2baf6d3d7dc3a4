/**
 * The JSON form of MutationEvent (`src/event/Json.ts`, what `effect-wal dump`
 * prints): for arbitrary events — every variant, every PropertyValue, DDL
 * requests, -0, ±Infinity, NaN payloads (Float.nanBits and raw vector bits),
 * integer-like map keys, empty binary segments — the text round trip
 * `eventFromJson(JSON.parse(JSON.stringify(eventToJson(e))))` gives back an
 * event equal to `e` (map key order included) that encodes to the same LW1
 * bytes; the fixtures' events do too; the documented spellings hold; bad
 * input is rejected with the path of the problem.
 */
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import type { ConfigValue, ConstraintKind, ConstraintRequest, IndexRequest, PropertyTypeTerm } from "../../src/event/Ddl.js"
import { ENTITY_KINDS, INDEX_KINDS, SCALAR_TYPES, VECTOR_COORDS } from "../../src/event/Ddl.js"
import { eventFromJson, EventJsonError, eventToJson, valueFromJson, valueToJson } from "../../src/event/Json.js"
import { encodeSingle, LW1Codec } from "../../src/event/LW1.js"
import type { MutationEvent } from "../../src/event/MutationEvent.js"
import type { PropertyValue, VectorValues } from "../../src/event/PropertyValue.js"
import { ByteWriter } from "../../src/format/Bytes.js"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { FIXTURES_DIR, loadFixture } from "../support/fixtures.js"

// ---------------------------------------------------------------------------
// Strict equality: like test/support/serde.ts's deepEqual, but Maps must also
// iterate in the same order (the JSON form promises to keep it).

const sameOrdered = (a: unknown, b: unknown): boolean => {
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) return Object.is(a, b)
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.constructor !== b.constructor) return false
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
    const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
    return x.length === y.length && x.every((v, i) => v === y[i])
  }
  if (a instanceof Map || b instanceof Map) {
    if (!(a instanceof Map) || !(b instanceof Map) || a.size !== b.size) return false
    const ea = [...a]
    const eb = [...b]
    return ea.every(([k, v], i) => eb[i]![0] === k && sameOrdered(v, eb[i]![1]))
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false
    return a.every((v, i) => sameOrdered(v, b[i]))
  }
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  if (ka.length !== kb.length) return false
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameOrdered((a as never)[k], (b as never)[k]))
}

const throughText = (ev: MutationEvent): MutationEvent => eventFromJson(JSON.parse(JSON.stringify(eventToJson(ev))))

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex")

const encodeBatchBytes = (events: ReadonlyArray<MutationEvent>): Uint8Array => {
  const w = new ByteWriter()
  LW1Codec.writeBatch(w, events)
  return w.bytes()
}

// ---------------------------------------------------------------------------
// Arbitraries

const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })
const i64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
const u32 = fc.integer({ min: 0, max: 0xffff_ffff })
const i32 = fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff })
const text = fc.string({ unit: "binary", maxLength: 6 }).filter((s) => s.isWellFormed())
/** Keys: any text, plus integer-like ones (a JS object would reorder those) and keys that sort differently in UTF-16 and UTF-8. */
const key = fc.oneof(text, fc.nat(20).map(String), fc.constantFrom("\u{FF61}", "\u{1F600}", "", "a", "B"))
const double = fc.oneof(
  { weight: 4, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom(-0, 0, NaN, Infinity, -Infinity, Number.MIN_VALUE, -Number.MAX_VALUE, 0.1, 1e21) }
)
/** NaN bit patterns other than (and including) the default one, either sign. */
const nanBits = fc
  .tuple(fc.bigInt({ min: 1n, max: 2n ** 52n - 1n }), fc.boolean())
  .map(([mantissa, negative]) => (negative ? 1n << 63n : 0n) | 0x7ff0_0000_0000_0000n | mantissa)

/** Raw f64 / f32 bit patterns, weighted towards NaN payloads, -0 and infinities (random bits rarely hit them). */
const f64Bits = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  nanBits,
  fc.constantFrom(0x8000_0000_0000_0000n, 0x7ff0_0000_0000_0000n, 0xfff0_0000_0000_0000n, 0x7ff8_0000_0000_0000n, 1n)
)
const f32Bits = fc.oneof(
  fc.integer({ min: 0, max: 0xffff_ffff }),
  fc.tuple(fc.integer({ min: 1, max: 0x7f_ffff }), fc.boolean()).map(([m, neg]) => ((neg ? 0x8000_0000 : 0) | 0x7f80_0000 | m) >>> 0),
  fc.constantFrom(0x8000_0000, 0x7f80_0000, 0xff80_0000, 0x7fc0_0000, 1)
)

const vector: fc.Arbitrary<VectorValues> = fc.oneof(
  fc.array(f64Bits, { maxLength: 5 }).map((bits) => {
    const out = new Float64Array(bits.length)
    bits.forEach((b, i) => new DataView(out.buffer).setBigUint64(i * 8, b, true))
    return out
  }),
  fc.array(f32Bits, { maxLength: 5 }).map((bits) => {
    const out = new Float32Array(bits.length)
    bits.forEach((b, i) => new DataView(out.buffer).setUint32(i * 4, b, true))
    return out
  }),
  fc.array(i64, { maxLength: 5 }).map((xs) => BigInt64Array.from(xs)),
  fc.array(i32, { maxLength: 5 }).map((xs) => Int32Array.from(xs)),
  fc.array(fc.integer({ min: -0x8000, max: 0x7fff }), { maxLength: 5 }).map((xs) => Int16Array.from(xs)),
  fc.array(fc.integer({ min: -0x80, max: 0x7f }), { maxLength: 5 }).map((xs) => Int8Array.from(xs))
)

const scalarValue: fc.Arbitrary<PropertyValue> = fc.oneof(
  fc.constant<PropertyValue>({ _tag: "Null" }),
  fc.boolean().map((value): PropertyValue => ({ _tag: "Bool", value })),
  i64.map((value): PropertyValue => ({ _tag: "Int", value })),
  double.map((value): PropertyValue => ({ _tag: "Float", value })),
  nanBits.map((bits): PropertyValue => ({ _tag: "Float", value: NaN, nanBits: bits })),
  text.map((value): PropertyValue => ({ _tag: "String", value })),
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
  fc
    .tuple(double, double, fc.option(double, { nil: undefined }), u32)
    .map(([x, y, z, srid]): PropertyValue => (z === undefined ? { _tag: "Point", x, y, srid } : { _tag: "Point", x, y, z, srid })),
  vector.map((values): PropertyValue => ({ _tag: "Vector", values })),
  fc.array(fc.uint8Array({ maxLength: 5 }), { maxLength: 4 }).map((segments): PropertyValue => ({ _tag: "Binary", segments }))
)

const mapOf = <V>(value: fc.Arbitrary<V>, max: number) =>
  fc.uniqueArray(fc.tuple(key, value), { selector: (e) => e[0], maxLength: max }).map((entries) => new Map(entries))

const { value: propertyValue } = fc.letrec<{ value: PropertyValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalarValue,
    fc.array(tie("value"), { maxLength: 3 }).map((value): PropertyValue => ({ _tag: "List", value })),
    mapOf(tie("value"), 3).map((value): PropertyValue => ({ _tag: "Map", value }))
  )
}))

const { config: configValue } = fc.letrec<{ config: ConfigValue }>((tie) => ({
  config: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    double.map((value): ConfigValue => ({ _tag: "Number", value })),
    i64.map((value): ConfigValue => ({ _tag: "Integer", value })),
    text.map((value): ConfigValue => ({ _tag: "String", value })),
    fc.boolean().map((value): ConfigValue => ({ _tag: "Bool", value })),
    fc.constant<ConfigValue>({ _tag: "Null" }),
    fc.array(tie("config"), { maxLength: 3 }).map((value): ConfigValue => ({ _tag: "List", value })),
    mapOf(tie("config"), 3).map((value): ConfigValue => ({ _tag: "Map", value }))
  )
}))

const { term } = fc.letrec<{ term: PropertyTypeTerm }>((tie) => ({
  term: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom(...SCALAR_TYPES).map((scalar): PropertyTypeTerm => ({ _tag: "Scalar", scalar })),
    fc.tuple(fc.boolean(), tie("term")).map(([notNull, inner]): PropertyTypeTerm => ({ _tag: "List", notNull, inner })),
    fc.tuple(fc.constantFrom(...VECTOR_COORDS), u32).map(([coord, dimension]): PropertyTypeTerm => ({ _tag: "Vector", coord, dimension }))
  )
}))

const indexRequest: fc.Arbitrary<IndexRequest> = fc
  .record({
    explicitName: fc.option(text, { nil: undefined }),
    kind: fc.constantFrom(...INDEX_KINDS),
    entity: fc.constantFrom(...ENTITY_KINDS),
    label: fc.option(text, { nil: undefined }),
    additionalLabels: fc.array(text, { maxLength: 3 }),
    properties: fc.array(text, { maxLength: 3 }),
    options: mapOf(configValue, 3)
  })
  .map(({ explicitName, label, ...rest }) => ({
    ...(explicitName !== undefined ? { explicitName } : {}),
    kind: rest.kind,
    entity: rest.entity,
    ...(label !== undefined ? { label } : {}),
    additionalLabels: rest.additionalLabels,
    properties: rest.properties,
    options: rest.options
  }))

const constraintKind: fc.Arbitrary<ConstraintKind> = fc.oneof(
  fc.constantFrom<ConstraintKind>({ _tag: "Unique" }, { _tag: "Existence" }, { _tag: "NodeKey" }, { _tag: "RelationshipKey" }),
  fc.array(term, { maxLength: 3 }).map((alternatives): ConstraintKind => ({ _tag: "PropertyType", alternatives }))
)

const constraintRequest: fc.Arbitrary<ConstraintRequest> = fc.record({
  name: text,
  kind: constraintKind,
  entity: fc.constantFrom(...ENTITY_KINDS),
  label: text,
  properties: fc.array(text, { maxLength: 3 })
})

const props = mapOf(propertyValue, 4)

const event: fc.Arbitrary<MutationEvent> = fc.oneof(
  fc.record({ id: u64, labels: fc.array(text, { maxLength: 3 }), properties: props }).map((f): MutationEvent => ({ _tag: "CreateNode", ...f })),
  fc
    .record({ id: u64, src: u64, dst: u64, relType: text, properties: props })
    .map((f): MutationEvent => ({ _tag: "CreateRelationship", ...f })),
  fc.record({ nodeId: u64, key: text, value: propertyValue }).map((f): MutationEvent => ({ _tag: "SetNodeProperty", ...f })),
  fc.record({ nodeId: u64, key: text }).map((f): MutationEvent => ({ _tag: "RemoveNodeProperty", ...f })),
  fc.record({ nodeId: u64, label: text }).map((f): MutationEvent => ({ _tag: "AddNodeLabel", ...f })),
  fc.record({ nodeId: u64, label: text }).map((f): MutationEvent => ({ _tag: "RemoveNodeLabel", ...f })),
  fc.record({ relId: u64, key: text, value: propertyValue }).map((f): MutationEvent => ({ _tag: "SetRelationshipProperty", ...f })),
  fc.record({ relId: u64, key: text }).map((f): MutationEvent => ({ _tag: "RemoveRelationshipProperty", ...f })),
  u64.map((relId): MutationEvent => ({ _tag: "DeleteRelationship", relId })),
  u64.map((nodeId): MutationEvent => ({ _tag: "DeleteNode", nodeId })),
  u64.map((nodeId): MutationEvent => ({ _tag: "DetachDeleteNode", nodeId })),
  fc.constant<MutationEvent>({ _tag: "Clear" }),
  fc.record({ request: indexRequest, ifNotExists: fc.boolean() }).map((f): MutationEvent => ({ _tag: "CreateIndex", ...f })),
  fc.record({ name: text, ifExists: fc.boolean() }).map((f): MutationEvent => ({ _tag: "DropIndex", ...f })),
  fc.record({ request: constraintRequest, ifNotExists: fc.boolean() }).map((f): MutationEvent => ({ _tag: "CreateConstraint", ...f })),
  fc.record({ name: text, ifExists: fc.boolean() }).map((f): MutationEvent => ({ _tag: "DropConstraint", ...f }))
)

// ---------------------------------------------------------------------------

describe("event JSON form: exact round trip", () => {
  it("decode(encode(e)) equals e (map order, -0, NaN bits, typed arrays) and re-encodes to the same LW1 bytes", () => {
    fc.assert(
      fc.property(event, (ev) => {
        const back = throughText(ev)
        expect(sameOrdered(back, ev)).toBe(true)
        expect(hex(encodeSingle(back))).toBe(hex(encodeSingle(ev)))
        // The text is stable: encoding the decoded event gives the same JSON.
        expect(JSON.stringify(eventToJson(back))).toBe(JSON.stringify(eventToJson(ev)))
      }),
      { numRuns: 400 }
    )
  })

  it("every payload of the all-kinds and large-batch fixtures survives the JSON text round trip byte for byte", () => {
    for (const scenario of ["all-kinds", "large-batch"]) {
      const fx = loadFixture(scenario)
      let payloads = 0
      for (const seg of fx.expected.segments) {
        const bytes = new Uint8Array(Fs.readFileSync(Path.join(FIXTURES_DIR, scenario, seg.file)))
        for (const r of seg.records) {
          if (r.kind !== 6 || !r.crc_ok) continue
          const payload = bytes.subarray(r.offset + 21, r.offset + r.length - 4)
          const events = LW1Codec.readBatch(payload, 0, payload.length)
          const back = events.map(throughText)
          for (let i = 0; i < events.length; i++) expect(sameOrdered(back[i], events[i])).toBe(true)
          expect(hex(encodeBatchBytes(back))).toBe(hex(payload))
          payloads++
        }
      }
      expect(payloads).toBeGreaterThan(0)
    }
  })
})


describe("event JSON form: documented spellings", () => {
  it("writes 64-bit integers as decimal strings and keeps map order as [key, value] pairs", () => {
    const ev: MutationEvent = {
      _tag: "CreateNode",
      id: 18446744073709551615n,
      labels: ["Person"],
      properties: new Map<string, PropertyValue>([
        ["10", { _tag: "Int", value: -9223372036854775808n }],
        ["9", { _tag: "Null" }],
        ["a", { _tag: "Map", value: new Map([["z", { _tag: "Bool", value: true }]]) }]
      ])
    }
    expect(JSON.stringify(eventToJson(ev))).toBe(
      '{"_tag":"CreateNode","id":"18446744073709551615","labels":["Person"],"properties":[' +
        '["10",{"_tag":"Int","value":"-9223372036854775808"}],["9",{"_tag":"Null"}],' +
        '["a",{"_tag":"Map","value":[["z",{"_tag":"Bool","value":true}]]}]]}'
    )
  })

  it("spells the special floats, NaN payloads, vectors, points and binary as documented", () => {
    const j = (v: PropertyValue) => JSON.stringify(valueToJson(v))
    expect(j({ _tag: "Float", value: -0 })).toBe('{"_tag":"Float","value":"-0"}')
    expect(j({ _tag: "Float", value: Infinity })).toBe('{"_tag":"Float","value":"Infinity"}')
    expect(j({ _tag: "Float", value: -Infinity })).toBe('{"_tag":"Float","value":"-Infinity"}')
    expect(j({ _tag: "Float", value: NaN })).toBe('{"_tag":"Float","value":"NaN"}')
    expect(j({ _tag: "Float", value: NaN, nanBits: 0x7ff8_0000_0000_0001n })).toBe('{"_tag":"Float","value":"NaN:0x7ff8000000000001"}')
    expect(j({ _tag: "Float", value: 0.1 })).toBe('{"_tag":"Float","value":0.1}')
    const f32 = new Float32Array([1.5, 0, 0])
    new DataView(f32.buffer).setUint32(4, 0x7fc0_0001, true)
    new DataView(f32.buffer).setUint32(8, 0x7fc0_0000, true)
    expect(j({ _tag: "Vector", values: f32 })).toBe('{"_tag":"Vector","coordinate":"Float32","values":[1.5,"NaN:0x7fc00001","NaN"]}')
    expect(j({ _tag: "Vector", values: new BigInt64Array([1n, -2n]) })).toBe('{"_tag":"Vector","coordinate":"Integer64","values":["1","-2"]}')
    expect(j({ _tag: "Vector", values: new Int8Array([1, -2]) })).toBe('{"_tag":"Vector","coordinate":"Integer8","values":[1,-2]}')
    expect(j({ _tag: "Point", x: 1, y: 2, srid: 7203 })).toBe('{"_tag":"Point","x":1,"y":2,"srid":7203}')
    expect(j({ _tag: "Point", x: 4.9, y: 52.37, z: -0, srid: 4979 })).toBe('{"_tag":"Point","x":4.9,"y":52.37,"z":"-0","srid":4979}')
    expect(j({ _tag: "Binary", segments: [Uint8Array.of(0, 1, 2), new Uint8Array(0), Uint8Array.of(255)] })).toBe(
      '{"_tag":"Binary","segments":["AAEC","","/w=="]}'
    )
    expect(j({ _tag: "Duration", months: 14n, days: -3n, seconds: 4n, nanoseconds: 5n })).toBe(
      '{"_tag":"Duration","months":"14","days":"-3","seconds":"4","nanoseconds":"5"}'
    )
    // A FLOAT32 NaN payload survives decoding bit for bit.
    const back = valueFromJson(JSON.parse(j({ _tag: "Vector", values: f32 })))
    expect(back._tag === "Vector" && new DataView(back.values.buffer).getUint32(4, true)).toBe(0x7fc0_0001)
  })

  it("accepts safe integers given as JSON numbers for 64-bit fields", () => {
    expect(eventFromJson({ _tag: "DeleteNode", nodeId: 7 })).toEqual({ _tag: "DeleteNode", nodeId: 7n })
  })
})

describe("event JSON form: strict decoding names the problem's path", () => {
  const cases: ReadonlyArray<readonly [string, unknown, string]> = [
    ["unknown event tag", { _tag: "Frobnicate" }, "unknown MutationEvent _tag"],
    ["unknown key", { _tag: "DeleteNode", nodeId: "1", extra: 1 }, 'unknown key "extra"'],
    ["missing key", { _tag: "DeleteNode" }, 'missing key "nodeId"'],
    ["u64 out of range", { _tag: "DeleteNode", nodeId: "18446744073709551616" }, ".nodeId"],
    ["negative id", { _tag: "DeleteNode", nodeId: "-1" }, ".nodeId"],
    ["unsafe number for u64", { _tag: "DeleteNode", nodeId: 2 ** 60 }, ".nodeId"],
    ["bad base64", { _tag: "SetNodeProperty", nodeId: "1", key: "k", value: { _tag: "Binary", segments: ["AAE"] } }, ".value.segments[0]"],
    [
      "repeated map key",
      { _tag: "CreateNode", id: "1", labels: [], properties: [["a", { _tag: "Null" }], ["a", { _tag: "Null" }]] },
      'repeated map key "a"'
    ],
    [
      "u32 out of range",
      { _tag: "SetNodeProperty", nodeId: "1", key: "k", value: { _tag: "Date", year: 1, month: -1, day: 1 } },
      ".value.month"
    ],
    [
      "float32 not exact",
      { _tag: "SetNodeProperty", nodeId: "1", key: "k", value: { _tag: "Vector", coordinate: "Float32", values: [0.1] } },
      "not exactly representable"
    ],
    [
      "NaN text that is not a NaN",
      { _tag: "SetNodeProperty", nodeId: "1", key: "k", value: { _tag: "Float", value: "NaN:0x0000000000000001" } },
      "not the bit pattern of a NaN"
    ],
    [
      "nested unknown value tag",
      { _tag: "CreateNode", id: "1", labels: [], properties: [["p", { _tag: "List", value: [{ _tag: "Nope" }] }]] },
      ".properties[0][1].value[0]._tag"
    ]
  ]
  for (const [name, input, fragment] of cases) {
    it(name, () => {
      let caught: unknown
      try {
        eventFromJson(input)
      } catch (e) {
        caught = e
      }
      expect(caught).toBeInstanceOf(EventJsonError)
      expect((caught as Error).message).toContain(fragment)
    })
  }
})
