/**
 * Turns a results file into the markdown section for `docs/benchmarks.md`
 * and the commits/s-vs-concurrency plot.
 *
 *   node dist/bench/report.js [--in bench/results/latest.json] [--md <file>]
 *                             [--svg <file>] [--png <file> | --no-png]
 *
 * Defaults: the plot goes next to the input (`latest.json` →
 * `latest-commits.svg` / `latest-commits.png`); image links in the markdown
 * are relative to the `--md` file's directory (or to the repository root).
 *
 * The SVG is written by hand (render.ts). The PNG is converted from it with
 * the first converter that works: `rsvg-convert` (Debian: librsvg2-bin),
 * ImageMagick's `magick`, then `convert`; when none works, the report says so
 * and links the SVG instead. Without `--md` the markdown goes to stdout.
 *
 * @module
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { renderMarkdown, renderSvg } from "./render.js"
import type { ResultsFile } from "./types.js"

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..")

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47])

const CONVERTERS: ReadonlyArray<{ readonly name: string; readonly args: (svg: string, png: string) => ReadonlyArray<string> }> = [
  { name: "rsvg-convert", args: (svg, png) => ["-b", "white", "-o", png, svg] },
  { name: "magick", args: (svg, png) => [svg, png] },
  { name: "convert", args: (svg, png) => [svg, png] }
]

/** Converts `svg` to `png`; returns the converter used, or null and why each failed. */
export const svgToPng = (svg: string, png: string): { readonly via: string | null; readonly tried: ReadonlyArray<string> } => {
  const tried: Array<string> = []
  for (const c of CONVERTERS) {
    fs.rmSync(png, { force: true })
    const r = spawnSync(c.name, c.args(svg, png), { encoding: "utf8", timeout: 60_000 })
    const okFile = fs.existsSync(png) && fs.readFileSync(png).subarray(0, 4).equals(PNG_MAGIC)
    if (r.status === 0 && okFile) return { via: c.name, tried }
    fs.rmSync(png, { force: true })
    tried.push(
      `${c.name}: ${r.error ? ((r.error as NodeJS.ErrnoException).code ?? r.error.message) : `exit ${r.status}${(r.stderr ?? "").trim() ? `, ${(r.stderr ?? "").trim().split("\n")[0]}` : ""}`}`
    )
  }
  return { via: null, tried }
}

const main = (): void => {
  const argv = process.argv.slice(2)
  const opt = (flag: string): string | undefined => {
    const i = argv.indexOf(flag)
    return i >= 0 ? argv[i + 1] : undefined
  }
  const input = path.resolve(opt("--in") ?? path.join(ROOT, "bench", "results", "latest.json"))
  const md = opt("--md")
  const svg = path.resolve(opt("--svg") ?? input.replace(/\.json$/, "") + "-commits.svg")
  const png = argv.includes("--no-png") ? null : path.resolve(opt("--png") ?? svg.replace(/\.svg$/, "") + ".png")
  const res = JSON.parse(fs.readFileSync(input, "utf8")) as ResultsFile
  if (res.version !== 1) throw new Error(`${input}: unknown results version ${String(res.version)}`)

  fs.mkdirSync(path.dirname(svg), { recursive: true })
  fs.writeFileSync(svg, renderSvg(res))
  let image = svg
  let note = ""
  if (png !== null) {
    const conv = svgToPng(svg, png)
    if (conv.via !== null) {
      image = png
      process.stderr.write(`report: ${path.relative(process.cwd(), png)} (via ${conv.via})\n`)
    } else {
      note = `PNG not produced (no working SVG converter: ${conv.tried.join("; ")}); install librsvg2-bin for rsvg-convert.`
      process.stderr.write(`report: ${note}\n`)
    }
  }
  const mdDir = md === undefined ? ROOT : path.dirname(path.resolve(md))
  const rel = path.relative(mdDir, image).split(path.sep).join("/")
  const text = renderMarkdown(res, { plot: rel }) + (note === "" ? "" : `\n\n_${note}_`) + "\n"
  if (md === undefined) process.stdout.write(text)
  else {
    fs.writeFileSync(path.resolve(md), text)
    process.stderr.write(`report: wrote ${md}\n`)
  }
  process.stderr.write(`report: ${path.relative(process.cwd(), svg)}\n`)
}

main()
