/**
 * The benchmark workload: one commit = one transaction of 10 LoraDB graph
 * `MutationEvent`s (ids as u64 `bigint`s, property values built with `Pv.*`),
 * encoded with LoraDB's LW1 batch codec (`encodeBatch` from
 * `src/event/LW1.ts`, the same bytes effect-wal puts in the payload of its
 * MutationBatch record). Every store — the raw floors, the peers and
 * effect-wal — stores exactly these encoded bytes per commit (effect-wal adds
 * its own framing: TxBegin + MutationBatch + TxCommit records, 75 bytes).
 *
 * Two separate steps:
 * - {@link makeCommitEvents} builds the events of commit `k` (deterministic);
 * - {@link encodeCommit} turns them into the payload bytes (LW1).
 *
 * The events of every commit encode to the same size ({@link PAYLOAD_BYTES}):
 * numbers inside strings are zero-padded and ids stay below 2^53, so MB/s and
 * commits/s ratios agree and recovery can count bytes from commits.
 *
 * @module
 */
import { encodeBatch } from "../src/event/LW1.js"
import type { MutationEvent } from "../src/event/MutationEvent.js"
import { properties, Pv } from "../src/event/PropertyValue.js"

/** Events per commit (one transaction). */
export const EVENTS_PER_COMMIT = 10

const pad8 = (n: number) => String(n).padStart(8, "0")

/**
 * The 10 events of commit `k`: two people and a company, who knows whom and
 * who works where, a few property and label changes. Properties are ints,
 * strings, a float, a bool and a date. Deterministic and of constant encoded
 * size for every `k` below 3·10^7 (8-digit padded numbers in strings).
 */
export const makeCommitEvents = (k: number): ReadonlyArray<MutationEvent> => {
  const n = BigInt(k) * 3n
  const r = BigInt(k) * 2n
  const p1 = n + 1n
  const p2 = n + 2n
  const c = n + 3n
  return [
    {
      _tag: "CreateNode",
      id: p1,
      labels: ["Person"],
      properties: properties({ name: Pv.string(`person-${pad8(k * 3 + 1)}`), age: Pv.int(20 + (k % 50)) })
    },
    {
      _tag: "CreateNode",
      id: p2,
      labels: ["Person"],
      properties: properties({ name: Pv.string(`person-${pad8(k * 3 + 2)}`), age: Pv.int(30 + (k % 40)) })
    },
    {
      _tag: "CreateRelationship",
      id: r + 1n,
      src: p1,
      dst: p2,
      relType: "KNOWS",
      properties: properties({ since: Pv.date(2000 + (k % 25), 1 + (k % 12), 1 + (k % 28)) })
    },
    { _tag: "SetNodeProperty", nodeId: p1, key: "email", value: Pv.string(`p${pad8(k * 3 + 1)}@example.com`) },
    { _tag: "AddNodeLabel", nodeId: p2, label: "Manager" },
    { _tag: "SetRelationshipProperty", relId: r + 1n, key: "weight", value: Pv.float((k % 97) / 97) },
    {
      _tag: "CreateNode",
      id: c,
      labels: ["Company"],
      properties: properties({ name: Pv.string(`company-${pad8(k * 3 + 3)}`), founded: Pv.int(1950 + (k % 70)) })
    },
    {
      _tag: "CreateRelationship",
      id: r + 2n,
      src: p2,
      dst: c,
      relType: "WORKS_AT",
      properties: properties({ role: Pv.string("engineer") })
    },
    { _tag: "SetNodeProperty", nodeId: c, key: "active", value: Pv.bool(k % 2 === 0) },
    { _tag: "RemoveNodeProperty", nodeId: p1, key: "age" }
  ]
}

/** Encodes the events of one commit into the bytes every store writes. */
export type CommitEncoder = (events: ReadonlyArray<MutationEvent>) => Uint8Array

/** LW1 batch payload (magic + count + events), as effect-wal and LoraDB write it. */
export const encodeCommit: CommitEncoder = encodeBatch

/** Encoded size of every commit's payload, bytes. */
export const PAYLOAD_BYTES = encodeCommit(makeCommitEvents(0)).length

/** False since the LW1 codec landed (kept in the results file for old readers). */
export const PAYLOAD_IS_STAND_IN = false

/** One commit of the workload: its events and their encoded bytes. */
export interface Commit {
  readonly events: ReadonlyArray<MutationEvent>
  readonly payload: Uint8Array
}

/**
 * A pool of `size` distinct pre-encoded commits, cycled through by the
 * committer loop so that encoding is not part of a store's commit cost (the
 * codec case measures it separately; effect-wal encodes inside `commitTx`,
 * which is part of its cost). `size` must be a power of two. Each payload is
 * a `Buffer` view (still a `Uint8Array`), so Node APIs and native stores take
 * it without a copy. Throws if a payload's size differs from
 * {@link PAYLOAD_BYTES}.
 */
export const makeCommitPool = (size = 256): ReadonlyArray<Commit> =>
  Array.from({ length: size }, (_, k) => {
    const events = makeCommitEvents(k)
    const bytes = encodeCommit(events)
    if (bytes.length !== PAYLOAD_BYTES) throw new Error(`commit ${k}: ${bytes.length} bytes, expected ${PAYLOAD_BYTES}`)
    return { events, payload: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) }
  })
