/**
 * Pieces shared by the `effect-wal` commands: exit codes, the command-level
 * error, the output port (stdout / stderr with backpressure) and small
 * formatting helpers.
 *
 * Exit codes (every command):
 *
 * | code | meaning |
 * |---|---|
 * | 0 | success |
 * | 1 | `verify` only: a torn tail in the active (highest-id) segment — an open would cut it |
 * | 2 | corruption, a structural error, or an operational failure (I/O, lock held, refused destination) |
 *
 * Usage errors (unknown flag, missing argument, bad flag value) are reported
 * by `effect/cli` itself, which prints the help and the problem and exits 1
 * (the same code as `verify`'s torn tail).
 *
 * @module
 */
import { Context, Effect, Layer, Runtime, Schema } from "effect"
import type { FileIoShape } from "../io/FileIo.js"
import { listSegments, type SegmentEntry } from "../SegmentDir.js"
import { type Io, isWalError, type WalError } from "../WalError.js"

/** Exit status of a command. */
export const ExitCode = {
  Ok: 0,
  TornTail: 1,
  Error: 2
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/** A command-level failure that is not a `WalError` (e.g. a non-empty `compact` destination). */
export class CommandError extends Schema.TaggedError<CommandError>()("CommandError", { reason: Schema.String }) {
  override get message(): string {
    return this.reason
  }
}

/**
 * The error a command handler fails with to end the process with `code`
 * after it has printed its own report: `runMain` reads the exit code from
 * it and does not log it again.
 */
export class CliExit extends Schema.TaggedError<CliExit>()("CliExit", { code: Schema.Number }) {
  override get [Runtime.errorExitCode](): number {
    return this.code
  }
  override get [Runtime.errorReported](): boolean {
    return false
  }
  override get message(): string {
    return `exit ${this.code}`
  }
}

/** A `WalError` with the file (and byte offset) it concerns. */
export class LocatedError extends Error {
  override readonly name = "LocatedError"
  readonly _tag = "LocatedError"
  constructor(
    /** Path of the file (directory joined with the file name). */
    readonly path: string,
    readonly error: WalError,
    /** Byte offset in the file, when known. */
    readonly offset?: number
  ) {
    super(error.message)
  }
}

/**
 * The lines a command prints to stderr for a failure: `error: <message>`
 * (the WalError's own text, exactly), then `  at <path>[, offset <n>]` when
 * the location is known and the message does not already name the file.
 */
export const renderError = (e: unknown): ReadonlyArray<string> => {
  if (e instanceof LocatedError) {
    const where = e.offset === undefined ? e.path : `${e.path}, offset ${e.offset}`
    return e.error.message.includes(e.path) && e.offset === undefined ? [`error: ${e.message}`] : [`error: ${e.message}`, `  at ${where}`]
  }
  if (isWalError(e) && e._tag === "Io" && e.path !== undefined && !e.message.includes(e.path)) {
    return [`error: ${e.message}`, `  at ${e.path}`]
  }
  return [`error: ${errorText(e)}`]
}

/** The text of any failure a command reports: a `WalError`'s or `CommandError`'s message, else `String(e)`. */
export const errorText = (e: unknown): string => {
  if (isWalError(e) || e instanceof CommandError) return e.message
  if (e instanceof Error) return e.message
  return String(e)
}

/** Parses a u64 given on the command line (decimal digits only). Throws a `RangeError` with a clear message. */
export const parseU64 = (text: string): bigint => {
  if (!/^[0-9]+$/.test(text)) throw new RangeError(`a decimal u64 (0 to 18446744073709551615), got ${JSON.stringify(text)}`)
  const n = BigInt(text)
  if (n > 0xffff_ffff_ffff_ffffn) throw new RangeError(`a decimal u64 (0 to 18446744073709551615), got ${text} (too large)`)
  return n
}

/** Where a command writes: a line-oriented stdout and stderr. */
export interface OutputShape {
  /** Writes `text` plus a newline to stdout, waiting for the stream to drain when its buffer is full (bounded memory). */
  readonly out: (text: string) => Effect.Effect<void>
  /** Writes `text` plus a newline to stderr. */
  readonly err: (text: string) => Effect.Effect<void>
}

const writeLine = (stream: NodeJS.WritableStream, text: string): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    if (stream.write(`${text}\n`)) resume(Effect.void)
    else stream.once("drain", () => resume(Effect.void))
  })

/** The output port of the commands. */
export class Output extends Context.Service<Output, OutputShape>()("effect-wal/cli/Output") {
  /** `process.stdout` / `process.stderr`. */
  static readonly layerNode: Layer.Layer<Output> = Layer.sync(Output, () => ({
    out: (text) => writeLine(process.stdout, text),
    err: (text) => writeLine(process.stderr, text)
  }))

  /** An output that collects lines in memory (tests): `stdout` and `stderr` hold one entry per line written. */
  static readonly capture = (): {
    readonly stdout: Array<string>
    readonly stderr: Array<string>
    readonly layer: Layer.Layer<Output>
  } => {
    const stdout: Array<string> = []
    const stderr: Array<string> = []
    return {
      stdout,
      stderr,
      layer: Layer.succeed(Output, {
        out: (text) => Effect.sync(() => void stdout.push(text)),
        err: (text) => Effect.sync(() => void stderr.push(text))
      })
    }
  }
}

/** A u64 as its decimal text (the JSON form of every LSN and segment id). */
export const u64Text = (n: bigint): string => n.toString()

/** How long the read-only commands wait for a live writer to finish creating or rotating a segment. */
const SETTLE_ATTEMPTS = 20
const SETTLE_PAUSE = "5 millis"

const sizeOf = (io: FileIoShape, path: string): Effect.Effect<number | undefined> =>
  Effect.acquireUseRelease(io.open(path, "read"), (h) => h.size, (h) => h.close).pipe(
    Effect.orElseSucceed(() => undefined)
  )

/**
 * Lists the segments of `dir` for a read-only command that may run beside a
 * live writer. A writer creates a segment file and then writes its 32-byte
 * header, so for a moment the highest-id segment can be shorter than a
 * header; reading it then would fail with `Io("failed to fill whole
 * buffer")`. While that is so, this waits 5 ms and lists again, up to about
 * 100 ms; a segment that stays short is returned as is (it is damage, and
 * the caller reports it).
 */
export const listSegmentsSettled = (io: FileIoShape, dir: string): Effect.Effect<ReadonlyArray<SegmentEntry>, Io> =>
  Effect.gen(function* () {
    for (let attempt = 0; ; attempt++) {
      const segments = yield* listSegments(io, dir)
      const last = segments[segments.length - 1]
      if (last === undefined || attempt >= SETTLE_ATTEMPTS) return segments
      const size = yield* sizeOf(io, last.path)
      if (size === undefined || size >= 32) return segments
      yield* Effect.sleep(SETTLE_PAUSE)
    }
  })

/**
 * True when a segment with an id above `id` appears in `dir` within about
 * 100 ms: a live writer that sealed segment `id` is creating the next one
 * (rotation), so a sealed highest segment is a passing state, not damage.
 */
export const successorAppears = (io: FileIoShape, dir: string, id: bigint): Effect.Effect<boolean> =>
  Effect.gen(function* () {
    for (let attempt = 0; attempt <= SETTLE_ATTEMPTS; attempt++) {
      const segments = yield* Effect.orElseSucceed(listSegments(io, dir), () => [])
      if (segments.some((s) => s.id > id)) return true
      if (attempt < SETTLE_ATTEMPTS) yield* Effect.sleep(SETTLE_PAUSE)
    }
    return false
  })
