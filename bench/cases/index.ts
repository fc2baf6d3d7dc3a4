/**
 * The case registry: every case the runner knows, in table order. Case
 * modules must not load native libraries at import time (every child process
 * imports this registry); they import them inside `open` / `load`.
 *
 * @module
 */
import type { BenchCase } from "../types.js"
import { codecCases } from "./codec.js"
import { effectWalCommitCases, effectWalRecoveryCases } from "./effect-wal.js"
import { floorCases } from "./floor.js"
import { levelCases } from "./level.js"
import { lmdbCases } from "./lmdb.js"
import { recoveryCases } from "./recovery.js"
import { sqliteCases } from "./sqlite.js"

export const allCases: ReadonlyArray<BenchCase> = [
  ...floorCases,
  ...sqliteCases,
  ...levelCases,
  ...lmdbCases,
  ...effectWalCommitCases,
  ...recoveryCases,
  ...effectWalRecoveryCases,
  ...codecCases
]

{
  const seen = new Set<string>()
  for (const c of allCases) {
    if (seen.has(c.id)) throw new Error(`duplicate bench case id ${c.id}`)
    seen.add(c.id)
  }
}

export const findCase = (id: string): BenchCase | undefined => allCases.find((c) => c.id === id)
