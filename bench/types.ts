/**
 * The contract between the runner (`run.ts`), the child process that runs one
 * repetition of one case (`case.ts`) and the case modules (`cases/*.ts`).
 *
 * Every case runs in a fresh Node process and a fresh, empty temp directory;
 * `run` must leave its result as its return value (the child prints it as
 * one JSON line) and must not print to stdout.
 *
 * @module
 */
import type { LatencySummary } from "./stats.js"

/** What a case measures; decides how its results are aggregated and rendered. */
export type CaseKind = "commit" | "recovery" | "codec"

/**
 * Who a case stands for in the tables: the raw-file floors, a peer store, or
 * effect-wal itself. Ratios are taken against the floor and every peer.
 */
export type CaseRole = "floor" | "peer" | "effect-wal"

/** Parameters the runner hands to every case (JSON-serialisable). */
export interface CaseParams {
  /** Measured duration of a commit or codec run, in seconds. */
  readonly seconds: number
  /** Unmeasured warm-up before the measured window, in seconds. */
  readonly warmupSeconds: number
  /** Recovery cases: bytes of payload to load before the scan. */
  readonly recoveryBytes: number
  /** `--quick`: a smoke run; never assert or compare speed. */
  readonly quick: boolean
  /** Which process of a two-process case this is (`prepare` runs first, same directory). */
  readonly phase: "prepare" | "run"
}

/** Result of one repetition of a commit case. */
export interface CommitResult {
  readonly kind: "commit"
  /** Commits acknowledged inside the measured window. */
  readonly commits: number
  /** Length of the measured window, in seconds. */
  readonly seconds: number
  /** Payload bytes of the measured commits. */
  readonly bytes: number
  readonly commitsPerSec: number
  readonly mbPerSec: number
  /** Ack latency (call → resolution) of the measured commits, µs. */
  readonly latency: LatencySummary
  /** Commits over the whole process (warm-up included); normalises fsync counts. */
  readonly totalCommits: number
  /** fsync/fdatasync calls over the whole process counted by the case itself, or null when it cannot count. */
  readonly syncs: number | null
  /** Anything case-specific (e.g. mean batch size of a group commit). */
  readonly extra?: Readonly<Record<string, number | string>>
}

/** Result of one repetition of a recovery (reopen + full scan) case. */
export type RecoveryResult = RecoveryMeasured | RecoveryUnavailable

/** A cold case whose page cache could not be dropped: nothing measured. */
export interface RecoveryUnavailable {
  readonly kind: "recovery"
  readonly cache: "cold unavailable"
  readonly reason: string
}

export interface RecoveryMeasured {
  readonly kind: "recovery"
  /** `cold` = page cache dropped (sync + drop_caches) right before the reopen. */
  readonly cache: "warm" | "cold"
  readonly records: number
  readonly bytes: number
  /** Reopen time, ms. */
  readonly openMs: number
  /** Full scan time after the reopen, ms. */
  readonly scanMs: number
  /** bytes / (open + scan), MB/s (10^6 bytes). */
  readonly mbPerSec: number
  /** Peak RSS of the scanning process, MB (2^20 bytes), and its RSS before opening the store. */
  readonly peakRssMb: number
  readonly baseRssMb: number
  /** Size of the store on disk, bytes. */
  readonly diskBytes: number
}

/** One measured operation of the codec case. */
export interface CodecRow {
  readonly name: string
  /** Commits (10-event batches) per second; null = not measured yet (placeholder). */
  readonly commitsPerSec: number | null
  /** Encoded bytes per commit. */
  readonly bytesPerCommit: number | null
  /** Encoded MB/s. */
  readonly mbPerSec: number | null
  readonly note?: string
  /** Name of the row this one is compared with in the report ("× baseline"). */
  readonly baseline?: string
}

export interface CodecResult {
  readonly kind: "codec"
  readonly rows: ReadonlyArray<CodecRow>
}

export type CaseResult = CommitResult | RecoveryResult | CodecResult

/**
 * One benchmark case. `id` is unique and stable (`store/mode/cN`), used by
 * `--cases` and by the child process to find the case.
 */
export interface BenchCase {
  readonly id: string
  readonly kind: CaseKind
  readonly role: CaseRole
  /** The store, as tables print it, e.g. "node:sqlite", "lmdb", "raw file". */
  readonly store: string
  /** How it is used, e.g. "WAL, synchronous=FULL, 1 INSERT per tx". */
  readonly mode: string
  /** Concurrent committers (1 for non-commit cases). */
  readonly concurrency: number
  /** Does an acknowledged commit survive power loss? */
  readonly durable: boolean
  /** Synchronous API: committers serialise, so the 1-committer figure holds at every concurrency. */
  readonly syncApi?: boolean
  /** Extra environment for the child (e.g. UV_THREADPOOL_SIZE); the runner removes UV_THREADPOOL_SIZE otherwise. */
  readonly env?: Readonly<Record<string, string>>
  /** Count fsyncs by running one extra, unmeasured repetition under strace (when strace exists). */
  readonly straceSyncs?: boolean
  /**
   * Cases with the same `fixture` key share one prepared directory: the
   * runner runs `prepare` once (first use) into a fixture directory and
   * copies it into each repetition's fresh directory (the fill of a large
   * recovery store takes far longer than the copy). Without it, `prepare`
   * runs in every repetition's directory.
   */
  readonly fixture?: string
  /** Not part of the default run: only run when `--cases` names it (a pattern matching its id). */
  readonly optIn?: boolean
  /** Optional first process: loads data into `dir`; `run` then executes in a second fresh process. */
  readonly prepare?: (dir: string, params: CaseParams) => Promise<void>
  readonly run: (dir: string, params: CaseParams) => Promise<CaseResult>
}

/** The JSON line a child prints on stdout. */
export type ChildOutput =
  | { readonly ok: true; readonly result: CaseResult | null; readonly maxRssMb: number }
  | { readonly ok: false; readonly error: string }

// ---------------------------------------------------------------------------
// The results file written by the runner (bench/results/latest.json) and read
// by the report.

/** A repetition that failed (child exited non-zero, timed out or printed no result). */
export interface RunError {
  readonly error: string
}

/** fsync counting through strace for one case (one extra, unmeasured repetition). */
export type StraceCount =
  | {
      readonly calls: Readonly<Record<string, number>>
      /** fsync + fdatasync + msync + sync_file_range over the whole child process. */
      readonly syncs: number
      /** Commits over the whole child process (warm-up included). */
      readonly totalCommits: number
      readonly syncsPerCommit: number
    }
  | { readonly unavailable: string }

export interface Machine {
  readonly nproc: number
  readonly cpuModel: string
  readonly memTotalGiB: number
  readonly node: string
  readonly platform: string
  readonly kernel: string
  readonly tmpdir: string
  /** `df -T <tmpdir>`, verbatim (header + line), or why it failed. */
  readonly df: string
  /** Filesystem type of tmpdir (from df -T). */
  readonly fsType: string
  /** `strace -V` first line, or null when strace is absent. */
  readonly strace: string | null
}

export interface RunParams {
  readonly quick: boolean
  readonly reps: number
  readonly seconds: number
  readonly warmupSeconds: number
  readonly recoveryBytes: number
  readonly strace: boolean
}

/** One case in the results file: its description and every repetition's result. */
export interface CaseRecord {
  readonly id: string
  readonly kind: CaseKind
  readonly role: CaseRole
  readonly store: string
  readonly mode: string
  readonly concurrency: number
  readonly durable: boolean
  readonly syncApi: boolean
  readonly env: Readonly<Record<string, string>>
  /** One entry per repetition, in run order. */
  readonly runs: ReadonlyArray<CaseResult | RunError>
  readonly strace: StraceCount | null
}

export interface ResultsFile {
  readonly version: 1
  readonly startedAt: string
  readonly finishedAt: string
  readonly wallSeconds: number
  readonly argv: ReadonlyArray<string>
  readonly params: RunParams
  readonly machine: Machine
  readonly payload: { readonly bytes: number; readonly eventsPerCommit: number; readonly standIn: boolean }
  readonly cases: ReadonlyArray<CaseRecord>
}
