/**
 * The `effect-wal` command line, built with `effect/cli`: parsing, help and
 * exit codes only. Each command calls a function of its module
 * (`inspectDirectory`, `verifyDirectory`, `dumpDirectory`, `recoverDirectory`,
 * `compactDirectory`), prints the returned report through the {@link Output}
 * port and ends with its exit code (see `Common.ts` and `docs/cli.md`).
 *
 * The commands need `FileIo` and `Output` (plus `effect/cli`'s environment);
 * `main.ts` provides the Node implementations, tests may provide others.
 *
 * @module
 */
import { Cause, Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import type { FileIo } from "../io/FileIo.js"
import { CliExit, ExitCode, Output, parseU64, renderError } from "./Common.js"
import { compactDirectory, renderCompact } from "./Compact.js"
import { dumpDirectory } from "./Dump.js"
import { inspectDirectory, inspectToJson, renderInspect } from "./Inspect.js"
import { recoverDirectory, recoverToJson, renderRecover } from "./Recover.js"
import { renderVerify, verifyDirectory } from "./Verify.js"

/** The CLI's version (the package's). */
export const VERSION = "0.1.0"

const EXIT_CODES = "Exit codes: 0 ok; 2 corruption, structural or operational error (message on stderr)."

// ---------------------------------------------------------------------------
// Parameters

const dirArgument = (name: string, description: string) => Argument.String(name).pipe(Argument.withDescription(description))

const walDir = dirArgument("dir", "The WAL directory (holding NNNNNNNNNN.wal segment files)")

const lsnFlag = (name: string, description: string) =>
  Flag.String(name).pipe(
    Flag.withMetavar("LSN"),
    Flag.withDescription(description),
    Flag.mapTryCatch(parseU64, (e) => (e instanceof Error ? e.message : String(e))),
    Flag.optional
  )

const checkpointLsn = lsnFlag(
  "checkpoint-lsn",
  "The checkpoint fence: records at or below this LSN are skipped, as an open with that snapshot LSN does (default 0)"
)

const jsonFlag = (description: string) => Flag.Boolean("json").pipe(Flag.withDescription(description), Flag.withDefault(false))

const fence = (o: Option.Option<bigint>): { readonly checkpointLsn?: bigint } =>
  Option.isSome(o) ? { checkpointLsn: o.value } : {}

// ---------------------------------------------------------------------------
// Running a command body

/**
 * Runs a command body that returns its exit code: a failure prints
 * `error: <message>` (and the file when known) to stderr and exits 2; a
 * defect prints the cause and exits 2 too (never 1, which means "torn tail"
 * for `verify`). Interruption (SIGINT) is left to the runtime (exit 130).
 */
const handle = <E>(body: Effect.Effect<ExitCode, E, FileIo | Output>): Effect.Effect<void, CliExit, FileIo | Output> =>
  body.pipe(
    Effect.catchCause((cause) =>
      Cause.hasInterruptsOnly(cause)
        ? Effect.failCause(cause as Cause.Cause<never>)
        : Effect.gen(function* () {
          const output = yield* Output
          const failure = cause.reasons.find((r) => r._tag === "Fail")
          const lines = failure !== undefined && failure._tag === "Fail"
            ? renderError(failure.error)
            : [`error: internal error`, ...Cause.pretty(cause).split("\n")]
          for (const l of lines) yield* output.err(l)
          return ExitCode.Error as ExitCode
        })
    ),
    Effect.flatMap((code) => (code === ExitCode.Ok ? Effect.void : Effect.fail(new CliExit({ code }))))
  )

const printLines = (lines: ReadonlyArray<string>, to: "out" | "err" = "out") =>
  Effect.flatMap(Effect.service(Output), (o) => Effect.forEach(lines, (l) => o[to](l), { discard: true }))

// ---------------------------------------------------------------------------
// Commands

const inspect = Command.make(
  "inspect",
  {
    dir: walDir,
    records: Flag.Boolean("records").pipe(
      Flag.withDescription("Also list every record (offset, length, kind, LSN, slot, event count)"),
      Flag.withDefault(false)
    ),
    json: jsonFlag("Print the report as JSON (shape in docs/cli.md; u64 values as decimal strings)")
  },
  ({ dir, json, records }) =>
    handle(
      Effect.gen(function* () {
        const report = yield* inspectDirectory(dir, { records })
        if (json) yield* printLines([JSON.stringify(inspectToJson(report), null, 2)])
        else yield* printLines(renderInspect(report))
        return ExitCode.Ok
      })
    )
).pipe(
  Command.withShortDescription("Show segments (and records) of a WAL directory, read-only"),
  Command.withDescription(
    "Show each segment of a WAL directory: id, base LSN, sealed flag, size, record and committed-transaction counts; " +
      "with --records every record. Read-only: takes no lock, changes nothing, works beside a live writer. " +
      "A torn tail is reported, not judged (use verify). " + EXIT_CODES
  ),
  Command.withExamples([
    { command: "effect-wal inspect ./wal", description: "One line per segment" },
    { command: "effect-wal inspect ./wal --records --json", description: "Every record, as JSON" }
  ])
)

const verify = Command.make(
  "verify",
  { dir: walDir, checkpointLsn },
  ({ checkpointLsn, dir }) =>
    handle(
      Effect.gen(function* () {
        const report = yield* verifyDirectory(dir, fence(checkpointLsn))
        const text = renderVerify(report)
        yield* printLines(text.stdout)
        yield* printLines(text.stderr, "err")
        return report.exitCode
      })
    )
).pipe(
  Command.withShortDescription("Check a WAL directory like an open would, read-only (exit 0 / 1 / 2)"),
  Command.withDescription(
    "Check a WAL directory the way an open would, read-only (no lock, nothing changed): headers, LSN order, " +
      "transaction structure, every record's framing, CRC and payload. " +
      "Exit codes: 0 clean; 1 torn tail in the active (highest-id) segment (an open would cut it); " +
      "2 corruption elsewhere (torn tail in a sealed segment), a structural error (Malformed, BadSegmentHeader) or Io. " +
      "Problems are printed to stderr with the file, offset and WAL error message."
  ),
  Command.withExamples([{ command: "effect-wal verify ./wal && echo clean", description: "Use the exit code in scripts" }])
)

const dump = Command.make(
  "dump",
  {
    dir: walDir,
    fromLsn: lsnFlag("from-lsn", "Print only transactions whose commit LSN is at least this"),
    untilLsn: lsnFlag("until-lsn", "Point-in-time: print only transactions committed at or below this LSN"),
    archive: Flag.String("archive").pipe(
      Flag.withMetavar("DIR"),
      Flag.withDescription("Point-in-time recovery: also read the segments archived in DIR, merged with the live ones by LSN"),
      Flag.optional
    ),
    checkpointLsn
  },
  ({ archive, checkpointLsn, dir, fromLsn, untilLsn }) =>
    handle(
      Effect.gen(function* () {
        const output = yield* Output
        const report = yield* dumpDirectory(dir, {
          ...fence(checkpointLsn),
          ...(Option.isSome(fromLsn) ? { fromLsn: fromLsn.value } : {}),
          ...(Option.isSome(untilLsn) ? { untilLsn: untilLsn.value } : {}),
          ...(Option.isSome(archive) ? { archiveDir: archive.value } : {}),
          emit: output.out
        })
        const torn = report.tornTail
        if (torn === undefined) return ExitCode.Ok
        if (report.tornTailInActiveSegment) {
          yield* output.err(`note: replay stopped at a torn tail in the active segment (an open would cut it): ${torn.segmentPath}, offset ${torn.lastGoodOffset}: ${torn.cause.message}`)
          return ExitCode.Ok
        }
        yield* output.err(`error: WAL structure is malformed: torn tail found in sealed segment ${torn.segmentPath}`)
        yield* output.err(`  at ${torn.segmentPath}, offset ${torn.lastGoodOffset}: ${torn.cause.message}`)
        return ExitCode.Error
      })
    )
).pipe(
  Command.withShortDescription("Print committed transactions as JSON Lines, read-only"),
  Command.withDescription(
    "Print the committed transactions in commit order as JSON Lines, one per transaction: " +
      '{"beginLsn","commitLsn","events":[...]} (LSNs as decimal strings, events in the JSON form of docs/cli.md). ' +
      "Read-only, streamed with bounded memory, works beside a live writer. " +
      "Exit codes: 0 ok (a torn tail in the active segment is noted on stderr); " +
      "2 corruption (a torn tail in a sealed segment: the transactions before it are printed first), structural error or Io."
  ),
  Command.withExamples([
    { command: "effect-wal dump ./wal | jq -c '.events[]._tag'", description: "The kind of every event" },
    { command: "effect-wal dump ./wal --from-lsn 1000", description: "Transactions committed at LSN 1000 or later" },
    {
      command: "effect-wal dump ./wal --archive ./wal-archive --until-lsn 5000",
      description: "Point-in-time recovery: the whole history (archive + live) up to LSN 5000"
    }
  ])
)

const recover = Command.make(
  "recover",
  {
    dir: walDir,
    checkpointLsn,
    recovery: Flag.Literals("recovery", ["strict", "truncate"]).pipe(
      Flag.withDescription(
        "strict (default, lora-wal's): cut a torn tail in the active segment only, fail on damage elsewhere; " +
          "truncate: end the log at the first unreadable record anywhere, renaming later segments to <name>.corrupt"
      ),
      Flag.withDefault("strict" as const)
    ),
    json: jsonFlag("Print the report as JSON (LSNs and segment ids as decimal strings)")
  },
  ({ checkpointLsn, dir, json, recovery }) =>
    handle(
      Effect.gen(function* () {
        const report = yield* recoverDirectory(dir, { ...fence(checkpointLsn), recovery })
        if (json) yield* printLines([JSON.stringify(recoverToJson(report), null, 2)])
        else yield* printLines(renderRecover(dir, report))
        return ExitCode.Ok
      })
    )
).pipe(
  Command.withShortDescription("Open (cutting a torn tail) and close; report what was recovered"),
  Command.withDescription(
    "Do what an open does, then close: take the directory lock, replay, cut a torn tail in the active segment, fsync, " +
      "release the lock (--recovery truncate: end the log at the first unreadable record anywhere instead). " +
      "Reports events, transactions, next/durable LSN, active/oldest segment and what was cut or set aside. " +
      "Refuses a missing directory. " +
      "Exit codes: 0 ok; 2 the open failed (corruption, AlreadyOpen while another handle holds the lock, Io): the WAL error on stderr."
  ),
  Command.withExamples([{ command: "effect-wal recover ./wal --json", description: "Repair a torn tail and report as JSON" }])
)

const compact = Command.make(
  "compact",
  {
    src: dirArgument("src", "The WAL directory to read (not locked, not changed)"),
    dst: dirArgument("dst", "Where to write the compacted log: a missing or empty directory"),
    checkpointLsn,
    segmentTargetBytes: Flag.Int("segment-target-bytes").pipe(
      Flag.withMetavar("BYTES"),
      Flag.withDescription("Rotate dst's active segment once it holds this many bytes (default 8388608)"),
      Flag.filter((n) => n > 0, (n) => `expected a positive number of bytes, got ${n}`),
      Flag.optional
    )
  },
  ({ checkpointLsn, dst, segmentTargetBytes, src }) =>
    handle(
      Effect.gen(function* () {
        const report = yield* compactDirectory(src, dst, {
          ...fence(checkpointLsn),
          ...(Option.isSome(segmentTargetBytes) ? { segmentTargetBytes: segmentTargetBytes.value } : {})
        })
        yield* printLines(renderCompact(src, dst, report))
        return ExitCode.Ok
      })
    )
).pipe(
  Command.withShortDescription("Write a fresh log with only the committed transactions above a fence"),
  Command.withDescription(
    "Write a fresh log at dst holding only src's committed transactions above the fence, in the same order and with " +
      "the same transaction boundaries (LSNs renumbered from 1; empty transactions dropped). Streams with bounded memory. " +
      "Refuses a non-empty dst. " +
      "Exit codes: 0 ok; 2 refused dst, corrupt src (what was written is removed) or Io."
  ),
  Command.withExamples([
    { command: "effect-wal compact ./wal ./wal.compacted --checkpoint-lsn 63", description: "Drop everything at or below LSN 63" }
  ])
)

/** The `effect-wal` command with its subcommands. */
export const cli = Command.make("effect-wal").pipe(
  Command.withDescription(
    "Inspect, verify, dump, recover and compact effect-wal / LoraDB lora-wal directories. " +
      "Exit codes: 0 ok; 1 torn tail in the active segment (verify only); 2 corruption, structural or operational error; " +
      "usage errors are reported by the parser (help + message, exit 1)."
  ),
  Command.withSubcommands([inspect, verify, dump, recover, compact])
)

/** Runs the CLI on `argv` (without the `node` and script path), as `main.ts` does with the process's arguments. */
export const runCli = (argv: ReadonlyArray<string>) => Command.runWith(cli, { version: VERSION })(argv)
