/**
 * Internal helpers shared by the LW1 payload codec (`LW1.ts`) and the
 * lora-store DDL codec (`Ddl.ts`): cheap encode-time validation with a field
 * path, UTF-8 key ordering, and the mapping of internal failures into
 * {@link CodecFailure}. Not part of the public API.
 *
 * Encoders throw an {@link EncodeIssue} at the leaf that is wrong; each
 * enclosing level prepends its path segment while the exception unwinds (a
 * `try`/`catch` around a loop costs nothing until something throws), and the
 * public entry point turns the issue into `CodecFailure("Encode",
 * "<path>: <problem>")`.
 *
 * @module
 * @internal
 */
import { CodecFailure } from "../format/Bytes.js"

/** 2^64 − 1. */
export const U64_MAX = 0xffff_ffff_ffff_ffffn
/** −2^63. */
export const I64_MIN = -0x8000_0000_0000_0000n
/** 2^63 − 1. */
export const I64_MAX = 0x7fff_ffff_ffff_ffffn
/** Rust's `f64::NAN` bit pattern, the NaN written when no other bits are known. */
export const DEFAULT_NAN_BITS = 0x7ff8_0000_0000_0000n

/** A validation failure found while encoding; `path` grows as the stack unwinds. */
export class EncodeIssue {
  constructor(
    readonly problem: string,
    public path = ""
  ) {}
}

/** Prepends `segment` to the path of an in-flight {@link EncodeIssue}; returns `e` to rethrow. */
export const atPath = (e: unknown, segment: string): unknown => {
  if (e instanceof EncodeIssue) e.path = segment + e.path
  return e
}

/** A path segment for a map key: `["key"]`. */
export const keySegment = (key: unknown): string => `[${typeof key === "string" ? JSON.stringify(key) : describe(key)}]`

/** A short description of a value for error messages. */
export const describe = (v: unknown): string => {
  switch (typeof v) {
    case "bigint":
      return `${v}n`
    case "number":
      return Object.is(v, -0) ? "-0" : String(v)
    case "string":
      return v.length > 40 ? `${JSON.stringify(v.slice(0, 40))}…` : JSON.stringify(v)
    case "undefined":
      return "undefined"
    case "boolean":
      return String(v)
    case "object": {
      if (v === null) return "null"
      if (Array.isArray(v)) return "an array"
      const name = (v as { constructor?: { name?: unknown } }).constructor?.name
      return typeof name === "string" && name !== "Object" ? `a ${name}` : "an object"
    }
    default:
      return `a ${typeof v}`
  }
}

/** Throws an {@link EncodeIssue} for field `path` (e.g. `.id`). */
export const bad = (path: string, expected: string, got: unknown): never => {
  throw new EncodeIssue(`expected ${expected}, got ${describe(got)}`, path)
}

/** Validates a u64 (`bigint` in [0, 2^64 − 1]). */
export const checkU64 = (v: unknown, path: string): bigint => {
  if (typeof v !== "bigint" || v < 0n || v > U64_MAX) bad(path, "a u64 bigint in [0, 2^64-1]", v)
  return v as bigint
}

/** Validates an i64 (`bigint` in [−2^63, 2^63 − 1]). */
export const checkI64 = (v: unknown, path: string): bigint => {
  if (typeof v !== "bigint" || v < I64_MIN || v > I64_MAX) bad(path, "an i64 bigint in [-2^63, 2^63-1]", v)
  return v as bigint
}

/** Validates a u32 (integer `number` in [0, 2^32 − 1]). */
export const checkU32 = (v: unknown, path: string): number => {
  if (typeof v !== "number" || v >>> 0 !== v) bad(path, "a u32 integer in [0, 4294967295]", v)
  return v as number
}

/** Validates an i32 (integer `number` in [−2^31, 2^31 − 1]). */
export const checkI32 = (v: unknown, path: string): number => {
  if (typeof v !== "number" || (v | 0) !== v) bad(path, "an i32 integer in [-2147483648, 2147483647]", v)
  return v as number
}

/** Validates any JS number (NaN and infinities included). */
export const checkNumber = (v: unknown, path: string): number => {
  if (typeof v !== "number") bad(path, "a number", v)
  return v as number
}

/** Validates a boolean. */
export const checkBool = (v: unknown, path: string): boolean => {
  if (typeof v !== "boolean") bad(path, "a boolean", v)
  return v as boolean
}

/**
 * Validates a string that can be written as UTF-8 without loss: it must be
 * well-formed UTF-16 (no lone surrogates, which `TextEncoder` would silently
 * replace with U+FFFD).
 */
export const checkString = (v: unknown, path: string): string => {
  if (typeof v !== "string") bad(path, "a string", v)
  if (!(v as string).isWellFormed()) throw new EncodeIssue("string is not well-formed UTF-16 (lone surrogate)", path)
  return v as string
}

/** Validates an array (any `Array.isArray` value). */
export const checkArray = (v: unknown, path: string, what: string): ReadonlyArray<unknown> => {
  if (!Array.isArray(v)) bad(path, what, v)
  return v as ReadonlyArray<unknown>
}

/**
 * Compares two well-formed strings by their UTF-8 bytes (= Unicode code
 * point order), without encoding them: where the first differing UTF-16 units
 * are both ≥ 0xD800, surrogates are moved above U+E000..U+FFFF.
 */
export const compareUtf8 = (a: string, b: string): number => {
  const n = a.length < b.length ? a.length : b.length
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        return (x < 0xe000 ? x + 0x2000 : x - 0x800) - (y < 0xe000 ? y + 0x2000 : y - 0x800)
      }
      return x - y
    }
  }
  return a.length - b.length
}

/**
 * Sorts keys in place by UTF-8 byte order. Fast path: when no key holds a
 * UTF-16 unit ≥ 0xD800, JS's default (code unit) order is already byte order.
 */
export const sortUtf8 = (keys: Array<string>): Array<string> => {
  const n = keys.length
  if (n <= 16) {
    // Insertion sort: property bags are small, and Array.prototype.sort's setup dominates there.
    for (let i = 1; i < n; i++) {
      const k = keys[i]!
      let j = i - 1
      while (j >= 0 && compareUtf8(keys[j]!, k) > 0) {
        keys[j + 1] = keys[j]!
        j--
      }
      keys[j + 1] = k
    }
    return keys
  }
  for (let k = 0; k < n; k++) {
    const s = keys[k]!
    for (let i = 0; i < s.length; i++) {
      if (s.charCodeAt(i) >= 0xd800) return keys.sort(compareUtf8)
    }
  }
  return keys.sort()
}

/** True for V8's "Maximum call stack size exceeded" RangeError. */
export const isStackOverflow = (e: unknown): boolean =>
  e instanceof RangeError && /call stack/i.test(e.message)

/**
 * Turns what an encoder threw into a {@link CodecFailure}: an
 * {@link EncodeIssue} becomes `<lead><prefix><path>: <problem>`; a stack overflow
 * (absurdly deep nesting) becomes `<what> nests too deeply to encode`; another
 * `RangeError` (e.g. an allocation beyond V8's limits) becomes an encode
 * failure with its message. Anything else is rethrown (a bug).
 */
export const toEncodeFailure = (e: unknown, prefix: string, what: string, lead = ""): CodecFailure => {
  if (e instanceof EncodeIssue) {
    const where = prefix + e.path
    return new CodecFailure("Encode", lead + (where === "" ? e.problem : `${where}: ${e.problem}`))
  }
  if (e instanceof CodecFailure) return e
  if (isStackOverflow(e)) return new CodecFailure("Encode", `${what} nests too deeply to encode`)
  if (e instanceof RangeError) return new CodecFailure("Encode", `${what} could not be encoded: ${e.message}`)
  throw e
}

/** True when this host stores typed-array elements little-endian (every platform Node supports today). */
export const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1
