/**
 * Log sequence numbers and segment ids: unsigned 64-bit integers held as
 * `bigint`, branded so that an LSN cannot be passed where a segment id is
 * expected (and vice versa).
 *
 * Facts (lora-wal 0.15, spec §0): LSN 0 means "none / never written" and
 * allocation starts at 1; segment ids start at 1 and id 0 is never allocated.
 * Both spaces are finite: running out is an error (`Malformed("WAL LSN space
 * is exhausted")` / `Malformed("WAL segment id space is exhausted")`), never a
 * wrap-around.
 *
 * @module
 */
import { Schema } from "effect"

/** Largest u64: 2^64 − 1. */
export const U64_MAX = 0xffff_ffff_ffff_ffffn

/** Schema for any u64 as a bigint in [0, 2^64 − 1]. */
export const U64 = Schema.BigInt.check(Schema.isBetweenBigInt({ minimum: 0n, maximum: U64_MAX }))

/** Schema of a log sequence number (u64, branded `Lsn`). */
export const Lsn = U64.pipe(Schema.brand("Lsn"))
/** A log sequence number: u64 as `bigint`. 0 = none. */
export type Lsn = typeof Lsn.Type

/** Schema of a segment id (u64, branded `SegmentId`). */
export const SegmentId = U64.pipe(Schema.brand("SegmentId"))
/** A segment id: u64 as `bigint`; the first segment is 1. */
export type SegmentId = typeof SegmentId.Type

/** True when `n` is an integer in the u64 range. */
export const isU64 = (n: unknown): n is bigint => typeof n === "bigint" && n >= 0n && n <= U64_MAX

/**
 * Brands a bigint as an LSN. Throws a `RangeError` outside [0, 2^64 − 1]
 * (a programming error, not a log condition).
 */
export const lsn = (n: bigint | number): Lsn => {
  const v = BigInt(n)
  if (!isU64(v)) throw new RangeError(`not a u64 LSN: ${v}`)
  return v as Lsn
}

/** Brands a bigint as a segment id. Throws a `RangeError` outside u64. */
export const segmentId = (n: bigint | number): SegmentId => {
  const v = BigInt(n)
  if (!isU64(v)) throw new RangeError(`not a u64 segment id: ${v}`)
  return v as SegmentId
}

/** LSN 0: "no record". */
export const ZERO: Lsn = 0n as Lsn
/** The first LSN a fresh log allocates. */
export const FIRST: Lsn = 1n as Lsn
/** The first segment id of a fresh log. */
export const FIRST_SEGMENT: SegmentId = 1n as SegmentId

/**
 * The LSN after `l`, or `undefined` when `l` is 2^64 − 1 (the space is
 * exhausted; callers turn that into `Malformed("WAL LSN space is exhausted")`).
 */
export const nextLsn = (l: Lsn): Lsn | undefined => (l === U64_MAX ? undefined : ((l + 1n) as Lsn))

/** `l + n`, or `undefined` when the sum would pass 2^64 − 1. */
export const addLsn = (l: Lsn, n: bigint): Lsn | undefined => (l + n > U64_MAX ? undefined : ((l + n) as Lsn))

/** The segment id after `id`, or `undefined` when the id space is exhausted. */
export const nextSegmentId = (id: SegmentId): SegmentId | undefined =>
  id === U64_MAX ? undefined : ((id + 1n) as SegmentId)

/** `a − b` clamped at 0 (Rust's `saturating_sub`). */
export const saturatingSub = (a: bigint, b: bigint): bigint => (a > b ? a - b : 0n)

/** The larger of two LSNs. */
export const maxLsn = (a: Lsn, b: Lsn): Lsn => (a > b ? a : b)
