/**
 * Small statistics helpers for the benchmark suite: a bounded latency
 * histogram (log-linear buckets, ≤ 1/64 ≈ 1.6 % relative error, fixed memory
 * whatever the sample count) and median / min / max across repetitions.
 *
 * Latencies are recorded in nanoseconds and reported in microseconds.
 *
 * @module
 */

/** Sub-buckets per power of two: 2^SUB_BITS. 64 → ≤ 1.6 % relative error. */
const SUB_BITS = 6
const SUB = 1 << SUB_BITS
/** Values up to 2^53 ns (~104 days) fit; anything larger lands in the top bucket. */
const MAX_EXP = 53
const BUCKETS = SUB + (MAX_EXP - SUB_BITS) * SUB

const bucketOf = (v: number): number => {
  if (v < SUB) return v < 0 ? 0 : Math.floor(v)
  const e = v < 0x1_0000_0000 ? 31 - Math.clz32(v) : Math.floor(Math.log2(v))
  if (e >= MAX_EXP) return BUCKETS - 1
  const sub = Math.floor(v / 2 ** (e - SUB_BITS)) - SUB
  return SUB + (e - SUB_BITS) * SUB + sub
}

/** The midpoint of a bucket's value range. */
const valueOf = (bucket: number): number => {
  if (bucket < SUB) return bucket
  const e = Math.floor((bucket - SUB) / SUB) + SUB_BITS
  const sub = (bucket - SUB) % SUB
  const width = 2 ** (e - SUB_BITS)
  return (SUB + sub) * width + width / 2
}

/** A fixed-size latency histogram; `record` is O(1) and allocation-free. */
export class Histogram {
  readonly counts = new Float64Array(BUCKETS)
  count = 0
  sum = 0
  min = Number.POSITIVE_INFINITY
  max = 0

  record(ns: number): void {
    const b = bucketOf(ns)
    this.counts[b] = (this.counts[b] ?? 0) + 1
    this.count++
    this.sum += ns
    if (ns < this.min) this.min = ns
    if (ns > this.max) this.max = ns
  }

  merge(other: Histogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i] = (this.counts[i] ?? 0) + (other.counts[i] ?? 0)
    this.count += other.count
    this.sum += other.sum
    if (other.min < this.min) this.min = other.min
    if (other.max > this.max) this.max = other.max
  }

  /** The value at quantile `q` (0..1), in ns; exact min/max at the ends. */
  quantile(q: number): number {
    if (this.count === 0) return Number.NaN
    if (q <= 0) return this.min
    if (q >= 1) return this.max
    const rank = Math.ceil(q * this.count)
    let seen = 0
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i] ?? 0
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, valueOf(i)))
    }
    return this.max
  }

  /** p50 / p99 / p99.9 / max / mean in microseconds. */
  summaryMicros(): LatencySummary {
    const us = (ns: number) => Math.round(ns / 10) / 100
    return {
      samples: this.count,
      p50: us(this.quantile(0.5)),
      p99: us(this.quantile(0.99)),
      p999: us(this.quantile(0.999)),
      max: us(this.max),
      mean: us(this.count === 0 ? Number.NaN : this.sum / this.count)
    }
  }
}

/** Latency percentiles of one run, in µs. */
export interface LatencySummary {
  readonly samples: number
  readonly p50: number
  readonly p99: number
  readonly p999: number
  readonly max: number
  readonly mean: number
}

/** Median with its spread across repetitions. */
export interface Spread {
  readonly median: number
  readonly min: number
  readonly max: number
  readonly n: number
}

/** Median (mean of the two middle values for an even count), min and max; NaN-free inputs only. */
export const spread = (values: ReadonlyArray<number>): Spread | null => {
  const xs = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  const n = xs.length
  if (n === 0) return null
  const mid = Math.floor(n / 2)
  const median = n % 2 === 1 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2
  return { median, min: xs[0]!, max: xs[n - 1]!, n }
}
