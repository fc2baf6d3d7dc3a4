/**
 * Codec cost of one commit (10 events): JSON (with and without the
 * TextEncoder/TextDecoder step a byte log needs) against the binary codec.
 *
 * TODO(lw1): the LW1 rows are placeholders until `LW1Codec` lands in
 * `src/event/LW1.ts`; the "stand-in binary" row measures the workload's
 * stand-in encoder (an LW1-shaped hand-rolled layout), which is NOT LW1.
 * The CRC-32 rows compare the `crc-32` package (what src/format uses) with
 * Node's native `zlib.crc32` over one commit's payload.
 *
 * @module
 */
import * as zlib from "node:zlib"
import type { BenchCase, CodecRow } from "../types.js"
import { makeCommitPool, PAYLOAD_IS_STAND_IN, standInEncode, type BenchEvent } from "../workload.js"

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
      const pool = makeCommitPool(POOL)
      const mask = POOL - 1
      const events: ReadonlyArray<ReadonlyArray<BenchEvent>> = pool.map((c) => c.events)
      const te = new TextEncoder()
      const td = new TextDecoder()
      const jsonText = events.map((e) => JSON.stringify(e))
      const jsonBytes = jsonText.map((s) => te.encode(s))
      const jsonSize = jsonBytes[0]!.length
      const payloadSize = pool[0]!.payload.length
      const crcPkg = (await import("crc-32")).default.buf
      const secs = Math.max(0.05, params.seconds / 3)
      let sink = 0
      const ENC = "JSON.stringify + TextEncoder.encode"
      const DEC = "TextDecoder.decode + JSON.parse"
      const CRC = "CRC-32 of the payload (crc-32 package)"
      const row = (name: string, size: number, op: (i: number) => number, note?: string): CodecRow => {
        const m = measure(secs, op)
        sink += m.sink
        const baseline = name.startsWith("CRC") ? CRC : /decode|parse/i.test(name) ? DEC : ENC
        return {
          name,
          commitsPerSec: m.perSec,
          bytesPerCommit: size,
          mbPerSec: (m.perSec * size) / 1e6,
          baseline,
          ...(note === undefined ? {} : { note })
        }
      }
      const rows: Array<CodecRow> = [
        {
          name: "LW1 encode (LW1Codec.writeBatch)",
          commitsPerSec: null,
          bytesPerCommit: null,
          mbPerSec: null,
          note: "pending: TODO(lw1)",
          baseline: ENC
        },
        {
          name: "LW1 decode (LW1Codec.readBatch)",
          commitsPerSec: null,
          bytesPerCommit: null,
          mbPerSec: null,
          note: "pending: TODO(lw1)",
          baseline: DEC
        },
        row(
          "stand-in binary encode",
          payloadSize,
          (i) => standInEncode(events[i & mask]!).length,
          PAYLOAD_IS_STAND_IN ? "the workload's stand-in, not LW1" : "unused"
        ),
        row("JSON.stringify", jsonSize, (i) => JSON.stringify(events[i & mask]).length),
        row(ENC, jsonSize, (i) => te.encode(JSON.stringify(events[i & mask])).length),
        row("JSON.parse", jsonSize, (i) => (JSON.parse(jsonText[i & mask]!) as ReadonlyArray<unknown>).length),
        row(
          DEC,
          jsonSize,
          (i) => (JSON.parse(td.decode(jsonBytes[i & mask]!)) as ReadonlyArray<unknown>).length
        ),
        row(CRC, payloadSize, (i) => crcPkg(pool[i & mask]!.payload) & 1),
        row("CRC-32 of the payload (zlib.crc32, native)", payloadSize, (i) => zlib.crc32(pool[i & mask]!.payload) & 1)
      ]
      if (sink === 0.5) console.error("unreachable") // keeps `sink` observable
      return { kind: "codec", rows }
    }
  }
]
