/**
 * `WalError`: every failure the log reports, as a tagged union in the error
 * channel. The variants and their `message` texts are lora-wal 0.15's
 * `WalError` and its Display strings (spec §7.1), so a message printed by
 * effect-wal reads exactly like one printed by LoraDB.
 *
 * | variant | message |
 * |---|---|
 * | `Io` | `WAL I/O error: <OS error text>` (keeps `code`, e.g. `EIO`, `ENOSPC`) |
 * | `Encode` | `WAL record could not be encoded: <reason>` |
 * | `Decode` | `WAL record could not be decoded: <reason>` |
 * | `CrcMismatch` | `WAL record CRC mismatch at lsn <lsn>: expected 0x<stored>, got 0x<computed>` |
 * | `Truncated` | `WAL record truncated: expected <n> bytes, got <m>` |
 * | `UnknownKind` | `unknown WAL record kind: <k>` |
 * | `BadSegmentHeader` | `WAL segment header is malformed: <reason>` |
 * | `Malformed` | `WAL structure is malformed: <reason>` |
 * | `AlreadyOpen` | `WAL directory is already open by another live handle: <dir>` |
 * | `Poisoned` | `WAL is poisoned: a previous append failed and the log is no longer durable` |
 *
 * The `reason` field holds the text after the prefix; `message` the full text.
 *
 * @module
 */
import { Schema } from "effect"
import * as Os from "node:os"
import * as Util from "node:util"
import { crcHex } from "./format/Crc32.js"

/** An I/O failure. `code` is the errno name (`EIO`, `ENOSPC`, `ENOENT`, …) when the OS gave one. */
export class Io extends Schema.TaggedError<Io>()("Io", {
  reason: Schema.String,
  code: Schema.optional(Schema.String),
  syscall: Schema.optional(Schema.String),
  path: Schema.optional(Schema.String)
}) {
  override get message(): string {
    return `WAL I/O error: ${this.reason}`
  }
}

/** A record could not be encoded (too large, an event that fails its Schema, an empty batch). */
export class Encode extends Schema.TaggedError<Encode>()("Encode", { reason: Schema.String }) {
  override get message(): string {
    return `WAL record could not be encoded: ${this.reason}`
  }
}

/** A record's framing or payload could not be decoded. */
export class Decode extends Schema.TaggedError<Decode>()("Decode", { reason: Schema.String }) {
  override get message(): string {
    return `WAL record could not be decoded: ${this.reason}`
  }
}

/** Stored CRC (`expected`) differs from the computed one (`actual`); `lsn` is whatever offsets 5–12 held. */
export class CrcMismatch extends Schema.TaggedError<CrcMismatch>()("CrcMismatch", {
  lsn: Schema.BigInt,
  expected: Schema.Number,
  actual: Schema.Number
}) {
  override get message(): string {
    return `WAL record CRC mismatch at lsn ${this.lsn}: expected ${crcHex(this.expected)}, got ${crcHex(this.actual)}`
  }
}

/** Fewer bytes than a record needs (`expected`, bytes) were available (`actual`, bytes). */
export class Truncated extends Schema.TaggedError<Truncated>()("Truncated", {
  expected: Schema.Number,
  actual: Schema.Number
}) {
  override get message(): string {
    return `WAL record truncated: expected ${this.expected} bytes, got ${this.actual}`
  }
}

/** The record kind byte is not 1..6. */
export class UnknownKind extends Schema.TaggedError<UnknownKind>()("UnknownKind", { kind: Schema.Number }) {
  override get message(): string {
    return `unknown WAL record kind: ${this.kind}`
  }
}

/** A segment header is invalid, or a segment cannot be appended to / truncated as asked. */
export class BadSegmentHeader extends Schema.TaggedError<BadSegmentHeader>()("BadSegmentHeader", {
  reason: Schema.String
}) {
  override get message(): string {
    return `WAL segment header is malformed: ${this.reason}`
  }
}

/** The log's structure is invalid (LSN order, transaction structure, torn sealed segment, exhaustion). */
export class Malformed extends Schema.TaggedError<Malformed>()("Malformed", { reason: Schema.String }) {
  override get message(): string {
    return `WAL structure is malformed: ${this.reason}`
  }
}

/** Another live handle (in this or another process, LoraDB included) holds the directory lock. */
export class AlreadyOpen extends Schema.TaggedError<AlreadyOpen>()("AlreadyOpen", { dir: Schema.String }) {
  override get message(): string {
    return `WAL directory is already open by another live handle: ${this.dir}`
  }
}

/** A background fsync failed earlier; the log refuses further writes. `bgFailure` holds the latched cause text. */
export class Poisoned extends Schema.TaggedError<Poisoned>()("Poisoned", {
  bgFailure: Schema.optional(Schema.String)
}) {
  override get message(): string {
    return "WAL is poisoned: a previous append failed and the log is no longer durable"
  }
}

/** Every error the log can report. */
export type WalError =
  | Io
  | Encode
  | Decode
  | CrcMismatch
  | Truncated
  | UnknownKind
  | BadSegmentHeader
  | Malformed
  | AlreadyOpen
  | Poisoned

const TAGS = new Set([
  "Io",
  "Encode",
  "Decode",
  "CrcMismatch",
  "Truncated",
  "UnknownKind",
  "BadSegmentHeader",
  "Malformed",
  "AlreadyOpen",
  "Poisoned"
])

/** True for any `WalError` variant. */
export const isWalError = (u: unknown): u is WalError =>
  typeof u === "object" && u !== null && "_tag" in u && TAGS.has((u as { _tag: string })._tag)

/** Errors that make a record unreadable: replay treats them as the torn tail (spec §5.3). */
export type RecordDecodeError = Decode | CrcMismatch | Truncated | UnknownKind | Io

let errnoMessages: Map<number, [string, string]> | undefined

/**
 * glibc's `strerror` texts where they differ from libuv's (which Node's error
 * map uses): lora-wal on Linux prints glibc's, e.g. `Input/output error`.
 */
const GLIBC_TEXT: Readonly<Record<string, string>> = {
  EIO: "Input/output error",
  ENOMEM: "Cannot allocate memory",
  EBUSY: "Device or resource busy",
  EEXIST: "File exists",
  EXDEV: "Invalid cross-device link",
  EISDIR: "Is a directory",
  ENFILE: "Too many open files in system",
  ETXTBSY: "Text file busy",
  ESPIPE: "Illegal seek",
  ENAMETOOLONG: "File name too long",
  ENOLCK: "No locks available",
  ELOOP: "Too many levels of symbolic links",
  ENOTSUP: "Operation not supported",
  EOPNOTSUPP: "Operation not supported",
  ESTALE: "Stale file handle",
  EDQUOT: "Disk quota exceeded",
  ENOSPC: "No space left on device",
  ENOENT: "No such file or directory",
  EACCES: "Permission denied",
  EPERM: "Operation not permitted",
  EBADF: "Bad file descriptor",
  EINVAL: "Invalid argument",
  EMFILE: "Too many open files",
  ENOTDIR: "Not a directory",
  EROFS: "Read-only file system",
  EAGAIN: "Resource temporarily unavailable",
  EINTR: "Interrupted system call",
  EFBIG: "File too large",
  ENOTEMPTY: "Directory not empty"
}

/**
 * Rust's `io::Error` Display for an OS error: the C library's text with a
 * capital letter, then `(os error N)`, e.g. `No such file or directory (os error 2)`.
 */
const osErrorText = (code: string | undefined, fallback: string): string => {
  if (code === undefined) return fallback
  const n = (Os.constants.errno as Record<string, number | undefined>)[code]
  if (n === undefined) return fallback
  const glibc = process.platform === "linux" ? GLIBC_TEXT[code] : undefined
  if (glibc !== undefined) return `${glibc} (os error ${n})`
  errnoMessages ??= Util.getSystemErrorMap() as Map<number, [string, string]>
  const entry = errnoMessages.get(-n)
  if (entry === undefined) return fallback
  const text = entry[1]
  return `${text.charAt(0).toUpperCase()}${text.slice(1)} (os error ${n})`
}

/**
 * Wraps anything thrown by `node:fs` (or an Effect `PlatformError`, which keeps
 * the Node error on `reason.cause`) as `Io`, keeping errno `code`, `syscall`
 * and `path`. `path` overrides the error's own path when given.
 */
export const ioError = (cause: unknown, path?: string): Io => {
  let err: unknown = cause
  if (typeof err === "object" && err !== null && (err as { _tag?: string })._tag === "PlatformError") {
    const reason = (err as { reason?: { cause?: unknown } }).reason
    if (reason?.cause !== undefined) err = reason.cause
  }
  const e = (typeof err === "object" && err !== null ? err : {}) as NodeJS.ErrnoException
  const code = typeof e.code === "string" ? e.code : undefined
  const fallback = e.message ?? String(cause)
  const p = path ?? (typeof e.path === "string" ? e.path : undefined)
  return new Io({
    reason: osErrorText(code, fallback),
    ...(code !== undefined ? { code } : {}),
    ...(typeof e.syscall === "string" ? { syscall: e.syscall } : {}),
    ...(p !== undefined ? { path: p } : {})
  })
}
