/**
 * `effect-wal verify <dir>`: a read-only full check of a WAL directory —
 * exactly the checks an open makes (lora-wal 0.15, spec §5 and §5.5), without
 * the lock and without changing a byte.
 *
 * 1. Every segment header decodes (magic, CRC, version).
 * 2. Segment base LSNs increase; record LSNs increase and are ≥ their
 *    segment's base; the transaction structure holds (no duplicate TxBegin,
 *    no mutation / commit / abort without its TxBegin, checkpoints that do
 *    not point to the future nor regress) — with the checkpoint fence given.
 * 3. Every record decodes: framing, CRC, LW1 payload.
 * 4. The highest-id segment is not sealed (an open appends to it).
 *
 * Outcome:
 *
 * | status | exit | meaning |
 * |---|---|---|
 * | `clean` | 0 | an open would succeed and change nothing |
 * | `tornTail` | 1 | the active (highest-id) segment ends in an unreadable record; an open would cut it (and succeed) |
 * | `corrupt` | 2 | an unreadable record in an older segment, a bad header, a structural error, a sealed active segment or an I/O error: an open would fail |
 *
 * Like replay, the check stops at the first unreadable record. Beside a live
 * writer, a record being written at the end of the active segment is a torn
 * tail at that moment (status `tornTail`); a segment being created (shorter
 * than its header) or a rotation in progress (the highest segment just
 * sealed, its successor not yet created) is waited for, about 100 ms at most,
 * before it counts as damage.
 *
 * @module
 */
import { Effect } from "effect"
import { LW1Codec } from "../event/LW1.js"
import type { MutationEvent } from "../event/MutationEvent.js"
import type { Frame, WalRecord } from "../format/Record.js"
import { FileIo } from "../io/FileIo.js"
import { U64_MAX } from "../Lsn.js"
import { ReplayMachine } from "../Replay.js"
import { readSegmentHeader } from "../SegmentDir.js"
import { scanSegmentFile } from "../segment/SegmentReader.js"
import { BadSegmentHeader, Malformed, type WalError } from "../WalError.js"
import { ExitCode, listSegmentsSettled, successorAppears } from "./Common.js"

/** What is wrong, and where. */
export interface VerifyProblem {
  /** The file concerned (the directory itself for a listing error). */
  readonly path: string
  /** Byte offset of the offending record, when the problem is a record. */
  readonly offset: number | undefined
  /** The error as replay reports it (for a torn tail: why the record is unreadable). */
  readonly error: WalError
  /**
   * What an open does about it, as lora-wal says it: for a torn tail in an
   * older segment, `Malformed("torn tail found in sealed segment <path>")`.
   */
  readonly openError: WalError | undefined
}

/** The result of {@link verifyDirectory}. */
export interface VerifyReport {
  readonly dir: string
  readonly status: "clean" | "tornTail" | "corrupt"
  /** 0 clean, 1 torn tail in the active segment, 2 corrupt. */
  readonly exitCode: ExitCode
  /** Segments listed. */
  readonly segments: number
  /** Records read and checked (before a problem, if any). */
  readonly records: number
  /** Committed transactions / their events above the fence. */
  readonly transactions: number
  readonly events: number
  /** Highest LSN read (0 when none). */
  readonly maxLsn: bigint
  readonly problem: VerifyProblem | undefined
  /** For a torn tail in the active segment: the file's size now, and what an open would cut it to. */
  readonly cut: { readonly file: string; readonly fromBytes: number; readonly toBytes: number } | undefined
}

/** Options of {@link verifyDirectory}. */
export interface VerifyOptions {
  /** The checkpoint fence an open would use (default 0: everything is replayed). */
  readonly checkpointLsn?: bigint
}

interface Stop {
  readonly offset: number
  readonly error: Malformed
}

/**
 * Verifies `dir` read-only (see the module docs). Never fails: every problem,
 * I/O errors included, is reported in the result with `exitCode` 2.
 */
export const verifyDirectory = (dir: string, options: VerifyOptions = {}): Effect.Effect<VerifyReport, never, FileIo> =>
  Effect.gen(function* () {
    const io = yield* FileIo
    const machine = new ReplayMachine<MutationEvent>(options.checkpointLsn ?? 0n, () => {})
    let records = 0
    let segmentCount = 0
    const report = (
      status: VerifyReport["status"],
      problem: VerifyProblem | undefined,
      cut?: VerifyReport["cut"]
    ): VerifyReport => ({
      dir,
      status,
      exitCode: status === "clean" ? ExitCode.Ok : status === "tornTail" ? ExitCode.TornTail : ExitCode.Error,
      segments: segmentCount,
      records,
      transactions: machine.transactions,
      events: machine.events,
      maxLsn: machine.maxLsn,
      problem,
      cut
    })
    const corrupt = (path: string, error: WalError, offset?: number, openError?: WalError) =>
      report("corrupt", { path, offset, error, openError: openError ?? error })

    const listed = yield* Effect.result(listSegmentsSettled(io, dir))
    if (listed._tag === "Failure") return corrupt(dir, listed.failure)
    const segments = listed.success
    segmentCount = segments.length
    let lastSealed = false
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i]!
      const header = yield* Effect.result(readSegmentHeader(io, seg.path))
      if (header._tag === "Failure") {
        // A highest segment shorter than its header is what an interrupted segment creation leaves;
        // an open removes it (it cannot hold a record).
        if (i === segments.length - 1 && header.failure._tag === "Io" && header.failure.reason === "failed to fill whole buffer") {
          return report("tornTail", { path: seg.path, offset: 0, error: header.failure, openError: undefined })
        }
        return corrupt(seg.path, header.failure)
      }
      lastSealed = header.success.sealed
      const bad = machine.beginSegment(header.success.baseLsn, seg.path)
      if (bad !== undefined) return corrupt(seg.path, bad)
      const visit = (r: WalRecord<MutationEvent>, f: Frame): Stop | undefined => {
        const e = machine.apply(r)
        if (e !== undefined) return { offset: f.offset, error: e }
        records++
        return undefined
      }
      const scan = yield* Effect.result(scanSegmentFile(io, seg.path, LW1Codec, visit))
      if (scan._tag === "Failure") {
        const f = scan.failure
        if ("_tag" in f && f._tag === "Io") return corrupt(seg.path, f)
        const stop = f as Stop
        return corrupt(seg.path, stop.error, stop.offset)
      }
      const failure = scan.success.failure
      if (failure !== undefined) {
        if (i < segments.length - 1) {
          return corrupt(
            seg.path,
            failure.error,
            failure.offset,
            new Malformed({ reason: `torn tail found in sealed segment ${seg.path}` })
          )
        }
        if (lastSealed && !(yield* successorAppears(io, dir, seg.id))) {
          return corrupt(
            seg.path,
            failure.error,
            failure.offset,
            new Malformed({ reason: `torn tail found in sealed segment ${seg.path}` })
          )
        }
        return report(
          "tornTail",
          { path: seg.path, offset: failure.offset, error: failure.error, openError: undefined },
          { file: seg.name, fromBytes: scan.success.fileSize, toBytes: failure.offset }
        )
      }
    }
    const last = segments[segments.length - 1]
    if (last !== undefined && lastSealed && !(yield* successorAppears(io, dir, last.id))) {
      // A rotation interrupted after the seal: an open starts the next segment (lora-wal would refuse).
      return report("tornTail", {
        path: last.path,
        offset: undefined,
        error: new BadSegmentHeader({ reason: "segment is sealed; cannot append" }),
        openError: undefined
      })
    }
    if (machine.maxLsn === U64_MAX) {
      return corrupt(dir, new Malformed({ reason: "WAL LSN space is exhausted" }))
    }
    return report("clean", undefined)
  })

/**
 * The human-readable lines of a report: `stdout` gets the summary, `stderr`
 * the problem (file, offset, the WalError message, and what an open does).
 */
export const renderVerify = (r: VerifyReport): { readonly stdout: ReadonlyArray<string>; readonly stderr: ReadonlyArray<string> } => {
  const summary =
    `${r.segments} segment${r.segments === 1 ? "" : "s"}, ${r.records} records checked, ` +
    `${r.transactions} committed transactions (${r.events} events), max LSN ${r.maxLsn}`
  const stdout: Array<string> = []
  const stderr: Array<string> = []
  const p = r.problem
  switch (r.status) {
    case "clean":
      stdout.push(`ok: ${summary}`)
      break
    case "tornTail":
      stdout.push(`torn tail: ${summary}`)
      break
    case "corrupt":
      stdout.push(`corrupt: ${summary}`)
  }
  if (p !== undefined) {
    stderr.push(`${p.path}${p.offset !== undefined ? `: offset ${p.offset}` : ""}: ${p.error.message}`)
    if (r.status === "tornTail" && r.cut !== undefined) {
      stderr.push(`torn tail in the active segment: an open would cut ${r.cut.file} from ${r.cut.fromBytes} to ${r.cut.toBytes} bytes`)
    } else if (r.status === "tornTail") {
      stderr.push("an interrupted segment creation or rotation: an open repairs it (removes the short segment / starts the next one)")
    } else if (p.openError !== undefined && p.openError !== p.error) {
      stderr.push(`an open fails: ${p.openError.message}`)
    }
  }
  return { stdout, stderr }
}
