/**
 * LW1 against the reference fixtures (`test/fixtures/lora-wal`): every
 * payload record of every scenario decodes and re-encodes to the same bytes,
 * and the committed events of `basic` and `all-kinds` equal `open.events`
 * (and `open.events_exact`) from `expected.json`, key order included.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { ByteWriter } from "../../src/format/Bytes.js"
import { LW1Codec } from "../../src/event/LW1.js"
import type { MutationEvent } from "../../src/event/MutationEvent.js"
import { canonical, canonicalEvent, type J, JNum, JObj, parseOrdered } from "../support/serde.js"

const ROOT = Path.join(import.meta.dirname, "..", "fixtures", "lora-wal")
const SCENARIOS = Fs.readdirSync(ROOT, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort()

const num = (j: J | undefined): number => {
  if (!(j instanceof JNum)) throw new Error("expected a number")
  return Number(j.text)
}
const arr = (j: J | undefined): ReadonlyArray<J> => {
  if (!Array.isArray(j)) throw new Error("expected an array")
  return j as ReadonlyArray<J>
}
const objOf = (j: J | undefined): JObj => {
  if (!(j instanceof JObj)) throw new Error("expected an object")
  return j
}

interface PayloadRecord {
  readonly file: string
  readonly offset: number
  readonly kind: number
  readonly lsn: number
  readonly payload: Uint8Array
}

const loadScenario = (name: string) => {
  const expected = objOf(parseOrdered(Fs.readFileSync(Path.join(ROOT, name, "expected.json"), "utf8")))
  const records: Array<PayloadRecord> = []
  for (const seg of arr(expected.get("segments"))) {
    const s = objOf(seg)
    const file = s.get("file") as string
    const bytes = new Uint8Array(Fs.readFileSync(Path.join(ROOT, name, file)))
    for (const rec of arr(s.get("records"))) {
      const r = objOf(rec)
      const kind = num(r.get("kind"))
      if (kind !== 1 && kind !== 6) continue
      if (r.get("crc_ok") !== true) continue
      const offset = num(r.get("offset"))
      const length = num(r.get("length"))
      if (offset + length > bytes.length) continue
      records.push({ file, offset, kind, lsn: num(r.get("lsn")), payload: bytes.subarray(offset + 21, offset + length - 4) })
    }
  }
  return { expected, records }
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex")

describe("LW1 against the lora-wal fixtures", () => {
  it("finds all ten scenarios", () => {
    expect(SCENARIOS).toHaveLength(10)
  })

  for (const name of SCENARIOS) {
    it(`${name}: every payload record decodes and re-encodes byte for byte`, () => {
      const { records } = loadScenario(name)
      expect(records.length).toBeGreaterThan(0)
      const w = new ByteWriter()
      for (const rec of records) {
        w.reset()
        if (rec.kind === 6) {
          const events = LW1Codec.readBatch(rec.payload, 0, rec.payload.length)
          if (events.length === 0) continue // a zero-event batch cannot be written (lora-wal never writes one)
          LW1Codec.writeBatch(w, events)
        } else {
          LW1Codec.writeSingle(w, LW1Codec.readSingle(rec.payload, 0, rec.payload.length))
        }
        if (hex(w.bytes()) !== hex(rec.payload)) {
          throw new Error(`${name}/${rec.file} @${rec.offset} (lsn ${rec.lsn}): re-encoded payload differs`)
        }
      }
    })
  }

  for (const name of ["basic", "all-kinds"]) {
    it(`${name}: committed events equal open.events and open.events_exact (key order included)`, () => {
      const { expected, records } = loadScenario(name)
      const events: Array<MutationEvent> = []
      for (const rec of records) {
        if (rec.kind === 6) events.push(...LW1Codec.readBatch(rec.payload, 0, rec.payload.length))
        else events.push(LW1Codec.readSingle(rec.payload, 0, rec.payload.length))
      }
      const open = objOf(expected.get("open"))
      const plain = arr(open.get("events"))
      expect(events.length).toBe(plain.length)
      expect(events.length).toBe(num(open.get("event_count")))
      for (let i = 0; i < events.length; i++) {
        expect(canonicalEvent(events[i]!, "plain"), `event ${i}`).toBe(canonical(plain[i]!))
      }
      const exact = open.get("events_exact")
      if (open.get("events_exact_present") === true) {
        const ex = arr(exact)
        expect(ex.length).toBe(events.length)
        for (let i = 0; i < events.length; i++) {
          expect(canonicalEvent(events[i]!, "exact"), `event ${i}`).toBe(canonical(ex[i]!))
        }
      } else {
        // Without hazards both forms agree.
        for (let i = 0; i < events.length; i++) {
          expect(canonicalEvent(events[i]!, "exact")).toBe(canonical(plain[i]!))
        }
      }
    })
  }

  it("all-kinds: every PropertyValue variant and every MutationEvent variant occurs", () => {
    const { records } = loadScenario("all-kinds")
    const eventTags = new Set<string>()
    const valueTags = new Set<string>()
    const visit = (v: import("../../src/event/PropertyValue.js").PropertyValue): void => {
      valueTags.add(v._tag)
      if (v._tag === "List") v.value.forEach(visit)
      if (v._tag === "Map") v.value.forEach(visit)
    }
    for (const rec of records) {
      for (const ev of LW1Codec.readBatch(rec.payload, 0, rec.payload.length)) {
        eventTags.add(ev._tag)
        if (ev._tag === "CreateNode" || ev._tag === "CreateRelationship") ev.properties.forEach(visit)
        if (ev._tag === "SetNodeProperty" || ev._tag === "SetRelationshipProperty") visit(ev.value)
      }
    }
    expect(eventTags.size).toBe(16)
    expect(valueTags.size).toBe(16)
  })

  it("the order-preserving parser keeps integer-like keys and big integers", () => {
    const j = objOf(parseOrdered('{"10":1,"9":2,"a":-9223372036854775808,"b":-0.0}'))
    expect(j.entries.map(([k]) => k)).toEqual(["10", "9", "a", "b"])
    expect(canonical(j)).toBe('{"10":i1,"9":i2,"a":i-9223372036854775808,"b":f-0}')
  })
})
