/**
 * IEEE CRC-32 (reflected polynomial 0xEDB88320, init and final XOR
 * 0xFFFFFFFF; check value of "123456789" = 0xCBF43926), the checksum lora-wal
 * puts on every segment header and record (spec §0).
 *
 * Two implementations of the same function: the `crc-32` package for short
 * inputs (markers, headers: its per-call cost is lower) and Node's native
 * `zlib.crc32` (Node ≥ 20.15 / 22.2) from 64 bytes up, measured here at
 * 1.8× (600 B) to 3× (≥ 64 KiB) the package's throughput. Both give the same
 * value; a test checks it.
 *
 * @module
 */
import CRC32 from "crc-32"
import * as Zlib from "node:zlib"

const native: ((data: Uint8Array) => number) | undefined = typeof Zlib.crc32 === "function" ? Zlib.crc32 : undefined

/** Inputs at least this long use the native implementation. */
const NATIVE_FROM = 64

/** CRC-32 of `bytes[start, end)` as an unsigned 32-bit number. No I/O. */
export const crc32 = (bytes: Uint8Array, start = 0, end = bytes.length): number => {
  const view = start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end)
  if (native !== undefined && end - start >= NATIVE_FROM) return native(view)
  return CRC32.buf(view) >>> 0
}

/** `0x` + 8 lowercase hex digits, as lora-wal prints CRCs in messages. */
export const crcHex = (crc: number): string => `0x${(crc >>> 0).toString(16).padStart(8, "0")}`
