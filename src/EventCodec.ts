/**
 * `EventCodec<E>`: how a log turns its events into record payloads and back.
 * The log is generic in its event type; LoraDB's LW1 codec for
 * `MutationEvent` (`LW1Codec` in `event/`) is the default.
 *
 * A codec owns the whole payload of the two payload-carrying record kinds:
 * - kind 1 (Mutation): one event (`writeSingle` / `readSingle`);
 * - kind 6 (MutationBatch): an ordered, non-empty list (`writeBatch` / `readBatch`).
 *
 * The functions are synchronous and throw {@link CodecFailure} (`Encode` or
 * `Decode` with a reason); the framing layer maps those into `WalError`.
 * Encoders must validate what they encode (an event that does not fit its
 * Schema is an `Encode` failure, never a corrupt record), and decoders must
 * consume the payload exactly and never throw anything but `CodecFailure`.
 *
 * @module
 */
import type { Schema } from "effect"
import type { ByteWriter } from "./format/Bytes.js"

export interface EventCodec<E> {
  /** A short name for diagnostics, e.g. `"LW1"`. */
  readonly name: string
  /** The Schema of one event (used for validation at the API boundary, docs and tests). */
  readonly schema: Schema.Codec<E, unknown, never, never> | Schema.Top
  /** Appends the single-event payload of `event` to `w`. Throws `CodecFailure("Encode", …)`. */
  readonly writeSingle: (w: ByteWriter, event: E) => void
  /** Appends the batch payload of `events` (length ≥ 1) to `w`. Throws `CodecFailure("Encode", …)`. */
  readonly writeBatch: (w: ByteWriter, events: ReadonlyArray<E>) => void
  /** Decodes `payload[start, end)` as one event. Throws `CodecFailure("Decode", …)`. */
  readonly readSingle: (payload: Uint8Array, start: number, end: number) => E
  /** Decodes `payload[start, end)` as a batch (possibly empty). Throws `CodecFailure("Decode", …)`. */
  readonly readBatch: (payload: Uint8Array, start: number, end: number) => Array<E>
}
