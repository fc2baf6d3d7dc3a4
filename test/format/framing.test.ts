import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { ByteWriter } from "../../src/format/Bytes.js"
import CRC32 from "crc-32"
import { crc32 } from "../../src/format/Crc32.js"
import {
  decodeFrame,
  decodeRecordAt,
  MAX_RECORD_LEN,
  RecordKind,
  writeMarker,
  writeMutationBatch,
  writeRecord
} from "../../src/format/Record.js"
import { decodeSegmentHeader, encodeSegmentHeader, SegmentHeader } from "../../src/format/SegmentHeader.js"
import type { Lsn } from "../../src/Lsn.js"
import { RawCodec } from "../support/RawCodec.js"
import { big, hex, loadFixture, SCENARIOS, unhex } from "../support/fixtures.js"

const A = {
  header_fresh_1: "4c4f524157414c000100000001000000000000000000000000000000e4165223",
  header_sealed_1: "4c4f524157414c0001000000010000000000000001000000000000007a16f8ef",
  header_fresh_123: "4c4f524157414c00010000007b000000000000000000000000000000d11f8708",
  header_sealed_max: "4c4f524157414c0001000000ffffffffffffffff0100000000000000d10afed6",
  rec_txbegin_1: "190000000201000000000000000000000000000000d95c9cca",
  rec_txcommit_3: "19000000030300000000000000010000000000000067b23006",
  rec_txabort_4: "19000000040400000000000000010000000000000059365bdb",
  rec_checkpoint_5_3: "190000000505000000000000000300000000000000f66bb0b0",
  rec_batch_ada:
    "7800000006020000000000000001000000000000004c573100010000000000000001010000000000000001000000000000000600000000000000506572736f6e" +
    "0200000000000000030000000000000061676502240000000000000004000000000000006e616d65040300000000000000416461ad2fcb33",
  rec_mutation_label: "3200000001020000000000000001000000000000004c57310005630000000000000004000000000000005573657262dd5396",
  rec_batch_empty: "2500000006090000000000000008000000000000004c57310000000000000000009920de1c",
  rec_batch_two: "2f00000006020000000000000001000000000000004c57310002000000000000000a02000000000000000c90132eff"
}

const marker = (kind: 2 | 3 | 4 | 5, lsn: bigint, slot: bigint) => {
  const w = new ByteWriter()
  writeMarker(w, kind, lsn, slot)
  return w.toUint8Array()
}

describe("CRC-32", () => {
  it("is the IEEE CRC: check value of '123456789' is 0xCBF43926", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926)
  })
})

describe("segment header (spec §2.1, Appendix A)", () => {
  it.each([
    ["header_fresh_1", 1n, false],
    ["header_sealed_1", 1n, true],
    ["header_fresh_123", 123n, false],
    ["header_sealed_max", 2n ** 64n - 1n, true]
  ] as const)("%s encodes and decodes", (name, base, sealed) => {
    expect(hex(encodeSegmentHeader(base as Lsn, sealed))).toBe(A[name])
    const h = decodeSegmentHeader(unhex(A[name]))
    expect(h).toBeInstanceOf(SegmentHeader)
    const hh = h as SegmentHeader
    expect(hh.baseLsn).toBe(base)
    expect(hh.sealed).toBe(sealed)
    expect(hh.formatVersion).toBe(1)
  })

  it("checks magic before CRC before version, with lora-wal's messages", () => {
    const good = unhex(A.header_fresh_1)
    const badMagic = good.slice()
    badMagic[0] = 0x4d
    badMagic[9] = 7 // also a bad version: magic must win
    expect((decodeSegmentHeader(badMagic) as Error).message).toBe("WAL segment header is malformed: bad magic")
    const badCrc = good.slice()
    badCrc[12] = 2
    expect((decodeSegmentHeader(badCrc) as Error).message).toBe("WAL segment header is malformed: header crc mismatch")
    const v2 = good.slice()
    v2[8] = 2
    new DataView(v2.buffer).setUint32(28, crc32(v2, 0, 28), true)
    expect((decodeSegmentHeader(v2) as Error).message).toBe("WAL segment header is malformed: unsupported format version")
    const v0 = good.slice()
    v0[8] = 0
    new DataView(v0.buffer).setUint32(28, crc32(v0, 0, 28), true)
    expect((decodeSegmentHeader(v0) as Error).message).toBe("WAL segment header is malformed: unsupported format version")
    expect((decodeSegmentHeader(good.subarray(0, 31)) as Error).message).toBe("WAL record truncated: expected 32 bytes, got 31")
  })

  it("ignores other flag bits and reserved bytes (they are covered by the CRC)", () => {
    const b = unhex(A.header_fresh_1)
    b[20] = 0x03
    b[24] = 0xaa
    new DataView(b.buffer).setUint32(28, crc32(b, 0, 28), true)
    const h = decodeSegmentHeader(b) as SegmentHeader
    expect(h.sealed).toBe(true)
    expect(h.flags).toBe(3)
  })
})

describe("record framing (spec §3, Appendix A, §8)", () => {
  it("encodes the marker vectors byte for byte", () => {
    expect(hex(marker(RecordKind.TxBegin, 1n, 0n))).toBe(A.rec_txbegin_1)
    expect(hex(marker(RecordKind.TxCommit, 3n, 1n))).toBe(A.rec_txcommit_3)
    expect(hex(marker(RecordKind.TxAbort, 4n, 1n))).toBe(A.rec_txabort_4)
    expect(hex(marker(RecordKind.Checkpoint, 5n, 3n))).toBe(A.rec_checkpoint_5_3)
  })

  it.each(Object.keys(A).filter((k) => k.startsWith("rec_")))("decodes %s and re-encodes it identically", (name) => {
    const bytes = unhex(A[name as keyof typeof A])
    const r = decodeRecordAt(bytes, 0, RawCodec)
    expect(r._tag).toBe("Record")
    if (r._tag !== "Record") return
    expect(r.frame.length).toBe(bytes.length)
    const w = new ByteWriter()
    writeRecord(w, RawCodec, r.record)
    expect(hex(w.bytes())).toBe(hex(bytes))
  })

  it("reads the §8.3 MutationBatch: length 120, lsn 2, tx 1, payload 95 bytes", () => {
    const r = decodeFrame(unhex(A.rec_batch_ada), 0)
    expect(r._tag).toBe("Frame")
    if (r._tag !== "Frame") return
    expect([r.frame.length, r.frame.kind, r.frame.lsn, r.frame.slot]).toEqual([120, 6, 2n, 1n])
    expect(r.frame.payloadEnd - r.frame.payloadStart).toBe(95)
  })

  describe("decode errors, in the reference's order, with exact messages", () => {
    const rec = unhex(A.rec_txcommit_3)
    const msg = (b: Uint8Array) => {
      const r = decodeFrame(b, 0)
      return r._tag === "Failure" ? r.error.message : r._tag
    }
    it("empty input is a clean end", () => expect(decodeFrame(new Uint8Array(0), 0)._tag).toBe("End"))
    it("1–3 bytes: truncated length prefix", () => {
      expect(msg(rec.subarray(0, 3))).toBe("WAL record truncated: expected 4 bytes, got 3")
      expect(msg(rec.subarray(0, 1))).toBe("WAL record truncated: expected 4 bytes, got 1")
    })
    it("length < 25", () => {
      const b = rec.slice()
      b[0] = 24
      expect(msg(b)).toBe("WAL record could not be decoded: record length 24 smaller than fixed framing")
    })
    it("length > 256 MiB, checked before the body is needed", () => {
      const b = new Uint8Array([0xde, 0xad, 0xbe, 0xef])
      expect(msg(b)).toBe("WAL record could not be decoded: record length 4022250974 exceeds maximum 268435456")
    })
    it("short body", () => expect(msg(rec.subarray(0, 12))).toBe("WAL record truncated: expected 21 bytes, got 8"))
    it("unknown kind is reported before the CRC", () => {
      const b = rec.slice()
      b[4] = 9
      expect(msg(b)).toBe("unknown WAL record kind: 9")
      b[4] = 0
      expect(msg(b)).toBe("unknown WAL record kind: 0")
    })
    it("CRC mismatch names the stored and computed CRC and the lsn", () => {
      const b = rec.slice()
      b[24] = b[24]! ^ 0xff
      const stored = new DataView(b.buffer).getUint32(21, true)
      const computed = crc32(b, 0, 21)
      expect(msg(b)).toBe(
        `WAL record CRC mismatch at lsn 3: expected 0x${stored.toString(16).padStart(8, "0")}, got 0x${computed.toString(16).padStart(8, "0")}`
      )
    })
    it.each([
      [RecordKind.TxBegin, "TxBegin"],
      [RecordKind.TxCommit, "TxCommit"],
      [RecordKind.TxAbort, "TxAbort"],
      [RecordKind.Checkpoint, "Checkpoint"]
    ] as const)("a %s marker with a payload", (kind, name) => {
      const w = new ByteWriter()
      writeRecord(w, RawCodec, { _tag: "Mutation", lsn: 5n as Lsn, txBeginLsn: 1n as Lsn, event: new Uint8Array([1]) })
      const b = w.toUint8Array()
      b[4] = kind
      new DataView(b.buffer).setUint32(b.length - 4, crc32(b, 0, b.length - 4), true)
      expect(msg(b)).toBe(`WAL record could not be decoded: ${name} has unexpected payload`)
    })
  })

  it("refuses to encode a record over 256 MiB and leaves the buffer unchanged", () => {
    const w = new ByteWriter()
    writeMarker(w, RecordKind.TxBegin, 1n, 0n)
    const before = hex(w.bytes())
    expect(() => writeMutationBatch(w, RawCodec, 2n, 1n, [new Uint8Array(MAX_RECORD_LEN - 25 + 1)])).toThrow(
      "record length 268435457 exceeds maximum 268435456"
    )
    expect(hex(w.bytes())).toBe(before)
  })

  it("refuses an empty batch", () => {
    expect(() => writeMutationBatch(new ByteWriter(), RawCodec, 2n, 1n, [])).toThrow("mutation batch must contain at least one event")
  })
})

describe("every fixture segment (written by the Rust reference)", () => {
  for (const scenario of SCENARIOS) {
    const fx = loadFixture(scenario)
    describe(scenario, () => {
      for (const seg of fx.expected.segments) {
        it(`${seg.file}: header, every record at its offset, byte-identical re-encode`, () => {
          const bytes = new Uint8Array(Fs.readFileSync(Path.join(fx.dir, seg.file)))
          expect(bytes.length).toBe(seg.size)
          const h = decodeSegmentHeader(bytes) as SegmentHeader
          expect(h).toBeInstanceOf(SegmentHeader)
          expect(h.baseLsn).toBe(big(seg.header.base_lsn))
          expect(h.sealed).toBe(seg.header.sealed)
          expect(h.flags).toBe(seg.header.flags)
          expect(h.formatVersion).toBe(seg.header.format)
          expect(`0x${h.crc.toString(16).padStart(8, "0")}`).toBe(seg.header.crc)
          expect(hex(h.reserved)).toBe(seg.header.reserved_hex)
          for (const rec of seg.records) {
            const r = decodeRecordAt(bytes, rec.offset, RawCodec)
            if (!rec.crc_ok) {
              expect(r._tag).toBe("Failure")
              if (r._tag === "Failure") expect(r.error._tag).toBe("CrcMismatch")
              continue
            }
            expect(r._tag).toBe("Record")
            if (r._tag !== "Record") continue
            expect(r.frame.length).toBe(rec.length)
            expect(r.frame.kind).toBe(rec.kind)
            expect(r.frame.lsn).toBe(big(rec.lsn))
            expect(r.frame.slot).toBe(rec.kind === RecordKind.TxBegin ? 0n : big(rec.tx_begin_lsn))
            expect(r.record._tag).toBe(rec.kind_name)
            const w = new ByteWriter()
            writeRecord(w, RawCodec, r.record)
            expect(hex(w.bytes())).toBe(hex(bytes.subarray(rec.offset, rec.offset + rec.length)))
          }
          if (seg.trailing_garbage) {
            const r = decodeFrame(bytes, seg.trailing_garbage.offset)
            expect(r._tag).toBe("Failure")
          }
        })
      }
    })
  }
})

describe("framing properties (fast-check)", () => {
  const recordArb = fc.oneof(
    fc.record({ kind: fc.constantFrom(2, 3, 4, 5), lsn: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), slot: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) })
      .map(({ kind, lsn, slot }) => marker(kind as 2 | 3 | 4 | 5, lsn, kind === 2 ? 0n : slot)),
    fc.record({ lsn: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), payload: fc.uint8Array({ minLength: 1, maxLength: 300 }) }).map(
      ({ lsn, payload }) => {
        const w = new ByteWriter()
        writeMutationBatch(w, RawCodec, lsn, 1n, [payload])
        return w.toUint8Array()
      }
    )
  )

  it("decoding arbitrary bytes never throws", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), (b, at) => {
        const r = decodeRecordAt(b, b.length === 0 ? 0 : at % b.length, RawCodec)
        return r._tag === "End" || r._tag === "Record" || r._tag === "Failure"
      }),
      { numRuns: 2000 }
    )
  })

  it("a record cut at any length is Truncated (or a clean end at 0)", () => {
    fc.assert(
      fc.property(recordArb, fc.nat(), (rec, n) => {
        const cut = n % rec.length
        const r = decodeFrame(rec.subarray(0, cut), 0)
        if (cut === 0) return r._tag === "End"
        return r._tag === "Failure" && r.error._tag === "Truncated"
      }),
      { numRuns: 1000 }
    )
  })

  it("any single-bit flip inside a record is detected", () => {
    fc.assert(
      fc.property(recordArb, fc.nat(), (rec, n) => {
        const bit = n % (rec.length * 8)
        const b = rec.slice()
        b[bit >> 3]! ^= 1 << (bit & 7)
        const r = decodeFrame(b, 0)
        return r._tag === "Failure"
      }),
      { numRuns: 2000 }
    )
  })

  it("one byte changed to any other value is detected", () => {
    fc.assert(
      fc.property(recordArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (rec, n, x) => {
        const b = rec.slice()
        b[n % b.length]! ^= x
        return decodeFrame(b, 0)._tag === "Failure"
      }),
      { numRuns: 1000 }
    )
  })
})

describe("CRC-32 implementations agree", () => {
  it("the package and the native path give the same value at every length around the switch", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (b) => {
        const whole = crc32(b)
        // Compute the same CRC through a subarray (start offset) to exercise both paths.
        const padded = new Uint8Array(b.length + 3)
        padded.set(b, 3)
        return whole === crc32(padded, 3) && whole === (CRC32.buf(b) >>> 0)
      }),
      { numRuns: 1000 }
    )
  })
})
