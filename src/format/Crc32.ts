/**
 * IEEE CRC-32 (reflected polynomial 0xEDB88320, init and final XOR
 * 0xFFFFFFFF; check value of "123456789" = 0xCBF43926), the checksum lora-wal
 * puts on every segment header and record (spec §0). Computed by the
 * `crc-32` package; this module only normalises its signed result to u32.
 *
 * @module
 */
import CRC32 from "crc-32"

/** CRC-32 of `bytes[start, end)` as an unsigned 32-bit number. No I/O. */
export const crc32 = (bytes: Uint8Array, start = 0, end = bytes.length): number =>
  (start === 0 && end === bytes.length ? CRC32.buf(bytes) : CRC32.buf(bytes.subarray(start, end))) >>> 0

/** `0x` + 8 lowercase hex digits, as lora-wal prints CRCs in messages. */
export const crcHex = (crc: number): string => `0x${(crc >>> 0).toString(16).padStart(8, "0")}`
