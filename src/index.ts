/**
 * effect-wal: a durable write-ahead log for Effect applications on Node.js,
 * byte-compatible with LoraDB's `lora-wal` 0.15.
 *
 * - {@link Wal} / {@link makeWal}: the log service and its layers.
 * - `MutationEvent`, `PropertyValue`, `LW1Codec`: LoraDB's event model and payload codec.
 * - {@link replayDirectory}: read-only replay of a directory (no lock).
 * - {@link tailDirectory}: a live tailing reader (a `Stream` of committed transactions as a writer appends).
 * - `replayWithArchive`, archiving: point-in-time recovery over archived + live segments.
 * - `WalError`: the tagged error union.
 * - Format modules (header, record framing) and the `FileIo` port for tools and tests.
 *
 * @module
 */
export * from "./event/index.js"
export * as WalError from "./WalError.js"
export type { WalError as WalErrorType } from "./WalError.js"
export {
  type AsyncSegmentSync,
  type CommitOptions,
  type CommitResult,
  makeWal,
  type RecoveryMode,
  type RecoveryReport,
  SyncMode,
  type SyncMethod,
  type TruncateResult,
  Wal,
  type WalConfig,
  type WalService,
  type WalStatus
} from "./Wal.js"
export { type CommittedTransaction, replayDirectory, ReplayMachine, type ReplayOptions, type ReplayOutcome, type TornTail } from "./Replay.js"
export type { EventCodec } from "./EventCodec.js"
export * as Lsn from "./Lsn.js"
export { FileIo, type FileHandle, type FileIoShape, makeMemoryFileIo, type MemoryDisk, withFaults, type FaultPlan } from "./io/FileIo.js"
export { acquireDirLock, LOCK_FILE_NAME } from "./DirLock.js"
export { listSegments, parseSegmentName, readSegmentHeader, SegmentDir, type SegmentEntry, segmentFileName, segmentPath } from "./SegmentDir.js"
export { scanSegment, scanSegmentFile, type ScanOutcome, type ReadFailure } from "./segment/SegmentReader.js"
export * as Record from "./format/Record.js"
export * as SegmentHeader from "./format/SegmentHeader.js"
export { ByteReader, ByteWriter, CodecFailure } from "./format/Bytes.js"
export {
  archiveSegment,
  type ArchiveConfig,
  type ArchiveReplayOptions,
  listArchiveAndLive,
  pruneArchive,
  replayWithArchive
} from "./Archive.js"
export { SyncBackend, type SyncBackendShape } from "./SyncBackend.js"
export * as WalMetrics from "./WalMetrics.js"
export { tailDirectory, type TailOptions } from "./Tail.js"
