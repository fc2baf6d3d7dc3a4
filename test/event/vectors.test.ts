/**
 * Appendix A golden vectors (`ev_*`, `val_*`) and the §8 worked examples:
 * decoding the reference bytes gives the expected event, and encoding the
 * event gives the reference bytes.
 */
import { describe, expect, it } from "@effect/vitest"
import type { ConfigValue } from "../../src/event/Ddl.js"
import { decodeBatch, decodeSingle, encodeBatch, encodeSingle, LW1Codec } from "../../src/event/LW1.js"
import type { MutationEvent } from "../../src/event/MutationEvent.js"
import { properties, Pv, type PropertyValue } from "../../src/event/PropertyValue.js"
import { canonicalEvent, deepEqual } from "../support/serde.js"

const fromHex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, "hex"))
const toHex = (b: Uint8Array): string => Buffer.from(b).toString("hex")

const val = (value: PropertyValue): MutationEvent => ({ _tag: "SetNodeProperty", nodeId: 7n, key: "p", value })

const createAda: MutationEvent = {
  _tag: "CreateNode",
  id: 1n,
  labels: ["Person"],
  properties: properties({ name: Pv.string("Ada"), age: Pv.int(36) })
}

/** Single-event payloads (magic + event) from spec Appendix A. */
const VECTORS: Record<string, readonly [string, MutationEvent]> = {
  ev_create_node: [
    "4c57310001010000000000000001000000000000000600000000000000506572736f6e02000000000000000300000000" +
      "00000061676502240000000000000004000000000000006e616d65040300000000000000416461",
    createAda
  ],
  ev_create_rel: [
    "4c5731000205000000000000000100000000000000020000000000000005000000000000004b4e4f5753010000000000" +
      "0000050000000000000073696e636502e407000000000000",
    { _tag: "CreateRelationship", id: 5n, src: 1n, dst: 2n, relType: "KNOWS", properties: properties({ since: Pv.int(2020) }) }
  ],
  ev_set_node_prop: [
    "4c57310003010000000000000001000000000000006b0101",
    { _tag: "SetNodeProperty", nodeId: 1n, key: "k", value: Pv.bool(true) }
  ],
  ev_remove_node_prop: [
    "4c57310004010000000000000001000000000000006b",
    { _tag: "RemoveNodeProperty", nodeId: 1n, key: "k" }
  ],
  ev_add_label: [
    "4c573100056300000000000000040000000000000055736572",
    { _tag: "AddNodeLabel", nodeId: 99n, label: "User" }
  ],
  ev_remove_label: [
    "4c573100066300000000000000040000000000000055736572",
    { _tag: "RemoveNodeLabel", nodeId: 99n, label: "User" }
  ],
  ev_set_rel_prop: [
    "4c57310007050000000000000001000000000000007703000000000000e03f",
    { _tag: "SetRelationshipProperty", relId: 5n, key: "w", value: Pv.float(0.5) }
  ],
  ev_remove_rel_prop: [
    "4c573100080500000000000000010000000000000077",
    { _tag: "RemoveRelationshipProperty", relId: 5n, key: "w" }
  ],
  ev_delete_rel: [
    "4c573100090500000000000000",
    { _tag: "DeleteRelationship", relId: 5n }
  ],
  ev_delete_node: [
    "4c5731000a0200000000000000",
    { _tag: "DeleteNode", nodeId: 2n }
  ],
  ev_detach_delete: [
    "4c5731000b0300000000000000",
    { _tag: "DetachDeleteNode", nodeId: 3n }
  ],
  ev_clear: [
    "4c5731000c",
    { _tag: "Clear" }
  ],
  ev_create_index: [
    "4c5731000dad00000000000000010f000000000000006964785f706572736f6e5f6e616d650201010600000000000000" +
      "506572736f6e0000000000000000010000000000000004000000000000006e616d6501000000000000000b0000000000" +
      "0000696e646578436f6e66696706020000000000000001000000000000006105040000000000000001000000000000f8" +
      "3f040107030100000000000000780b000000000000007472696772616d2e6d696e02030000000000000001",
    {
      _tag: "CreateIndex",
      request: {
        explicitName: "idx_person_name",
        kind: "TEXT",
        entity: "NODE",
        label: "Person",
        additionalLabels: [],
        properties: ["name"],
        options: new Map<string, ConfigValue>([
          [
            "indexConfig",
            {
              _tag: "Map",
              value: new Map<string, ConfigValue>([
                [
                  "a",
                  {
                    _tag: "List",
                    value: [
                      { _tag: "Number", value: 1.5 },
                      { _tag: "Bool", value: true },
                      { _tag: "Null" },
                      { _tag: "String", value: "x" }
                    ]
                  }
                ],
                ["trigram.min", { _tag: "Integer", value: 3n }]
              ])
            }
          ]
        ])
      },
      ifNotExists: true
    }
  ],
  ev_drop_index: [
    "4c5731000e030000000000000069647800",
    { _tag: "DropIndex", name: "idx", ifExists: false }
  ],
  ev_create_constraint: [
    "4c5731000f42000000000000000200000000000000633105030000000000000001030201010203050300000002050000" +
      "00000000004b4e4f57530100000000000000050000000000000073696e636500",
    {
      _tag: "CreateConstraint",
      request: {
        name: "c1",
        kind: {
          _tag: "PropertyType",
          alternatives: [
            { _tag: "Scalar", scalar: "INTEGER" },
            { _tag: "List", notNull: true, inner: { _tag: "Scalar", scalar: "STRING" } },
            { _tag: "Vector", coord: "FLOAT32", dimension: 3 }
          ]
        },
        entity: "RELATIONSHIP",
        label: "KNOWS",
        properties: ["since"]
      },
      ifNotExists: false
    }
  ],
  ev_drop_constraint: [
    "4c573100100200000000000000633101",
    { _tag: "DropConstraint", name: "c1", ifExists: true }
  ],
  val_null: ["4c57310003070000000000000001000000000000007000", val(Pv.null())],
  val_false: ["4c5731000307000000000000000100000000000000700100", val(Pv.bool(false))],
  val_int_neg: ["4c57310003070000000000000001000000000000007002feffffffffffffff", val(Pv.int(-2n))],
  val_float_negzero: ["4c573100030700000000000000010000000000000070030000000000000080", val(Pv.float(-0))],
  val_float_nan: ["4c57310003070000000000000001000000000000007003000000000000f87f", val(Pv.float(NaN))],
  val_float_inf: ["4c57310003070000000000000001000000000000007003000000000000f07f", val(Pv.float(Infinity))],
  val_string_utf8: ["4c57310003070000000000000001000000000000007004030000000000000068c3a9", val(Pv.string("h\u00e9"))],
  val_list: [
      "4c5731000307000000000000000100000000000000700503000000000000000201000000000000000005000000000000" +
      "0000", val(Pv.list([Pv.int(1), Pv.null(), Pv.list([])]))],
  val_map_order: [
      "4c5731000307000000000000000100000000000000700606000000000000000100000000000000420203000000000000" +
      "000100000000000000610202000000000000000200000000000000616102060000000000000001000000000000006202" +
      "01000000000000000300000000000000efbda10204000000000000000400000000000000f09f98800205000000000000" +
      "00", val(Pv.map({ b: Pv.int(1), a: Pv.int(2), B: Pv.int(3), "\u{FF61}": Pv.int(4), "\u{1F600}": Pv.int(5), aa: Pv.int(6) }))],
  val_date: ["4c57310003070000000000000001000000000000007007ea070000040000001b000000", val(Pv.date(2026, 4, 27))],
  val_date_neg: ["4c57310003070000000000000001000000000000007007d4ffffff030000000f000000", val(Pv.date(-44, 3, 15))],
  val_time: ["4c573100030700000000000000010000000000000070080c000000220000003800000015030000100e0000", val(Pv.time(12, 34, 56, 789, 3600))],
  val_localtime: ["4c5731000307000000000000000100000000000000700901000000020000000300000004000000", val(Pv.localTime(1, 2, 3, 4))],
  val_datetime: [
      "4c5731000307000000000000000100000000000000700aea070000040000001b0000000c000000220000003800000015" +
      "030000f8f8ffff", val(Pv.dateTime({ year: 2026, month: 4, day: 27, hour: 12, minute: 34, second: 56, nanosecond: 789, offsetSeconds: -1800 }))],
  val_localdatetime: [
      "4c5731000307000000000000000100000000000000700bea070000040000001b0000000c000000220000003800000015" +
      "030000", val(Pv.localDateTime({ year: 2026, month: 4, day: 27, hour: 12, minute: 34, second: 56, nanosecond: 789 }))],
  val_duration: [
      "4c5731000307000000000000000100000000000000700c0e00000000000000fdffffffffffffff040000000000000005" +
      "00000000000000", val(Pv.duration({ months: 14, days: -3, seconds: 4, nanoseconds: 5 }))],
  val_point2d: ["4c5731000307000000000000000100000000000000700d000000000000f03f000000000000004000231c0000", val(Pv.point(1, 2, 7203))],
  val_point3d: [
      "4c5731000307000000000000000100000000000000700d9a999999999913408fc2f5285c2f4a40010000000000001c40" +
      "73130000", val(Pv.point3d(4.9, 52.37, 7, 4979))],
  val_vec_f64: [
      "4c5731000307000000000000000100000000000000700e0200000000000000010200000000000000000000000000f83f" +
      "0000000000000440", val(Pv.vector(Float64Array.of(1.5, 2.5)))],
  val_vec_f32: ["4c5731000307000000000000000100000000000000700e02000000000000000202000000000000000000c03f00002040", val(Pv.vector(Float32Array.of(1.5, 2.5)))],
  val_vec_i64: [
      "4c5731000307000000000000000100000000000000700e02000000000000000302000000000000000100000000000000" +
      "feffffffffffffff", val(Pv.vector(BigInt64Array.of(1n, -2n)))],
  val_vec_i32: ["4c5731000307000000000000000100000000000000700e020000000000000004020000000000000001000000feffffff", val(Pv.vector(Int32Array.of(1, -2)))],
  val_vec_i16: ["4c5731000307000000000000000100000000000000700e02000000000000000502000000000000000100feff", val(Pv.vector(Int16Array.of(1, -2)))],
  val_vec_i8: ["4c5731000307000000000000000100000000000000700e020000000000000006020000000000000001fe", val(Pv.vector(Int8Array.of(1, -2)))],
  val_binary_segs: [
      "4c5731000307000000000000000100000000000000700f03000000000000000300000000000000000102000000000000" +
      "00000100000000000000ff", val(Pv.binary(Uint8Array.of(0, 1, 2), new Uint8Array(0), Uint8Array.of(0xff)))],
  val_binary_empty: ["4c5731000307000000000000000100000000000000700f0000000000000000", val(Pv.binary())],
}

/** Complete records from Appendix A (length … CRC). */
const RECORDS = {
  rec_batch_ada: 
      "7800000006020000000000000001000000000000004c5731000100000000000000010100000000000000010000000000" +
      "00000600000000000000506572736f6e0200000000000000030000000000000061676502240000000000000004000000" +
      "000000006e616d65040300000000000000416461ad2fcb33",
  rec_mutation_label: 
      "3200000001020000000000000001000000000000004c57310005630000000000000004000000000000005573657262dd" +
      "5396",
  rec_batch_empty: "2500000006090000000000000008000000000000004c57310000000000000000009920de1c",
  rec_batch_two: "2f00000006020000000000000001000000000000004c57310002000000000000000a02000000000000000c90132eff",
}
const payloadOf = (hex: string): Uint8Array => {
  const rec = fromHex(hex)
  return rec.subarray(21, rec.length - 4)
}

describe("Appendix A golden vectors", () => {
  it("covers all 42 ev_*/val_* vectors (16 events, 26 values)", () => {
    expect(Object.keys(VECTORS)).toHaveLength(42)
  })

  for (const [name, [hex, event]] of Object.entries(VECTORS)) {
    it(`${name}: decode and encode`, () => {
      const bytes = fromHex(hex)
      const decoded = decodeSingle(bytes)
      expect(deepEqual(decoded, event), `${name} decoded to ${canonicalEvent(decoded, "exact")}`).toBe(true)
      expect(toHex(encodeSingle(event))).toBe(hex)
      expect(toHex(encodeSingle(decoded))).toBe(hex)
    })
  }

  it("val_* values start at byte 22", () => {
    for (const [name, [hex]] of Object.entries(VECTORS)) {
      if (!name.startsWith("val_")) continue
      expect(hex.slice(0, 44)).toBe("4c5731000307000000000000000100000000000000" + "70")
    }
  })

  it("val_map_order decodes with keys in UTF-8 byte order", () => {
    const ev = decodeSingle(fromHex(VECTORS.val_map_order![0]))
    if (ev._tag !== "SetNodeProperty" || ev.value._tag !== "Map") throw new Error("unexpected event")
    expect([...ev.value.value.keys()]).toEqual(["B", "a", "aa", "b", "\u{FF61}", "\u{1F600}"])
  })
})

describe("§8 worked examples (record payloads)", () => {
  it("8.3 rec_batch_ada: MutationBatch of one CreateNode (age before name)", () => {
    const payload = payloadOf(RECORDS.rec_batch_ada)
    expect(payload.length).toBe(95)
    const events = decodeBatch(payload)
    expect(events).toHaveLength(1)
    expect(deepEqual(events[0], createAda)).toBe(true)
    expect(toHex(encodeBatch([createAda]))).toBe(toHex(payload))
  })

  it("8.7 rec_mutation_label: single-event payload AddNodeLabel{99, User}", () => {
    const payload = payloadOf(RECORDS.rec_mutation_label)
    const ev: MutationEvent = { _tag: "AddNodeLabel", nodeId: 99n, label: "User" }
    expect(deepEqual(decodeSingle(payload), ev)).toBe(true)
    expect(toHex(encodeSingle(ev))).toBe(toHex(payload))
  })

  it("rec_batch_empty: a zero-event batch decodes to []", () => {
    const payload = payloadOf(RECORDS.rec_batch_empty)
    expect(decodeBatch(payload)).toEqual([])
    expect(LW1Codec.readBatch(payload, 0, payload.length)).toEqual([])
  })

  it("rec_batch_two: [DeleteNode{2}, Clear]", () => {
    const payload = payloadOf(RECORDS.rec_batch_two)
    const events: ReadonlyArray<MutationEvent> = [{ _tag: "DeleteNode", nodeId: 2n }, { _tag: "Clear" }]
    expect(deepEqual(decodeBatch(payload), events)).toBe(true)
    expect(toHex(encodeBatch(events))).toBe(toHex(payload))
  })

  it("LW1Codec reads a payload inside a larger buffer (start/end offsets)", () => {
    const rec = fromHex(RECORDS.rec_batch_ada)
    const events = LW1Codec.readBatch(rec, 21, rec.length - 4)
    expect(deepEqual(events, [createAda])).toBe(true)
  })
})
