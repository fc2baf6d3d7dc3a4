/**
 * Codec cost of one commit (10 `MutationEvent`s): LoraDB's LW1 batch codec
 * against JSON of the same events.
 *
 * JSON cannot hold the events as they are (ids and ints are `bigint`s,
 * property bags are `Map`s), so the JSON side uses the cheapest faithful
 * mapping: a replacer turning each `bigint` into its decimal string and each
 * `Map` into a plain object. Rows:
 *
 * - encode: LW1 `writeBatch` into a reused `ByteWriter` (the log's hot path)
 *   and `encodeBatch` (fresh buffer); `JSON.stringify(events, replacer)`
 *   alone and followed by `TextEncoder.encode` (a log stores bytes).
 * - decode: LW1 `decodeBatch` (full `MutationEvent`s: bigints, Maps);
 *   `JSON.parse` alone and after `TextDecoder.decode` — both return strings
 *   for ids and plain objects for properties, i.e. less than LW1 returns;
 *   and `JSON.parse` with a reviver that restores bigint ids/ints and Maps
 *   (the same events LW1 returns).
 * - CRC-32 of the payload: the `crc-32` package (what `src/format` uses) and
 *   Node's native `zlib.crc32`.
 *
 * Ratios are taken on commits/s (the same 10 events per operation); MB/s is
 * each row's own encoded bytes per second (JSON is ~2× larger, so its MB/s
 * flatters it).
 *
 * @module
 */
import * as zlib from "node:zlib"
import type { MutationEvent } from "../../src/event/MutationEvent.js"
import type { BenchCase, CodecRow } from "../types.js"
import { makeCommitPool } from "../workload.js"

const POOL = 256

/** Runs `op(i)` for `seconds` (after a short warm-up); returns ops/s and a checksum to keep the work alive. */
const measure = (seconds: number, op: (i: number) => number): { readonly perSec: number; readonly sink: number } => {
  let sink = 0
  const warmEnd = process.hrtime.bigint() + BigInt(Math.round(Math.min(0.2, seconds / 4) * 1e9))
  let i = 0
  while (process.hrtime.bigint() < warmEnd) for (let k = 0; k < 64; k++) sink += op(i++)
  const t0 = process.hrtime.bigint()
  const end = t0 + BigInt(Math.round(seconds * 1e9))
  let n = 0
  let t = t0
  while (t < end) {
    for (let k = 0; k < 64; k++) sink += op(i++)
    n += 64
    t = process.hrtime.bigint()
  }
  return { perSec: n / (Number(t - t0) / 1e9), sink }
}

/** JSON.stringify replacer: bigint → decimal string, Map → plain object (the minimum to keep the data). */
export const jsonReplacer = (_key: string, v: unknown): unknown =>
  typeof v === "bigint" ? v.toString() : v instanceof Map ? Object.fromEntries(v) : v

/** Keys whose string values are u64/i64 ids in this workload's JSON (restored to bigint by the reviver). */
const ID_KEYS = new Set(["id", "src", "dst", "nodeId", "relId"])

/**
 * JSON.parse reviver restoring the events' types: ids → bigint, `Int`
 * values → bigint, property bags (`properties`, a `Map` value) → `Map`.
 */
export const jsonReviver = function (this: Record<string, unknown>, key: string, v: unknown): unknown {
  if (typeof v === "string" && ID_KEYS.has(key)) return BigInt(v)
  if (key === "value" && typeof v === "string" && this["_tag"] === "Int") return BigInt(v)
  if (key === "properties" && typeof v === "object" && v !== null) return new Map(Object.entries(v))
  return v
}

export const codecCases: ReadonlyArray<BenchCase> = [
  {
    id: "codec/encode-decode/c1",
    kind: "codec",
    role: "peer",
    store: "codec",
    mode: "one commit = 10 events",
    concurrency: 1,
    durable: false,
    run: async (_dir, params) => {
      const { ByteWriter } = await import("../../src/format/Bytes.js")
      const { decodeBatch, encodeBatch, writeBatch } = await import("../../src/event/LW1.js")
      const pool = makeCommitPool(POOL)
      const mask = POOL - 1
      const events: ReadonlyArray<ReadonlyArray<MutationEvent>> = pool.map((c) => c.events)
      const payloads = pool.map((c) => c.payload)
      const te = new TextEncoder()
      const td = new TextDecoder()
      const jsonText = events.map((e) => JSON.stringify(e, jsonReplacer))
      const jsonBytes = jsonText.map((s) => te.encode(s))
      const jsonSize = jsonBytes[0]!.length
      const payloadSize = payloads[0]!.length
      // The reviver must give back the events LW1 decodes (checked once, not timed).
      const revived = JSON.parse(jsonText[7]!, jsonReviver) as unknown
      if (JSON.stringify(revived, jsonReplacer) !== jsonText[7] || typeof (revived as Array<{ id: unknown }>)[0]!.id !== "bigint")
        throw new Error("codec bench: JSON reviver does not restore the events")
      const crcPkg = (await import("crc-32")).default.buf
      const secs = Math.max(0.05, params.seconds / 3)
      const w = new ByteWriter(4096)
      let sink = 0
      const ENC = "JSON.stringify(replacer) + TextEncoder.encode"
      const DEC = "TextDecoder.decode + JSON.parse"
      const CRC = "CRC-32 of the payload (crc-32 package)"
      const row = (name: string, size: number, op: (i: number) => number, note?: string, baseline?: string): CodecRow => {
        const m = measure(secs, op)
        sink += m.sink
        const base = baseline ?? (name.startsWith("CRC") ? CRC : /decode|parse/i.test(name) ? DEC : ENC)
        return {
          name,
          commitsPerSec: m.perSec,
          bytesPerCommit: size,
          mbPerSec: (m.perSec * size) / 1e6,
          baseline: base,
          ...(note === undefined ? {} : { note })
        }
      }
      const rows: Array<CodecRow> = [
        row(
          "LW1 encode (LW1Codec.writeBatch into a reused ByteWriter)",
          payloadSize,
          (i) => {
            w.truncate(0)
            writeBatch(w, events[i & mask]!)
            return w.length
          },
          "the log's hot path"
        ),
        row("LW1 encodeBatch (fresh buffer)", payloadSize, (i) => encodeBatch(events[i & mask]!).length),
        row("JSON.stringify(replacer)", jsonSize, (i) => JSON.stringify(events[i & mask], jsonReplacer).length, "bigint → string, Map → object"),
        row(ENC, jsonSize, (i) => te.encode(JSON.stringify(events[i & mask], jsonReplacer)).length),
        row("LW1 decode (decodeBatch)", payloadSize, (i) => decodeBatch(payloads[i & mask]!).length, "full MutationEvents (bigint, Map)"),
        row("JSON.parse", jsonSize, (i) => (JSON.parse(jsonText[i & mask]!) as ReadonlyArray<unknown>).length, "ids stay strings, properties plain objects"),
        row(DEC, jsonSize, (i) => (JSON.parse(td.decode(jsonBytes[i & mask]!)) as ReadonlyArray<unknown>).length, "ids stay strings, properties plain objects"),
        row(
          "TextDecoder.decode + JSON.parse(reviver)",
          jsonSize,
          (i) => (JSON.parse(td.decode(jsonBytes[i & mask]!), jsonReviver) as ReadonlyArray<unknown>).length,
          "restores bigint and Map: the same events as LW1"
        ),
        row(CRC, payloadSize, (i) => crcPkg(payloads[i & mask]!) & 1),
        row("CRC-32 of the payload (zlib.crc32, native)", payloadSize, (i) => zlib.crc32(payloads[i & mask]!) & 1)
      ]
      if (sink === 0.5) console.error("unreachable") // keeps `sink` observable
      return { kind: "codec", rows }
    }
  }
]
