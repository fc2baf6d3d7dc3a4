/**
 * The Schema side of the event model: the `PropertyValue` / `MutationEvent`
 * Schemas, the `MutationEventFromBytes` / `MutationBatchFromBytes`
 * transformations and the mapping of their errors into `WalError`, the
 * `LW1Codec` object, and the `Pv` constructors.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Schema } from "effect"
import { CodecFailure } from "../../src/format/Bytes.js"
import * as Event from "../../src/event/index.js"
import {
  decodeBatchEffect,
  decodeEventEffect,
  encodeBatchEffect,
  encodeEventEffect,
  encodeSingle,
  LW1Codec,
  MutationBatchFromBytes,
  MutationEventFromBytes,
  walErrorFromSchemaError
} from "../../src/event/LW1.js"
import { MutationEvent } from "../../src/event/MutationEvent.js"
import { properties, Pv, PropertyValue } from "../../src/event/PropertyValue.js"
import * as WalError from "../../src/WalError.js"
import { deepEqual } from "../support/serde.js"

const fromHex = (h: string) => Uint8Array.from(Buffer.from(h, "hex"))
const ada: MutationEvent = {
  _tag: "CreateNode",
  id: 1n,
  labels: ["Person"],
  properties: properties({ name: Pv.string("Ada"), age: Pv.int(36) })
}
const ADA_HEX =
  "4c57310001010000000000000001000000000000000600000000000000506572736f6e0200000000000000030000000000000061676502240000000000000004" +
  "000000000000006e616d65040300000000000000416461"

describe("Schemas", () => {
  it("PropertyValue validates ranges and well-formed strings", () => {
    const is = Schema.is(PropertyValue)
    expect(is(Pv.int(5))).toBe(true)
    expect(is({ _tag: "Int", value: 2n ** 63n })).toBe(false)
    expect(is(Pv.string("ok"))).toBe(true)
    expect(is(Pv.string("\ud800"))).toBe(false)
    expect(is(Pv.date(-44, 3, 15))).toBe(true)
    expect(is(Pv.date(2024, -1, 1))).toBe(false)
    expect(is(Pv.vector(new Float32Array(3)))).toBe(true)
    expect(is({ _tag: "Vector", values: new Uint8Array(3) })).toBe(false)
    expect(is(Pv.binary(new Uint8Array(2), new Uint8Array(0)))).toBe(true)
    expect(is(Pv.map({ a: Pv.list([Pv.null(), Pv.float(NaN, 0x7ff0000000000001n)]) }))).toBe(true)
    expect(is(Pv.point3d(1, 2, 3, 9157))).toBe(true)
    expect(is(Pv.duration({ months: 1 }))).toBe(true)
    expect(PropertyValue.guards.Int(Pv.int(1))).toBe(true)
  })

  it("MutationEvent is a tagged union with make / guards / match", () => {
    const ev = MutationEvent.cases.AddNodeLabel.make({ nodeId: 99n, label: "User" })
    expect(ev).toEqual({ _tag: "AddNodeLabel", nodeId: 99n, label: "User" })
    expect(() => MutationEvent.cases.DeleteNode.make({ nodeId: -1n })).toThrow()
    expect(MutationEvent.guards.AddNodeLabel(ev)).toBe(true)
    expect(Schema.is(MutationEvent)(ada)).toBe(true)
    expect(Schema.is(MutationEvent)({ _tag: "DeleteNode", nodeId: 2n ** 64n })).toBe(false)
    expect(Event.MUTATION_TAGS).toHaveLength(16)
  })

  it("every decoded fixture-style event satisfies the MutationEvent Schema", () => {
    const ev = LW1Codec.readSingle(fromHex(ADA_HEX), 0, ADA_HEX.length / 2)
    expect(Schema.is(MutationEvent)(ev)).toBe(true)
    expect(LW1Codec.schema).toBe(MutationEvent)
    expect(LW1Codec.name).toBe("LW1")
  })
})

describe("MutationEventFromBytes / MutationBatchFromBytes", () => {
  it("decode and encode a single-event payload", () => {
    const decoded = Schema.decodeSync(MutationEventFromBytes)(fromHex(ADA_HEX))
    expect(deepEqual(decoded, ada)).toBe(true)
    expect(Buffer.from(Schema.encodeSync(MutationEventFromBytes)(ada)).toString("hex")).toBe(ADA_HEX)
  })

  it("decode and encode a batch payload", () => {
    const events: ReadonlyArray<MutationEvent> = [{ _tag: "DeleteNode", nodeId: 2n }, { _tag: "Clear" }]
    const bytes = Schema.encodeSync(MutationBatchFromBytes)(events)
    expect(Buffer.from(bytes).toString("hex")).toBe("4c57310002000000000000000a02000000000000000c")
    expect(Schema.decodeSync(MutationBatchFromBytes)(bytes)).toEqual(events)
    expect(Schema.decodeSync(MutationBatchFromBytes)(fromHex("4c5731000000000000000000"))).toEqual([])
  })

  it("a decode failure is a SchemaError whose WalError.Decode carries the exact reason", () => {
    const exit = Schema.decodeUnknownExit(MutationEventFromBytes)(fromHex("4c5731000c00"))
    expect(Exit.isFailure(exit)).toBe(true)
    try {
      Schema.decodeSync(MutationEventFromBytes)(fromHex("4c5731000c00"))
      throw new Error("expected a failure")
    } catch (e) {
      expect(Schema.isSchemaError(e)).toBe(true)
      const w = walErrorFromSchemaError(e as Schema.SchemaError, "Decode")
      expect(w).toBeInstanceOf(WalError.Decode)
      expect(w.reason).toBe("trailing bytes in WAL mutation payload: 1")
      expect(w.message).toBe("WAL record could not be decoded: trailing bytes in WAL mutation payload: 1")
    }
  })

  it.effect("Effect helpers map failures into WalError", () =>
    Effect.gen(function* () {
      const ev = yield* decodeEventEffect(fromHex(ADA_HEX))
      expect(deepEqual(ev, ada)).toBe(true)
      const bytes = yield* encodeEventEffect(ada)
      expect(Buffer.from(bytes).toString("hex")).toBe(ADA_HEX)

      const bad = yield* Effect.flip(decodeEventEffect(fromHex("4c573100ff")))
      expect(bad).toBeInstanceOf(WalError.Decode)
      expect(bad.reason).toBe("unknown WAL mutation tag 255")

      const magic = yield* Effect.flip(decodeBatchEffect(fromHex("00")))
      expect(magic.reason).toBe("WAL mutation payload has bad magic")

      const store = yield* Effect.flip(decodeEventEffect(fromHex("4c5731000d01000000000000000900")))
      expect(store.reason).toBe("CreateIndex decode failed: store value decode failed: invalid optional string tag 9")

      const empty = yield* Effect.flip(encodeBatchEffect([]))
      expect(empty).toBeInstanceOf(WalError.Encode)
      expect(empty.reason).toBe("mutation batch must contain at least one event")

      // Schema validation runs before the codec when encoding: the reason is the Schema's message.
      const invalid = yield* Effect.flip(encodeEventEffect({ _tag: "DeleteNode", nodeId: -1n }))
      expect(invalid).toBeInstanceOf(WalError.Encode)
      expect(invalid.reason.length).toBeGreaterThan(0)

      // Input that is not a Uint8Array.
      const notBytes = yield* Effect.flip(
        Effect.mapError(Schema.decodeUnknownEffect(MutationEventFromBytes)("nope"), (e) => walErrorFromSchemaError(e, "Decode"))
      )
      expect(notBytes).toBeInstanceOf(WalError.Decode)
    })
  )
})

describe("constructors and helpers", () => {
  it("Pv builds the documented shapes", () => {
    expect(Pv.null()).toEqual({ _tag: "Null" })
    expect(Pv.bool(true)).toEqual({ _tag: "Bool", value: true })
    expect(Pv.int(5)).toEqual({ _tag: "Int", value: 5n })
    expect(Pv.float(0.5)).toEqual({ _tag: "Float", value: 0.5 })
    expect("nanBits" in Pv.float(NaN)).toBe(false)
    expect(Pv.float(NaN, 1n + 0x7ff0000000000000n)).toMatchObject({ nanBits: 0x7ff0000000000001n })
    expect((Pv.map({ a: Pv.null() }) as { value: unknown }).value).toBeInstanceOf(Map)
    const m = new Map([["k", Pv.null()]])
    expect(Pv.map(m)).toEqual({ _tag: "Map", value: m })
    expect((Pv.map(m) as { value: unknown }).value).toBe(m)
    // The constructors return the union type, so mixed maps infer without annotations.
    const mixed = new Map([
      ["s", Pv.string("x")],
      ["p", Pv.point(1, 2, 4326)]
    ])
    expect(mixed.size).toBe(2)
    expect(Pv.duration({ days: -3 })).toEqual({ _tag: "Duration", months: 0n, days: -3n, seconds: 0n, nanoseconds: 0n })
    expect(Pv.point(1, 2, 7203)).toEqual({ _tag: "Point", x: 1, y: 2, srid: 7203 })
    expect("z" in Pv.point(1, 2, 7203)).toBe(false)
    expect(Pv.binary()).toEqual({ _tag: "Binary", segments: [] })
    expect(Pv.localTime(1, 2, 3)).toEqual({ _tag: "LocalTime", hour: 1, minute: 2, second: 3, nanosecond: 0 })
  })

  it("properties() keeps a plain object's values", () => {
    const p = properties({ name: Pv.string("x"), n: Pv.int(1) })
    expect(p.get("name")).toEqual(Pv.string("x"))
    expect(p.size).toBe(2)
  })

  it("encode errors are CodecFailure(Encode)", () => {
    try {
      encodeSingle({ _tag: "DeleteNode", nodeId: 1 } as never)
      throw new Error("expected a failure")
    } catch (e) {
      expect(e).toBeInstanceOf(CodecFailure)
      expect((e as CodecFailure).kind).toBe("Encode")
    }
  })

  it("the public index re-exports the codec pieces", () => {
    expect(Event.LW1Codec).toBe(LW1Codec)
    expect(typeof Event.encodeIndexRequest).toBe("function")
    expect(Event.VECTOR_COORDS[0]).toBe("INT8")
    expect(Event.INDEX_KINDS[0]).toBe("RANGE")
  })
})
