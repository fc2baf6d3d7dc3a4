/**
 * The benchmark workload: one commit = one transaction of 10 graph mutation
 * events, encoded to ~600 bytes. Every store (the raw floors, the peers and,
 * later, effect-wal) stores the same encoded bytes per commit.
 *
 * Two separate steps, so switching to the real codec touches one line:
 * - {@link makeCommitEvents} builds the events of commit `k` (deterministic);
 * - {@link encodeCommit} turns them into the payload bytes.
 *
 * TODO(lw1): the LW1 codec (`LW1Codec` in `src/event/LW1.ts`) is being written.
 * Until it lands, `encodeCommit` is a STAND-IN: a hand-rolled little-endian
 * layout shaped like LW1 (tag bytes, u64 ids and counts, length-prefixed
 * UTF-8 strings, tagged values) padded to exactly {@link PAYLOAD_BYTES}. The
 * bytes are NOT LW1 and the events are plain objects, not `MutationEvent`s.
 * To switch: point `encodeCommit` at the LW1 batch encoder (and, if the
 * `MutationEvent` shape differs, adapt `makeCommitEvents` to build
 * `MutationEvent`s — the peers only ever see the bytes).
 *
 * @module
 */

/** Events per commit (one transaction). */
export const EVENTS_PER_COMMIT = 10
/** Size of the stand-in payload of one commit. TODO(lw1): the real size follows from the codec. */
export const PAYLOAD_BYTES = 600

/** A property value, tagged like LW1's PropertyValue (stand-in shape). */
export type BenchValue =
  | { readonly _tag: "Null" }
  | { readonly _tag: "Bool"; readonly value: boolean }
  | { readonly _tag: "Int"; readonly value: number }
  | { readonly _tag: "Float"; readonly value: number }
  | { readonly _tag: "String"; readonly value: string }

export type BenchProperties = Readonly<Record<string, BenchValue>>

/** A graph mutation event (stand-in shape; TODO(lw1): `MutationEvent`). */
export type BenchEvent =
  | {
      readonly _tag: "CreateNode"
      readonly id: number
      readonly labels: ReadonlyArray<string>
      readonly properties: BenchProperties
    }
  | {
      readonly _tag: "CreateRelationship"
      readonly id: number
      readonly src: number
      readonly dst: number
      readonly relType: string
      readonly properties: BenchProperties
    }
  | { readonly _tag: "SetNodeProperty"; readonly nodeId: number; readonly key: string; readonly value: BenchValue }
  | { readonly _tag: "RemoveNodeProperty"; readonly nodeId: number; readonly key: string }
  | { readonly _tag: "AddNodeLabel"; readonly nodeId: number; readonly label: string }
  | { readonly _tag: "SetRelationshipProperty"; readonly relId: number; readonly key: string; readonly value: BenchValue }

const pad8 = (n: number) => String(n).padStart(8, "0")

/**
 * The 10 events of commit `k`: three nodes, two relationships, property and
 * label changes. Deterministic and of constant encoded size for every `k`
 * below 3·10^7 (ids stay 8 digits).
 */
export const makeCommitEvents = (k: number): ReadonlyArray<BenchEvent> => {
  const n = k * 3
  const r = k * 2
  return [
    {
      _tag: "CreateNode",
      id: n + 1,
      labels: ["Person"],
      properties: {
        age: { _tag: "Int", value: 20 + (k % 50) },
        name: { _tag: "String", value: `person-${pad8(n + 1)}` }
      }
    },
    {
      _tag: "CreateNode",
      id: n + 2,
      labels: ["Person"],
      properties: {
        age: { _tag: "Int", value: 30 + (k % 40) },
        name: { _tag: "String", value: `person-${pad8(n + 2)}` }
      }
    },
    {
      _tag: "CreateRelationship",
      id: r + 1,
      src: n + 1,
      dst: n + 2,
      relType: "KNOWS",
      properties: { since: { _tag: "Int", value: 2000 + (k % 25) } }
    },
    {
      _tag: "SetNodeProperty",
      nodeId: n + 1,
      key: "email",
      value: { _tag: "String", value: `p${pad8(n + 1)}@example.com` }
    },
    { _tag: "AddNodeLabel", nodeId: n + 2, label: "Manager" },
    { _tag: "SetRelationshipProperty", relId: r + 1, key: "weight", value: { _tag: "Float", value: (k % 97) / 97 } },
    {
      _tag: "CreateNode",
      id: n + 3,
      labels: ["Company"],
      properties: {
        founded: { _tag: "Int", value: 1950 + (k % 70) },
        name: { _tag: "String", value: `company-${pad8(n + 3)}` }
      }
    },
    {
      _tag: "CreateRelationship",
      id: r + 2,
      src: n + 2,
      dst: n + 3,
      relType: "WORKS_AT",
      properties: { role: { _tag: "String", value: "dev" } }
    },
    { _tag: "SetNodeProperty", nodeId: n + 3, key: "active", value: { _tag: "Bool", value: k % 2 === 0 } },
    { _tag: "RemoveNodeProperty", nodeId: n + 1, key: "age" }
  ]
}

// ---------------------------------------------------------------------------
// Stand-in encoder. TODO(lw1): delete once encodeCommit uses the LW1 codec.

class StandInWriter {
  private buf = new Uint8Array(1024)
  private view = new DataView(this.buf.buffer)
  private n = 0
  private static readonly utf8 = new TextEncoder()

  private ensure(k: number): void {
    if (this.n + k <= this.buf.length) return
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.n + k))
    next.set(this.buf.subarray(0, this.n))
    this.buf = next
    this.view = new DataView(next.buffer)
  }
  u8(v: number): void {
    this.ensure(1)
    this.buf[this.n++] = v
  }
  /** Non-negative integers below 2^53 (no BigInt on the hot path). */
  u64(v: number): void {
    this.ensure(8)
    this.view.setUint32(this.n, v >>> 0, true)
    this.view.setUint32(this.n + 4, Math.floor(v / 0x1_0000_0000), true)
    this.n += 8
  }
  f64(v: number): void {
    this.ensure(8)
    this.view.setFloat64(this.n, v, true)
    this.n += 8
  }
  str(s: string): void {
    this.ensure(8 + s.length * 3)
    const at = this.n
    this.n += 8
    const { written } = StandInWriter.utf8.encodeInto(s, this.buf.subarray(this.n))
    this.n = at
    this.u64(written)
    this.n += written
  }
  get length(): number {
    return this.n
  }
  /** The bytes, zero-padded (or cut) to exactly `size`. */
  finish(size: number): Uint8Array {
    const out = new Uint8Array(size)
    out.set(this.buf.subarray(0, Math.min(size, this.n)))
    return out
  }
}

const standInValue = (w: StandInWriter, v: BenchValue): void => {
  switch (v._tag) {
    case "Null":
      return w.u8(0)
    case "Bool":
      w.u8(1)
      return w.u8(v.value ? 1 : 0)
    case "Int":
      w.u8(2)
      return w.u64(v.value)
    case "Float":
      w.u8(3)
      return w.f64(v.value)
    case "String":
      w.u8(4)
      return w.str(v.value)
  }
}

const standInProps = (w: StandInWriter, p: BenchProperties): void => {
  const keys = Object.keys(p).sort()
  w.u64(keys.length)
  for (const k of keys) {
    w.str(k)
    standInValue(w, p[k]!)
  }
}

const standInWrite = (events: ReadonlyArray<BenchEvent>): StandInWriter => {
  const w = new StandInWriter()
  for (const b of [0x4c, 0x57, 0x31, 0x00]) w.u8(b)
  w.u64(events.length)
  for (const e of events) {
    switch (e._tag) {
      case "CreateNode":
        w.u8(1)
        w.u64(e.id)
        w.u64(e.labels.length)
        for (const l of e.labels) w.str(l)
        standInProps(w, e.properties)
        break
      case "CreateRelationship":
        w.u8(2)
        w.u64(e.id)
        w.u64(e.src)
        w.u64(e.dst)
        w.str(e.relType)
        standInProps(w, e.properties)
        break
      case "SetNodeProperty":
        w.u8(3)
        w.u64(e.nodeId)
        w.str(e.key)
        standInValue(w, e.value)
        break
      case "RemoveNodeProperty":
        w.u8(4)
        w.u64(e.nodeId)
        w.str(e.key)
        break
      case "AddNodeLabel":
        w.u8(5)
        w.u64(e.nodeId)
        w.str(e.label)
        break
      case "SetRelationshipProperty":
        w.u8(7)
        w.u64(e.relId)
        w.str(e.key)
        standInValue(w, e.value)
        break
    }
  }
  return w
}

/** TODO(lw1): stand-in for `LW1Codec.writeBatch`; not LW1 bytes. Always {@link PAYLOAD_BYTES} long. */
export const standInEncode = (events: ReadonlyArray<BenchEvent>): Uint8Array =>
  standInWrite(events).finish(PAYLOAD_BYTES)

/** The unpadded size of the stand-in layout (to check the padding stays small). */
export const standInRawLength = (events: ReadonlyArray<BenchEvent>): number => standInWrite(events).length

/** Encodes the events of one commit into the bytes every store writes. */
export type CommitEncoder = (events: ReadonlyArray<BenchEvent>) => Uint8Array

// TODO(lw1): switch this one line to the LW1 batch encoder when src/event/LW1.ts lands.
export const encodeCommit: CommitEncoder = standInEncode
/** True while {@link encodeCommit} is the stand-in; reports print a warning. TODO(lw1): set false. */
export const PAYLOAD_IS_STAND_IN = true

/** One commit of the workload: its events and their encoded bytes. */
export interface Commit {
  readonly events: ReadonlyArray<BenchEvent>
  readonly payload: Uint8Array
}

/**
 * A pool of `size` distinct pre-encoded commits, cycled through by the
 * committer loop so that encoding is not part of a store's commit cost (the
 * codec case measures it separately). `size` must be a power of two. Each
 * payload is a `Buffer` view (still a `Uint8Array`), so Node APIs and native
 * stores take it without a copy.
 */
export const makeCommitPool = (size = 256): ReadonlyArray<Commit> =>
  Array.from({ length: size }, (_, k) => {
    const events = makeCommitEvents(k)
    const bytes = encodeCommit(events)
    return { events, payload: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) }
  })
