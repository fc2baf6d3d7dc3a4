/**
 * Metrics of the log, as Effect `Metric`s (read them with `Metric.value`,
 * export them with Effect's observability modules). They sit next to the
 * I/O they measure, in `Wal.ts`.
 *
 * | metric | kind | unit |
 * |---|---|---|
 * | `wal_commits_total` | counter | transactions committed (commitTx and low-level commit) |
 * | `wal_bytes_written_total` | counter | bytes handed to the OS |
 * | `wal_fsyncs_total` | counter | fsync/fdatasync calls on segments |
 * | `wal_fsync_latency` | timer (histogram) | ms per fsync |
 * | `wal_group_size` | histogram | commits made durable by one fsync (group commit) |
 * | `wal_pending_segments` | gauge | sealed segments waiting for their background fsync |
 *
 * Metrics are global to the process (all logs add to them), as Effect's
 * metric registry is.
 *
 * @module
 */
import { Metric } from "effect"

export const commits = Metric.counter("wal_commits_total", { description: "transactions committed" })
export const bytesWritten = Metric.counter("wal_bytes_written_total", { description: "bytes written to segment files" })
export const fsyncs = Metric.counter("wal_fsyncs_total", { description: "fsync/fdatasync calls on segment files" })
export const fsyncLatency = Metric.timer("wal_fsync_latency", { description: "latency of one segment fsync" })
export const groupSize = Metric.histogram("wal_group_size", {
  description: "commits made durable by one fsync",
  boundaries: Metric.exponentialBoundaries({ start: 1, factor: 2, count: 12 })
})
export const pendingSegments = Metric.gauge("wal_pending_segments", {
  description: "sealed segments waiting for their background fsync"
})
