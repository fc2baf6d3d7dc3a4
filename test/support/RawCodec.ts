/** A test codec whose "event" is the raw payload bytes: lets framing tests run without a payload codec. */
import { Schema } from "effect"
import type { EventCodec } from "../../src/EventCodec.js"

export const RawCodec: EventCodec<Uint8Array> = {
  name: "raw",
  schema: Schema.Uint8Array,
  writeSingle: (w, e) => w.raw(e),
  writeBatch: (w, es) => {
    for (const e of es) w.raw(e)
  },
  readSingle: (b, s, e) => b.slice(s, e),
  readBatch: (b, s, e) => (e > s ? [b.slice(s, e)] : [])
}
