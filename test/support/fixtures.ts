/**
 * Access to the lora-wal reference fixtures copied into `test/fixtures/lora-wal/`
 * (WAL directories written by the Rust reference, each with `expected.json`).
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

export const FIXTURES_DIR = Path.join(Path.dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "lora-wal")

export interface FixtureRecord {
  readonly offset: number
  readonly length: number
  readonly kind: number
  readonly kind_name: string
  readonly lsn: number | string
  readonly tx_begin_lsn: number | string
  readonly payload_len: number
  readonly crc: string
  readonly crc_ok: boolean
  readonly event_count?: number
  readonly event_tag?: number
}

export interface FixtureSegment {
  readonly file: string
  readonly size: number
  readonly base_lsn: number | string
  readonly sealed: boolean
  readonly header: {
    readonly magic_ok: boolean
    readonly format: number
    readonly base_lsn: number | string
    readonly flags: number
    readonly sealed: boolean
    readonly reserved_hex: string
    readonly crc: string
    readonly crc_ok: boolean
  }
  readonly records: ReadonlyArray<FixtureRecord>
  readonly trailing_garbage: null | { readonly offset: number; readonly size: number; readonly reason: string }
}

export interface FixtureOpen {
  readonly checkpoint_lsn: number
  readonly ok: boolean
  readonly event_count?: number
  readonly next_lsn?: number | string
  readonly durable_lsn?: number | string
  readonly active_segment_id?: number
  readonly oldest_segment_id?: number
  readonly files_after_open?: ReadonlyArray<{ readonly file: string; readonly size: number }>
  readonly file_changes?: ReadonlyArray<{ readonly file: string; readonly size_before: number; readonly size_after: number }>
  readonly events?: ReadonlyArray<unknown>
  readonly error?: string
}

export interface Fixture {
  readonly scenario: string
  readonly dir: string
  readonly expected: {
    readonly segments: ReadonlyArray<FixtureSegment>
    readonly replay_dir: {
      readonly ok: boolean
      readonly checkpoint_lsn: number
      readonly committed_event_count?: number
      readonly max_lsn?: number | string
      readonly checkpoint_lsn_observed?: number | string | null
      readonly last_good_offset?: number
      readonly torn_tail?: null | { readonly segment_file: string; readonly last_good_offset: number; readonly cause: string }
      readonly error?: string
    }
    readonly open: FixtureOpen
    readonly open_with_checkpoint?: FixtureOpen
    readonly params: { readonly segment_target_bytes: number; readonly checkpoint_fence_lsn?: number }
    readonly damage: unknown
  }
  /** The raw text of expected.json (to compare key order). */
  readonly expectedText: string
}

export const SCENARIOS: ReadonlyArray<string> = (
  JSON.parse(Fs.readFileSync(Path.join(FIXTURES_DIR, "index.json"), "utf8")) as { scenarios: Array<{ dir: string }> }
).scenarios.map((s) => s.dir)

export const loadFixture = (scenario: string): Fixture => {
  const dir = Path.join(FIXTURES_DIR, scenario)
  const expectedText = Fs.readFileSync(Path.join(dir, "expected.json"), "utf8")
  return { scenario, dir, expected: JSON.parse(expectedText) as Fixture["expected"], expectedText }
}

export const big = (v: number | string | null | undefined): bigint => BigInt(v ?? 0)

/** Copies a fixture's segment files into a fresh temporary directory (never open the originals). */
export const copyFixture = (scenario: string): string => {
  const src = Path.join(FIXTURES_DIR, scenario)
  const dst = Fs.mkdtempSync(Path.join(Os.tmpdir(), `effect-wal-${scenario}-`))
  for (const f of Fs.readdirSync(src)) if (f.endsWith(".wal")) Fs.copyFileSync(Path.join(src, f), Path.join(dst, f))
  return dst
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex")
export const unhex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s+/g, ""), "hex"))
