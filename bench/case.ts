/**
 * Child-process entry: runs one phase of one repetition of one case.
 *
 *   node dist/bench/case.js <caseId> <dir> <json CaseParams>
 *
 * Prints exactly one JSON line ({@link ChildOutput}) on stdout and exits
 * (explicitly: some native stores keep handles alive). Everything else goes
 * to stderr.
 *
 * @module
 */
import { findCase } from "./cases/index.js"
import type { CaseParams, ChildOutput } from "./types.js"

const emit = (out: ChildOutput, code: number): never => {
  process.stdout.write(JSON.stringify(out) + "\n", () => process.exit(code))
  // process.exit runs from the write callback; keep the event loop alive until then
  return setInterval(() => {}, 1000) as never
}

const main = async (): Promise<void> => {
  const [id, dir, json] = process.argv.slice(2)
  if (id === undefined || dir === undefined || json === undefined)
    throw new Error("usage: case.js <caseId> <dir> <json params>")
  const c = findCase(id)
  if (c === undefined) throw new Error(`unknown case ${id}`)
  const params = JSON.parse(json) as CaseParams
  if (params.phase === "prepare") {
    if (c.prepare === undefined) throw new Error(`case ${id} has no prepare phase`)
    await c.prepare(dir, params)
    emit({ ok: true, result: null, maxRssMb: process.resourceUsage().maxRSS / 1024 }, 0)
  } else {
    const result = await c.run(dir, params)
    emit({ ok: true, result, maxRssMb: process.resourceUsage().maxRSS / 1024 }, 0)
  }
}

main().catch((e: unknown) => {
  const error = e instanceof Error ? (e.stack ?? e.message) : String(e)
  emit({ ok: false, error }, 1)
})
