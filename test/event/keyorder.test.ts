/**
 * Map / Properties / ConfigMap key order: ascending UTF-8 bytes (spec §4.4),
 * not JS string order and not insertion order.
 */
import { describe, expect, it } from "@effect/vitest"
import type { ConfigValue } from "../../src/event/Ddl.js"
import { decodeSingle, encodeSingle } from "../../src/event/LW1.js"
import type { MutationEvent } from "../../src/event/MutationEvent.js"
import { properties, Pv, type PropertyValue } from "../../src/event/PropertyValue.js"
import { compareUtf8, sortUtf8 } from "../../src/event/Validate.js"

const u64 = (n: number) => Buffer.from(BigUint64Array.of(BigInt(n)).buffer).toString("hex")
const str = (s: string) => u64(Buffer.byteLength(s)) + Buffer.from(s, "utf8").toString("hex")
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex")

const mapKeysOf = (ev: MutationEvent): Array<string> => {
  if (ev._tag === "SetNodeProperty" && ev.value._tag === "Map") return [...ev.value.value.keys()]
  if (ev._tag === "CreateNode") return [...ev.properties.keys()]
  throw new Error("unexpected event")
}

/** Bytes of a SetNodeProperty{1,"m", Map{keys → Null}} with the keys in the given order. */
const expectedMapHex = (keys: ReadonlyArray<string>) =>
  "4c573100" + "03" + u64(1) + str("m") + "06" + u64(keys.length) + keys.map((k) => str(k) + "00").join("")

const mapEvent = (keys: ReadonlyArray<string>): MutationEvent => ({
  _tag: "SetNodeProperty",
  nodeId: 1n,
  key: "m",
  value: { _tag: "Map", value: new Map(keys.map((k) => [k, Pv.null()] as const)) }
})

describe("UTF-8 key order", () => {
  it("b, a, B, aa, U+FF61, U+1F600 → B, a, aa, b, U+FF61, U+1F600", () => {
    const sorted = ["B", "a", "aa", "b", "\u{FF61}", "\u{1F600}"]
    const bytes = encodeSingle(mapEvent(["b", "a", "B", "aa", "\u{FF61}", "\u{1F600}"]))
    expect(hex(bytes)).toBe(expectedMapHex(sorted))
    expect(mapKeysOf(decodeSingle(bytes))).toEqual(sorted)
    // JS's default sort would put the surrogate pair first.
    expect(["\u{FF61}", "\u{1F600}"].sort()).toEqual(["\u{1F600}", "\u{FF61}"])
  })

  it('integer-like keys: "10", "9", "a" by bytes (no jumping ahead)', () => {
    const bytes = encodeSingle(mapEvent(["a", "9", "10"]))
    expect(hex(bytes)).toBe(expectedMapHex(["10", "9", "a"]))
    // A plain object iterates integer-like keys first, numerically: the encoder still sorts by bytes.
    const fromObject = properties({ a: Pv.int(1), 9: Pv.int(2), 10: Pv.int(3) })
    expect([...fromObject.keys()]).toEqual(["9", "10", "a"])
    const ev = decodeSingle(encodeSingle({ _tag: "CreateNode", id: 0n, labels: [], properties: fromObject }))
    expect(mapKeysOf(ev)).toEqual(["10", "9", "a"])
  })

  it("a proper prefix sorts first; the empty key first of all", () => {
    const sorted = ["", "a", "a\u0000", "ab", "b"]
    expect(hex(encodeSingle(mapEvent(["ab", "b", "a\u0000", "", "a"])))).toBe(expectedMapHex(sorted))
  })

  it("BMP private-use / specials vs astral: U+E000 < U+FFFF < U+10000 < U+10FFFF", () => {
    const sorted = ["\uD7FF", "\uE000", "\uFFFF", "\u{10000}", "\u{1F600}", "\u{10FFFF}"]
    expect(hex(encodeSingle(mapEvent(["\u{10FFFF}", "\u{10000}", "\uFFFF", "\u{1F600}", "\uE000", "\uD7FF"])))).toBe(
      expectedMapHex(sorted)
    )
  })

  it("an already-sorted map is written as is, an unsorted one sorted (same bytes)", () => {
    const keys = ["B", "a", "aa", "b", "\u{FF61}", "\u{1F600}"]
    expect(hex(encodeSingle(mapEvent(keys)))).toBe(hex(encodeSingle(mapEvent([...keys].reverse()))))
  })

  it("nested maps and property bags are sorted at every level", () => {
    const inner: PropertyValue = Pv.map({ z: Pv.null(), "\u{1F600}": Pv.null(), "\uFF5E": Pv.null(), Z: Pv.null() })
    const ev: MutationEvent = {
      _tag: "CreateRelationship",
      id: 1n,
      src: 2n,
      dst: 3n,
      relType: "R",
      properties: properties({ weight: Pv.list([inner]), since: inner })
    }
    const back = decodeSingle(encodeSingle(ev))
    if (back._tag !== "CreateRelationship") throw new Error("unexpected")
    expect([...back.properties.keys()]).toEqual(["since", "weight"])
    const since = back.properties.get("since")!
    if (since._tag !== "Map") throw new Error("unexpected")
    expect([...since.value.keys()]).toEqual(["Z", "z", "\uFF5E", "\u{1F600}"])
  })

  it("index options (ConfigMap) are sorted by UTF-8 bytes too", () => {
    const options = new Map<string, ConfigValue>([
      ["\u{1F600}", { _tag: "Null" }],
      ["\uFF61", { _tag: "Null" }],
      ["10", { _tag: "Null" }],
      ["9", { _tag: "Null" }]
    ])
    const ev = decodeSingle(
      encodeSingle({
        _tag: "CreateIndex",
        request: { kind: "RANGE", entity: "NODE", additionalLabels: [], properties: [], options },
        ifNotExists: false
      })
    )
    if (ev._tag !== "CreateIndex") throw new Error("unexpected")
    expect([...ev.request.options.keys()]).toEqual(["10", "9", "\uFF61", "\u{1F600}"])
  })

  it("compareUtf8 / sortUtf8 agree with Buffer.compare on UTF-8 bytes", () => {
    const keys = ["b", "a", "B", "aa", "\u{FF61}", "\u{1F600}", "10", "9", "", "\uE000", "\u{10000}", "é", "\u00FF", "\u0100"]
    const byBytes = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)))
    expect([...keys].sort(compareUtf8)).toEqual(byBytes)
    expect(sortUtf8([...keys])).toEqual(byBytes)
    expect(sortUtf8(["b", "a", "B"])).toEqual(["B", "a", "b"])
  })
})
