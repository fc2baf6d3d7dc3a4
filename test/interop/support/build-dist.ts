/**
 * Child processes of the interop tests load the built library
 * (`dist/src/index.js`): vitest transforms only the test process's own
 * imports, not a child's. CI builds before testing; locally the build may be
 * missing or older than the sources, so {@link ensureDist} builds it then
 * (`tsc -p tsconfig.build.json`, about 2 s). When that fails because of
 * files outside `src/` (examples or benchmarks being edited), it builds
 * `src/` alone into the same place with a throw-away config under `dist/`;
 * if that fails too, it throws with the compiler's output.
 *
 * @module
 */
import * as Child from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { PROJECT_ROOT } from "./interop.js"

/** The built entry point the child scripts import. */
export const DIST_ENTRY = Path.join(PROJECT_ROOT, "dist", "src", "index.js")

const newestMtime = (dir: string): number => {
  let newest = 0
  for (const e of Fs.readdirSync(dir, { withFileTypes: true })) {
    const p = Path.join(dir, e.name)
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : Fs.statSync(p).mtimeMs)
  }
  return newest
}

/** Builds `dist/` unless `dist/src/index.js` exists and is newer than every file under `src/`. */
export const ensureDist = (): void => {
  const fresh = Fs.existsSync(DIST_ENTRY) && Fs.statSync(DIST_ENTRY).mtimeMs >= newestMtime(Path.join(PROJECT_ROOT, "src"))
  if (fresh) return
  const tsc = (config: string) =>
    Child.spawnSync(process.execPath, [Path.join(PROJECT_ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", config], {
      cwd: PROJECT_ROOT,
      encoding: "utf8"
    })
  const full = tsc("tsconfig.build.json")
  if (full.status === 0 && Fs.existsSync(DIST_ENTRY)) return
  const config = Path.join(PROJECT_ROOT, "dist", "tsconfig.interop-test.json")
  Fs.mkdirSync(Path.dirname(config), { recursive: true })
  Fs.writeFileSync(config, JSON.stringify({ extends: "../tsconfig.json", compilerOptions: { rootDir: "..", outDir: "." }, include: ["../src"] }))
  const srcOnly = tsc(config)
  if (srcOnly.status !== 0 || !Fs.existsSync(DIST_ENTRY)) {
    throw new Error(`building dist/ failed:\n${full.stdout}${full.stderr}\n${srcOnly.stdout}${srcOnly.stderr}`)
  }
}
