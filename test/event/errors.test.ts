/**
 * Every decode error of spec §4.10 (LW1 payload and embedded lora-store
 * requests) with its exact text, the decoder's lenient cases (flag8, repeated
 * keys), and the encoder's validation errors.
 */
import { describe, expect, it } from "@effect/vitest"
import { ByteWriter, CodecFailure } from "../../src/format/Bytes.js"
import {
  decodeConstraintRequest,
  decodeIndexRequest,
  encodeConstraintRequest,
  encodeIndexRequest,
  type ConstraintRequest,
  type IndexRequest
} from "../../src/event/Ddl.js"
import { decodeBatch, decodeSingle, encodeBatch, encodeSingle, LW1Codec, writeBatch, writeValue } from "../../src/event/LW1.js"
import type { MutationEvent } from "../../src/event/MutationEvent.js"
import { properties, Pv, type PropertyValue } from "../../src/event/PropertyValue.js"

// ---------------------------------------------------------------------------
// Hex builders
// ---------------------------------------------------------------------------

const MAGIC = "4c573100"
const u8 = (n: number) => n.toString(16).padStart(2, "0")
const u32 = (n: number) => Buffer.from(Uint32Array.of(n).buffer).toString("hex")
const u64 = (n: bigint | number) => Buffer.from(BigUint64Array.of(BigInt(n)).buffer).toString("hex")
const str = (s: string) => u64(Buffer.byteLength(s)) + Buffer.from(s, "utf8").toString("hex")
const rawStr = (hex: string) => u64(hex.length / 2) + hex
const bytes = (hex: string) => u64(hex.length / 2) + hex
const fromHex = (h: string) => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ""), "hex"))

/** A single-event payload for SetNodeProperty{7, "p", <value hex>}. */
const setProp = (valueHex: string) => MAGIC + u8(3) + u64(7) + str("p") + valueHex

const decodeError = (f: () => unknown): string => {
  try {
    f()
  } catch (e) {
    if (e instanceof CodecFailure) {
      expect(e.kind).toBe("Decode")
      return e.reason
    }
    throw e
  }
  throw new Error("expected a decode failure")
}
const single = (hex: string) => decodeError(() => decodeSingle(fromHex(hex)))
const batch = (hex: string) => decodeError(() => decodeBatch(fromHex(hex)))

const encodeError = (f: () => unknown): string => {
  try {
    f()
  } catch (e) {
    if (e instanceof CodecFailure) {
      expect(e.kind).toBe("Encode")
      return e.reason
    }
    throw e
  }
  throw new Error("expected an encode failure")
}

// ---------------------------------------------------------------------------
// Payload decode errors
// ---------------------------------------------------------------------------

describe("LW1 decode errors (spec §4.10)", () => {
  it("bad magic, including payloads shorter than 4 bytes", () => {
    const m = "WAL mutation payload has bad magic"
    expect(single("")).toBe(m)
    expect(single("4c5731")).toBe(m)
    expect(single("4c5731010c")).toBe(m)
    expect(single("4d5731000c")).toBe(m)
    expect(batch("")).toBe(m)
    expect(batch("4c57")).toBe(m)
    expect(batch("4c5732000000000000000000")).toBe(m)
  })

  it("truncated WAL mutation payload (fixed-width reads and str bodies)", () => {
    const m = "truncated WAL mutation payload"
    expect(single(MAGIC)).toBe(m) // no tag
    expect(single(MAGIC + "09" + "0500")).toBe(m) // short u64
    expect(single(MAGIC + "04" + u64(1) + u64(5) + "6162")).toBe(m) // str body short
    expect(single(MAGIC + "04" + u64(1) + "0300")).toBe(m) // short len
    expect(single(setProp("07" + u32(2026)))).toBe(m) // Date short
    expect(batch(MAGIC + "0100")).toBe(m) // short count
    expect(single(MAGIC + "0e" + u64(3) + "00")).toBe(m) // DropIndex without flag
  })

  it("WAL mutation payload offset overflow (offset counted after the magic)", () => {
    // RemoveNodeProperty: tag (1) + node id (8) + len (8): the body starts at offset 17.
    expect(single(MAGIC + "04" + u64(1) + u64(2n ** 64n - 1n))).toBe("WAL mutation payload offset overflow")
    expect(single(MAGIC + "04" + u64(1) + u64(2n ** 64n - 17n))).toBe("WAL mutation payload offset overflow")
    // One less does not overflow: it is merely longer than the input.
    expect(single(MAGIC + "04" + u64(1) + u64(2n ** 64n - 18n))).toBe("truncated WAL mutation payload")
    // The overflow rule also applies to the outer `bytes` of CreateIndex.
    expect(single(MAGIC + "0d" + u64(2n ** 64n - 1n))).toBe("WAL mutation payload offset overflow")
  })

  it("bounded counts: <label> count <n> exceeds remaining WAL payload", () => {
    const ex = (label: string, n: number | bigint) => `${label} count ${n} exceeds remaining WAL payload`
    expect(batch(MAGIC + u64(1))).toBe(ex("WAL event", 1))
    expect(batch(MAGIC + u64(2n ** 64n - 1n))).toBe(ex("WAL event", 2n ** 64n - 1n))
    expect(single(MAGIC + "01" + u64(1) + u64(9))).toBe(ex("string", 9))
    expect(single(MAGIC + "01" + u64(1) + u64(0) + u64(1))).toBe(ex("property", 1))
    expect(single(MAGIC + "02" + u64(1) + u64(1) + u64(1) + str("R") + u64(100))).toBe(ex("property", 100))
    expect(single(setProp("05" + u64(2)))).toBe(ex("property list value", 2))
    expect(single(setProp("06" + u64(2)))).toBe(ex("property map entry", 2))
    expect(single(setProp("0f" + u64(3)))).toBe(ex("binary segment", 3))
    const labels = ["float64", "float32", "int64", "int32", "int16", "int8"]
    labels.forEach((l, i) => {
      expect(single(setProp("0e" + u64(2) + u8(i + 1) + u64(5)))).toBe(ex(`${l} vector value`, 5))
    })
  })

  it("the bound compares the count with remaining bytes, not count × width", () => {
    // 2 f64 elements announced, 9 bytes remain: passes the bound, then runs out.
    expect(single(setProp("0e" + u64(2) + "01" + u64(2) + "00".repeat(9)))).toBe("truncated WAL mutation payload")
    // Exactly as many bytes remaining as the count: the count passes.
    expect(decodeSingle(fromHex(setProp("05" + u64(1) + "00")))).toMatchObject({ value: { _tag: "List" } })
    expect(single(setProp("05" + u64(2) + "02" + "00"))).toBe("truncated WAL mutation payload")
  })

  it("invalid UTF-8 with Rust's detail wording", () => {
    const u = (hex: string) => single(MAGIC + "05" + u64(1) + rawStr(hex))
    const p = "invalid UTF-8 in WAL payload: "
    expect(u("80")).toBe(`${p}invalid utf-8 sequence of 1 bytes from index 0`)
    expect(u("41e241")).toBe(`${p}invalid utf-8 sequence of 1 bytes from index 1`)
    expect(u("e28241")).toBe(`${p}invalid utf-8 sequence of 2 bytes from index 0`)
    expect(u("f09f9841")).toBe(`${p}invalid utf-8 sequence of 3 bytes from index 0`)
    expect(u("eda080")).toBe(`${p}invalid utf-8 sequence of 1 bytes from index 0`)
    expect(u("c080")).toBe(`${p}invalid utf-8 sequence of 1 bytes from index 0`)
    expect(u("6869e282")).toBe(`${p}incomplete utf-8 byte sequence from index 2`)
    // In a map key, read before the value.
    expect(single(setProp("06" + u64(1) + rawStr("ff") + "00"))).toBe(`${p}invalid utf-8 sequence of 1 bytes from index 0`)
  })

  it("unknown WAL mutation tag", () => {
    expect(single(MAGIC + "00")).toBe("unknown WAL mutation tag 0")
    expect(single(MAGIC + "11")).toBe("unknown WAL mutation tag 17")
    expect(batch(MAGIC + u64(1) + "ff")).toBe("unknown WAL mutation tag 255")
  })

  it("unknown WAL property value tag", () => {
    expect(single(setProp("10"))).toBe("unknown WAL property value tag 16")
    expect(single(setProp("05" + u64(1) + "63"))).toBe("unknown WAL property value tag 99")
  })

  it("invalid point z-presence tag", () => {
    expect(single(setProp("0d" + u64(0) + u64(0) + "02" + u32(7203)))).toBe("invalid point z-presence tag 2")
  })

  it("unknown vector value tag", () => {
    expect(single(setProp("0e" + u64(1) + "00" + u64(0)))).toBe("unknown vector value tag 0")
    expect(single(setProp("0e" + u64(1) + "07" + u64(0)))).toBe("unknown vector value tag 7")
  })

  it("vector dimension mismatch (raised after reading the elements)", () => {
    expect(single(setProp("0e" + u64(3) + "06" + u64(2) + "0102"))).toBe("vector dimension mismatch: declared 3, got 2")
    expect(single(setProp("0e" + u64(2n ** 64n - 1n) + "01" + u64(0)))).toBe(
      "vector dimension mismatch: declared 18446744073709551615, got 0"
    )
    // Missing elements fail first.
    expect(single(setProp("0e" + u64(3) + "02" + u64(2) + "0000803f"))).toBe("truncated WAL mutation payload")
  })

  it("trailing bytes in WAL mutation payload", () => {
    expect(single(MAGIC + "0c" + "00")).toBe("trailing bytes in WAL mutation payload: 1")
    expect(single(MAGIC + "0a" + u64(2) + "abcdef")).toBe("trailing bytes in WAL mutation payload: 3")
    expect(batch(MAGIC + u64(1) + "0c" + "0c0c")).toBe("trailing bytes in WAL mutation payload: 2")
    expect(batch(MAGIC + u64(0) + "0c")).toBe("trailing bytes in WAL mutation payload: 1")
  })

  it("evaluation is sequential: the first failing read wins", () => {
    // Bad value tag inside a list, before a later truncation.
    expect(single(setProp("05" + u64(2) + "63" + "00"))).toBe("unknown WAL property value tag 99")
    // The batch count bound is checked before any event.
    expect(batch(MAGIC + u64(50) + "63")).toBe("WAL event count 50 exceeds remaining WAL payload")
  })

  it("pathological nesting is a Decode failure, not a RangeError", () => {
    const depth = 200_000
    const hex = setProp("05" + u64(1)).concat(("05" + u64(1)).repeat(depth), "00")
    expect(single(hex)).toBe("WAL mutation payload nests too deeply")
    const b = MAGIC + u64(1) + hex.slice(MAGIC.length)
    expect(batch(b)).toBe("WAL mutation payload nests too deeply")
  })

  it("LW1Codec.readSingle / readBatch honour start and end", () => {
    const inner = fromHex("ffff" + MAGIC + "0c" + "eeee")
    expect(LW1Codec.readSingle(inner, 2, 7)).toEqual({ _tag: "Clear" })
    expect(decodeError(() => LW1Codec.readSingle(inner, 2, 8))).toBe("trailing bytes in WAL mutation payload: 1")
    expect(decodeError(() => LW1Codec.readSingle(inner, 2, 6))).toBe("truncated WAL mutation payload")
  })
})

// ---------------------------------------------------------------------------
// Lenient decoding
// ---------------------------------------------------------------------------

describe("LW1 lenient decoding", () => {
  it("flag8: any non-zero byte is true; re-encoding normalises to 01", () => {
    const ev = decodeSingle(fromHex(setProp("01" + "02")))
    expect(ev).toEqual({ _tag: "SetNodeProperty", nodeId: 7n, key: "p", value: { _tag: "Bool", value: true } })
    expect(Buffer.from(encodeSingle(ev)).toString("hex")).toBe(setProp("01" + "01"))
    const drop = decodeSingle(fromHex(MAGIC + "0e" + str("i") + "ff"))
    expect(drop).toEqual({ _tag: "DropIndex", name: "i", ifExists: true })
  })

  it("a repeated map key keeps the last value and the entry count shrinks", () => {
    const ev = decodeSingle(
      fromHex(setProp("06" + u64(3) + str("a") + "02" + u64(1) + str("b") + "00" + str("a") + "02" + u64(2)))
    )
    if (ev._tag !== "SetNodeProperty" || ev.value._tag !== "Map") throw new Error("unexpected")
    expect(ev.value.value.size).toBe(2)
    expect(ev.value.value.get("a")).toEqual({ _tag: "Int", value: 2n })
  })

  it("an unsorted map decodes in file order and re-encodes sorted", () => {
    const hex = setProp("06" + u64(2) + str("b") + "00" + str("a") + "00")
    const ev = decodeSingle(fromHex(hex))
    if (ev._tag !== "SetNodeProperty" || ev.value._tag !== "Map") throw new Error("unexpected")
    expect([...ev.value.value.keys()]).toEqual(["b", "a"])
    expect(Buffer.from(encodeSingle(ev)).toString("hex")).toBe(setProp("06" + u64(2) + str("a") + "00" + str("b") + "00"))
  })

  it("a non-canonical NaN keeps its bits in nanBits and re-encodes identically", () => {
    for (const bits of ["010000000000f07f", "000000000000f8ff", "ffffffffffffffff", "deadbeef0000f87f"]) {
      const hex = setProp("03" + bits)
      const ev = decodeSingle(fromHex(hex))
      if (ev._tag !== "SetNodeProperty" || ev.value._tag !== "Float") throw new Error("unexpected")
      expect(Number.isNaN(ev.value.value)).toBe(true)
      expect(ev.value.nanBits).toBe(Buffer.from(bits, "hex").readBigUInt64LE())
      expect(Buffer.from(encodeSingle(ev)).toString("hex")).toBe(hex)
    }
    const canonical = decodeSingle(fromHex(setProp("03" + "000000000000f87f")))
    expect(canonical).toEqual({ _tag: "SetNodeProperty", nodeId: 7n, key: "p", value: { _tag: "Float", value: NaN } })
    expect("nanBits" in (canonical as { value: object }).value).toBe(false)
  })

  it("vector elements keep NaN payloads bit for bit", () => {
    const hex = setProp("0e" + u64(2) + "02" + u64(2) + "0100807f" + "ffffffff")
    expect(Buffer.from(encodeSingle(decodeSingle(fromHex(hex)))).toString("hex")).toBe(hex)
    const hex64 = setProp("0e" + u64(1) + "01" + u64(1) + "0100000000f0ff7f")
    expect(Buffer.from(encodeSingle(decodeSingle(fromHex(hex64)))).toString("hex")).toBe(hex64)
  })

  it("decoded vectors and binaries own their memory (no views into the payload)", () => {
    const buf = fromHex(setProp("0f" + u64(1) + bytes("0102")))
    const ev = decodeSingle(buf)
    buf.fill(0)
    if (ev._tag !== "SetNodeProperty" || ev.value._tag !== "Binary") throw new Error("unexpected")
    expect([...ev.value.segments[0]!]).toEqual([1, 2])
  })
})

// ---------------------------------------------------------------------------
// Store codec (embedded DDL requests)
// ---------------------------------------------------------------------------

/** IndexRequest body pieces. */
const optNone = "00"
const optSome = (s: string) => "01" + str(s)
const emptyList = u64(0)
const goodIndex = optSome("idx") + "01" + "01" + optSome("L") + emptyList + u64(1) + str("p") + u64(0)
const goodConstraint = str("c") + "01" + "01" + str("L") + u64(1) + str("p")

const createIndex = (body: string, flag = "01") => MAGIC + "0d" + bytes(body) + flag
const createConstraint = (body: string, flag = "00") => MAGIC + "0f" + bytes(body) + flag
const ci = (body: string) => single(createIndex(body))
const cc = (body: string) => single(createConstraint(body))
const IP = "CreateIndex decode failed: store value decode failed: "
const CP = "CreateConstraint decode failed: store value decode failed: "

describe("embedded lora-store request errors (spec §4.9/§4.10)", () => {
  it("well-formed requests decode", () => {
    expect(decodeSingle(fromHex(createIndex(goodIndex)))).toMatchObject({ _tag: "CreateIndex", ifNotExists: true })
    expect(decodeSingle(fromHex(createConstraint(goodConstraint)))).toMatchObject({
      _tag: "CreateConstraint",
      request: { name: "c", kind: { _tag: "Unique" }, entity: "NODE", label: "L", properties: ["p"] }
    })
  })

  it("truncated input", () => {
    expect(ci(goodIndex.slice(0, -2))).toBe(`${IP}truncated input`)
    expect(ci("")).toBe(`${IP}truncated input`)
    expect(cc(str("c"))).toBe(`${CP}truncated input`)
    expect(ci("01" + u64(5) + "6162")).toBe(`${IP}truncated input`)
  })

  it("offset overflow (offset counted from the start of the request)", () => {
    expect(ci("01" + u64(2n ** 64n - 1n))).toBe(`${IP}offset overflow`)
    expect(ci("01" + u64(2n ** 64n - 9n))).toBe(`${IP}offset overflow`)
    expect(ci("01" + u64(2n ** 64n - 10n))).toBe(`${IP}truncated input`)
    expect(cc(u64(2n ** 64n - 8n))).toBe(`${CP}offset overflow`)
  })

  it("trailing bytes", () => {
    expect(ci(goodIndex + "00")).toBe(`${IP}trailing bytes: 1`)
    expect(cc(goodConstraint + "0000")).toBe(`${CP}trailing bytes: 2`)
  })

  it("<label> count <n> exceeds remaining input", () => {
    expect(ci(optNone + "04" + "01" + optNone + u64(7))).toBe(`${IP}string count 7 exceeds remaining input`)
    expect(ci(optNone + "04" + "01" + optNone + emptyList + u64(7))).toBe(`${IP}string count 7 exceeds remaining input`)
    expect(ci(optNone + "04" + "01" + optNone + emptyList + emptyList + u64(3))).toBe(
      `${IP}index config map entry count 3 exceeds remaining input`
    )
    expect(ci(optNone + "04" + "01" + optNone + emptyList + emptyList + u64(1) + str("k") + "05" + u64(4))).toBe(
      `${IP}index config list value count 4 exceeds remaining input`
    )
    expect(cc(str("c") + "05" + u64(9))).toBe(`${CP}property type alternative count 9 exceeds remaining input`)
    expect(cc(str("c") + "01" + "01" + str("L") + u64(2))).toBe(`${CP}string count 2 exceeds remaining input`)
  })

  it("invalid UTF-8 string", () => {
    expect(ci("01" + rawStr("c3"))).toBe(`${IP}invalid UTF-8 string: incomplete utf-8 byte sequence from index 0`)
    expect(cc(rawStr("41ff"))).toBe(`${CP}invalid UTF-8 string: invalid utf-8 sequence of 1 bytes from index 1`)
  })

  it("invalid optional string tag", () => {
    expect(ci("02")).toBe(`${IP}invalid optional string tag 2`)
    expect(ci(optNone + "01" + "01" + "ff")).toBe(`${IP}invalid optional string tag 255`)
  })

  it("invalid index kind tag / entity tag", () => {
    expect(ci(optNone + "00")).toBe(`${IP}invalid index kind tag 0`)
    expect(ci(optNone + "07")).toBe(`${IP}invalid index kind tag 7`)
    expect(ci(optNone + "01" + "03")).toBe(`${IP}invalid index entity tag 3`)
    expect(ci(optNone + "01" + "00")).toBe(`${IP}invalid index entity tag 0`)
    expect(cc(str("c") + "01" + "09")).toBe(`${CP}invalid index entity tag 9`)
  })

  it("invalid index config value tag", () => {
    expect(ci(optNone + "04" + "01" + optNone + emptyList + emptyList + u64(1) + str("k") + "08")).toBe(
      `${IP}invalid index config value tag 8`
    )
    expect(ci(optNone + "04" + "01" + optNone + emptyList + emptyList + u64(1) + str("k") + "00")).toBe(
      `${IP}invalid index config value tag 0`
    )
  })

  it("invalid constraint kind / property-type term / scalar / vector coord tags", () => {
    expect(cc(str("c") + "06")).toBe(`${CP}invalid constraint kind tag 6`)
    expect(cc(str("c") + "00")).toBe(`${CP}invalid constraint kind tag 0`)
    expect(cc(str("c") + "05" + u64(1) + "04")).toBe(`${CP}invalid property-type term tag 4`)
    expect(cc(str("c") + "05" + u64(1) + "01" + "0e")).toBe(`${CP}invalid scalar type tag 14`)
    expect(cc(str("c") + "05" + u64(1) + "02" + "01" + "01" + "00")).toBe(`${CP}invalid scalar type tag 0`)
    expect(cc(str("c") + "05" + u64(1) + "03" + "07" + u32(3))).toBe(`${CP}invalid vector coord type tag 7`)
  })

  it("the store decoders standalone report `store value decode failed: …`", () => {
    expect(decodeError(() => decodeIndexRequest(fromHex("09")))).toBe("store value decode failed: invalid optional string tag 9")
    expect(decodeError(() => decodeConstraintRequest(fromHex(goodConstraint + "00")))).toBe(
      "store value decode failed: trailing bytes: 1"
    )
    const deep = str("c") + "05" + u64(1) + "0201".repeat(100_000) + "0101"
    expect(decodeError(() => decodeConstraintRequest(fromHex(deep + "01" + str("L") + u64(0))))).toBe(
      "store value decode failed: input nests too deeply"
    )
  })

  it("the CreateIndex flag is read after the embedded request", () => {
    expect(single(MAGIC + "0d" + bytes(goodIndex))).toBe("truncated WAL mutation payload")
    expect(single(MAGIC + "0d" + bytes("02"))).toBe(`${IP}invalid optional string tag 2`)
  })
})

// ---------------------------------------------------------------------------
// Encode validation
// ---------------------------------------------------------------------------

const setValue = (value: unknown): MutationEvent =>
  ({ _tag: "SetNodeProperty", nodeId: 1n, key: "k", value }) as MutationEvent
const enc = (ev: unknown) => encodeError(() => encodeSingle(ev as MutationEvent))
const encValue = (value: unknown) => enc(setValue(value))

describe("LW1 encode validation", () => {
  it("ids must be u64 bigints", () => {
    expect(enc({ _tag: "DeleteNode", nodeId: -1n })).toBe("DeleteNode.nodeId: expected a u64 bigint in [0, 2^64-1], got -1n")
    expect(enc({ _tag: "DeleteNode", nodeId: 2n ** 64n })).toBe(
      "DeleteNode.nodeId: expected a u64 bigint in [0, 2^64-1], got 18446744073709551616n"
    )
    expect(enc({ _tag: "DeleteRelationship", relId: 5 })).toBe(
      "DeleteRelationship.relId: expected a u64 bigint in [0, 2^64-1], got 5"
    )
    expect(enc({ _tag: "CreateRelationship", id: 1n, src: 1n, properties: new Map(), relType: "R" })).toBe(
      "CreateRelationship.dst: expected a u64 bigint in [0, 2^64-1], got undefined"
    )
  })

  it("strings must be well-formed UTF-16", () => {
    expect(enc({ _tag: "AddNodeLabel", nodeId: 1n, label: "a\ud800" })).toBe(
      "AddNodeLabel.label: string is not well-formed UTF-16 (lone surrogate)"
    )
    expect(enc({ _tag: "CreateNode", id: 1n, labels: ["ok", "\udc00"], properties: new Map() })).toBe(
      "CreateNode.labels[1]: string is not well-formed UTF-16 (lone surrogate)"
    )
    expect(enc({ _tag: "CreateNode", id: 1n, labels: [1], properties: new Map() })).toBe(
      "CreateNode.labels[1]: expected a string, got 1".replace("[1]", "[0]")
    )
    expect(encValue(Pv.string("\ud83d"))).toBe("SetNodeProperty.value.value: string is not well-formed UTF-16 (lone surrogate)")
    expect(enc({ _tag: "CreateNode", id: 1n, labels: [], properties: properties({ "\ud800x": Pv.null() }) })).toBe(
      'CreateNode.properties["\\ud800x"]: string is not well-formed UTF-16 (lone surrogate)'
    )
  })

  it("unknown tags", () => {
    expect(enc({ _tag: "Explode" })).toBe('unknown MutationEvent _tag "Explode"')
    expect(enc({ nodeId: 1n })).toBe("unknown MutationEvent _tag (missing)")
    expect(enc(null)).toBe("expected a MutationEvent object, got null")
    expect(encValue({ _tag: "Decimal", value: 1 })).toBe('SetNodeProperty.value: unknown PropertyValue _tag "Decimal"')
  })

  it("value ranges: i64, u32, i32, numbers, booleans", () => {
    expect(encValue({ _tag: "Int", value: 2n ** 63n })).toBe(
      "SetNodeProperty.value.value: expected an i64 bigint in [-2^63, 2^63-1], got 9223372036854775808n"
    )
    expect(encValue({ _tag: "Int", value: 3 })).toBe(
      "SetNodeProperty.value.value: expected an i64 bigint in [-2^63, 2^63-1], got 3"
    )
    expect(encValue(Pv.date(2024, -1, 1))).toBe("SetNodeProperty.value.month: expected a u32 integer in [0, 4294967295], got -1")
    expect(encValue(Pv.date(2 ** 31, 1, 1))).toBe(
      "SetNodeProperty.value.year: expected an i32 integer in [-2147483648, 2147483647], got 2147483648"
    )
    expect(encValue(Pv.time(1, 2, 3.5, 0, 0))).toBe(
      "SetNodeProperty.value.second: expected a u32 integer in [0, 4294967295], got 3.5"
    )
    expect(encValue({ ...Pv.duration({}), days: 1 })).toBe(
      "SetNodeProperty.value.days: expected an i64 bigint in [-2^63, 2^63-1], got 1"
    )
    expect(encValue(Pv.point(1, 2, -1))).toBe("SetNodeProperty.value.srid: expected a u32 integer in [0, 4294967295], got -1")
    expect(encValue({ _tag: "Point", x: "1", y: 2, srid: 7203 })).toBe('SetNodeProperty.value.x: expected a number, got "1"')
    expect(encValue({ _tag: "Float", value: 1n })).toBe("SetNodeProperty.value.value: expected a number, got 1n")
    expect(encValue({ _tag: "Bool", value: 1 })).toBe("SetNodeProperty.value.value: expected a boolean, got 1")
  })

  it("Float.nanBits must be a NaN pattern and value must be NaN", () => {
    expect(encValue(Pv.float(NaN, 0x3ff0000000000000n))).toBe(
      "SetNodeProperty.value.nanBits: expected the u64 bit pattern of a NaN (exponent all ones, mantissa non-zero), got 4607182418800017408n"
    )
    expect(encValue(Pv.float(1.5, 0x7ff0000000000001n))).toBe(
      "SetNodeProperty.value.value: expected NaN when nanBits is present, got 1.5"
    )
    // The default bits are accepted (decoding then omits nanBits).
    expect(() => encodeSingle(setValue(Pv.float(NaN, 0x7ff8000000000000n)))).not.toThrow()
  })

  it("containers: paths into lists, maps and property bags", () => {
    expect(encValue(Pv.list([Pv.null(), Pv.list([Pv.int(1), { _tag: "Int", value: "x" } as unknown as PropertyValue])]))).toBe(
      'SetNodeProperty.value[1][1].value: expected an i64 bigint in [-2^63, 2^63-1], got "x"'
    )
    expect(encValue(Pv.map({ b: Pv.null(), a: Pv.map({ z: { _tag: "Nope" } as unknown as PropertyValue }) }))).toBe(
      'SetNodeProperty.value["a"]["z"]: unknown PropertyValue _tag "Nope"'
    )
    expect(
      enc({ _tag: "CreateNode", id: 1n, labels: [], properties: properties({ age: { _tag: "Int", value: 1.5 } as never }) })
    ).toBe('CreateNode.properties["age"].value: expected an i64 bigint in [-2^63, 2^63-1], got 1.5')
    expect(enc({ _tag: "CreateNode", id: 1n, labels: [], properties: { a: Pv.null() } })).toBe(
      "CreateNode.properties: expected a ReadonlyMap<string, PropertyValue>, got an object"
    )
    expect(encValue({ _tag: "List", value: "abc" })).toBe("SetNodeProperty.value.value: expected an array of PropertyValue, got \"abc\"")
    expect(encValue({ _tag: "Map", value: new Map([[1, Pv.null()]]) })).toBe(
      "SetNodeProperty.value[1]: expected a string key, got 1"
    )
    expect(enc({ _tag: "CreateNode", id: 1n, labels: "abc", properties: new Map() })).toBe(
      'CreateNode.labels: expected an array of strings, got "abc"'
    )
  })

  it("vectors and binaries", () => {
    expect(encValue({ _tag: "Vector", values: [1, 2] })).toBe(
      "SetNodeProperty.value.values: expected a Float64Array, Float32Array, BigInt64Array, Int32Array, Int16Array or Int8Array, got an array"
    )
    expect(encValue({ _tag: "Vector", values: new Uint8Array(2) })).toContain("got a Uint8Array")
    expect(encValue({ _tag: "Binary", segments: [new Uint8Array(1), [1]] })).toBe(
      "SetNodeProperty.value.segments[1]: expected a Uint8Array, got an array"
    )
    expect(encValue({ _tag: "Binary", segments: new Uint8Array(1) })).toBe(
      "SetNodeProperty.value.segments: expected an array of Uint8Array, got a Uint8Array"
    )
  })

  it("DDL requests", () => {
    const req: IndexRequest = {
      kind: "RANGE",
      entity: "NODE",
      additionalLabels: [],
      properties: ["p"],
      options: new Map()
    }
    expect(enc({ _tag: "CreateIndex", request: { ...req, kind: "BTREE" }, ifNotExists: true })).toBe(
      'CreateIndex.request.kind: expected an index kind ("RANGE" | "TEXT" | "POINT" | "LOOKUP" | "VECTOR" | "FULLTEXT"), got "BTREE"'
    )
    expect(enc({ _tag: "CreateIndex", request: req, ifNotExists: "yes" })).toBe(
      'CreateIndex.ifNotExists: expected a boolean, got "yes"'
    )
    expect(
      enc({
        _tag: "CreateIndex",
        request: { ...req, options: new Map([["a", { _tag: "List", value: [{ _tag: "Integer", value: 1 }] }]]) },
        ifNotExists: true
      })
    ).toBe('CreateIndex.request.options["a"][0].value: expected an i64 bigint in [-2^63, 2^63-1], got 1')
    const con: ConstraintRequest = { name: "c", kind: { _tag: "Unique" }, entity: "NODE", label: "L", properties: [] }
    expect(enc({ _tag: "CreateConstraint", request: { ...con, entity: "EDGE" }, ifNotExists: false })).toBe(
      'CreateConstraint.request.entity: expected an entity kind ("NODE" | "RELATIONSHIP"), got "EDGE"'
    )
    expect(
      enc({
        _tag: "CreateConstraint",
        request: {
          ...con,
          kind: {
            _tag: "PropertyType",
            alternatives: [
              { _tag: "Scalar", scalar: "ANY" },
              { _tag: "List", notNull: true, inner: { _tag: "Vector", coord: "FLOAT16", dimension: 3 } }
            ]
          }
        },
        ifNotExists: false
      })
    ).toBe(
      'CreateConstraint.request.kind.alternatives[1].inner.coord: expected a vector coordinate type ("INT8" | "INT16" | "INT32" | "INT64" | "FLOAT32" | "FLOAT64"), got "FLOAT16"'
    )
    expect(encodeError(() => encodeIndexRequest({ ...req, explicitName: 5 } as never))).toBe(
      "IndexRequest.explicitName: expected a string, got 5"
    )
    expect(
      encodeError(() => encodeConstraintRequest({ ...con, kind: { _tag: "PropertyType", alternatives: [{ _tag: "Vector", coord: "INT8", dimension: -1 }] } }))
    ).toBe("ConstraintRequest.kind.alternatives[0].dimension: expected a u32 integer in [0, 4294967295], got -1")
  })

  it("batches: empty, not an array, and the failing index", () => {
    expect(encodeError(() => encodeBatch([]))).toBe("mutation batch must contain at least one event")
    expect(encodeError(() => encodeBatch("x" as never))).toBe("mutation batch must be an array, got string")
    expect(encodeError(() => encodeBatch([{ _tag: "Clear" }, { _tag: "DeleteNode", nodeId: -5n }]))).toBe(
      "event 1: DeleteNode.nodeId: expected a u64 bigint in [0, 2^64-1], got -5n"
    )
  })

  it("a failed write leaves the writer as it was", () => {
    const w = new ByteWriter(16)
    LW1Codec.writeSingle(w, { _tag: "Clear" })
    const before = Buffer.from(w.bytes()).toString("hex")
    expect(() => LW1Codec.writeSingle(w, setValue(Pv.list([Pv.int(1), Pv.string("\ud800")])))).toThrow(CodecFailure)
    expect(() => writeBatch(w, [{ _tag: "Clear" }, { _tag: "Bogus" } as never])).toThrow(CodecFailure)
    expect(Buffer.from(w.bytes()).toString("hex")).toBe(before)
  })

  it("writeValue reports paths relative to the value", () => {
    const w = new ByteWriter()
    expect(encodeError(() => writeValue(w, Pv.list([{ _tag: "Null" }, 5 as never])))).toBe(
      "value[1]: expected a PropertyValue object, got 5"
    )
  })

  it("pathological nesting is an Encode failure, not a RangeError", () => {
    let v: PropertyValue = Pv.null()
    for (let i = 0; i < 200_000; i++) v = Pv.list([v])
    expect(encValue(v)).toBe("mutation event nests too deeply to encode")
    let m: PropertyValue = Pv.null()
    for (let i = 0; i < 200_000; i++) m = Pv.map({ k: m })
    expect(encodeError(() => encodeBatch([setValue(m)]))).toBe("mutation event nests too deeply to encode")
  })
})
