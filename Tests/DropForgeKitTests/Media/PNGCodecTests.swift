import Foundation
import XCTest
@testable import DropForgeKit
@testable import DropForgeMedia

final class PNGCodecTests: XCTestCase {
    private func sampleImage(width: Int = 37, height: Int = 23) -> RGBAImage {
        var pixels = [UInt8](repeating: 0, count: width * height * 4)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 4
                pixels[i] = UInt8((x * 7) & 0xFF)
                pixels[i + 1] = UInt8((y * 11) & 0xFF)
                pixels[i + 2] = UInt8((x * y) & 0xFF)
                pixels[i + 3] = UInt8((255 - x * 3) & 0xFF)
            }
        }
        return RGBAImage(width: width, height: height, pixels: pixels)
    }

    private func assertThrows(_ expression: @autoclosure () throws -> Any, containing fragment: String,
                              file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try expression()
            XCTFail("expected an error containing \"\(fragment)\"", file: file, line: line)
        } catch let error as PNGError {
            XCTAssertTrue(error.message.contains(fragment), "message was: \(error.message)", file: file, line: line)
        } catch {
            XCTFail("unexpected error type \(error)", file: file, line: line)
        }
    }

    func testPixelRoundTrip() throws {
        let image = sampleImage()
        let data = try PNGCodec.encode(image)
        XCTAssertEqual(Array(data.prefix(8)), MediaTestPNG.signature)
        let decoded = try PNGCodec.decode(data)
        XCTAssertEqual(decoded.image, image)
        XCTAssertTrue(decoded.text.isEmpty)
    }

    func testAllTextKindsRoundTripInOrder() throws {
        let longLatin1 = String(repeating: "Crème brûlée, naïve façade. ", count: 80)
        let longUnicode = String(repeating: "猫が好き ☕ ", count: 200)
        let chunks = [
            PNGTextChunk(keyword: "Title", text: "Hello, world", kind: .tEXt),
            PNGTextChunk(keyword: "Description", text: longLatin1, kind: .zTXt),
            PNGTextChunk(keyword: "Keywords", text: "café ☕ 猫", kind: .iTXt),
            PNGTextChunk(keyword: "Comment", text: longUnicode, kind: .iTXt),
            PNGTextChunk(keyword: "Software", text: "dropforge é", kind: .tEXt),
        ]
        let data = try PNGCodec.encode(sampleImage(), text: chunks)
        let types = MediaTestPNG.chunks(in: data).map(\.type)
        XCTAssertEqual(types.filter { ["tEXt", "zTXt", "iTXt"].contains($0) },
                       ["tEXt", "zTXt", "iTXt", "iTXt", "tEXt"])
        let decoded = try PNGCodec.decode(data)
        XCTAssertEqual(decoded.text, chunks)
        XCTAssertEqual(decoded.image, sampleImage())
    }

    func testKeywordOrderIsFileOrder() throws {
        let keywords = ["Zeta", "alpha", "Mid dle", "chara", "ccv3", "Beta"]
        let chunks = keywords.enumerated().map { i, k in
            PNGTextChunk(keyword: k, text: "value \(i)", kind: PNGTextChunk.Kind.allCases[i % 3])
        }
        let decoded = try PNGCodec.decode(PNGCodec.encode(sampleImage(width: 4, height: 4), text: chunks))
        XCTAssertEqual(decoded.text.map(\.keyword), keywords)
        XCTAssertEqual(decoded.text.map(\.kind), chunks.map(\.kind))
    }

    func testTextAfterIDATIsReadToo() throws {
        let latin1Text: [UInt8] = Array("Title".utf8) + [0] + [0x63, 0x61, 0x66, 0xE9] // "café" in Latin-1
        let itxt: [UInt8] = Array("chara".utf8) + [0, 0, 0] + [0] + [0] + Array("猫".utf8)
        let data = MediaTestPNG.file(width: 1, height: 1, bitDepth: 8, colorType: 6, rows: [[1, 2, 3, 4]],
                                     extraBeforeIDAT: [MediaTestPNG.chunk("tEXt", latin1Text)],
                                     extraAfterIDAT: [MediaTestPNG.chunk("iTXt", itxt)])
        let decoded = try PNGCodec.decode(data)
        XCTAssertEqual(decoded.text, [PNGTextChunk(keyword: "Title", text: "café", kind: .tEXt),
                                      PNGTextChunk(keyword: "chara", text: "猫", kind: .iTXt)])
        XCTAssertEqual(decoded.image.pixels, [1, 2, 3, 4])
    }

    func testAutomaticChunkKind() {
        XCTAssertEqual(PNGTextChunk.automatic(keyword: "Title", text: "café au lait").kind, .tEXt)
        XCTAssertEqual(PNGTextChunk.automatic(keyword: "Title", text: String(repeating: "é", count: 1025)).kind, .zTXt)
        XCTAssertEqual(PNGTextChunk.automatic(keyword: "Title", text: String(repeating: "a", count: 1024)).kind, .tEXt)
        XCTAssertEqual(PNGTextChunk.automatic(keyword: "Title", text: "café ☕ 猫").kind, .iTXt)
    }

    func testEncodeRejectsBadText() {
        let image = sampleImage(width: 2, height: 2)
        assertThrows(try PNGCodec.encode(image, text: [PNGTextChunk(keyword: "T", text: "猫", kind: .tEXt)]),
                     containing: "not Latin-1")
        assertThrows(try PNGCodec.encode(image, text: [PNGTextChunk(keyword: "", text: "x", kind: .tEXt)]),
                     containing: "1–79")
        assertThrows(try PNGCodec.encode(image, text: [PNGTextChunk(keyword: String(repeating: "k", count: 80), text: "x", kind: .iTXt)]),
                     containing: "1–79")
        assertThrows(try PNGCodec.encode(image, text: [PNGTextChunk(keyword: "猫", text: "x", kind: .iTXt)]),
                     containing: "not printable Latin-1")
        assertThrows(try PNGCodec.encode(image, text: [PNGTextChunk(keyword: " lead", text: "x", kind: .iTXt)]),
                     containing: "space")
    }

    func testEncodingIsDeterministicAndHasNoTimeChunk() throws {
        let text = [PNGTextChunk.automatic(keyword: "Title", text: "same"),
                    PNGTextChunk.automatic(keyword: "Keywords", text: "café ☕ 猫")]
        let a = try PNGCodec.encode(sampleImage(), text: text)
        let b = try PNGCodec.encode(sampleImage(), text: text)
        XCTAssertEqual(a, b)
        XCTAssertFalse(MediaTestPNG.chunks(in: a).contains { $0.type == "tIME" })
        XCTAssertNotEqual(try PNGCodec.encode(sampleImage(), encoding: PNGEncoding(compressionLevel: 0, filters: .adaptive)), a)
    }

    /// `.fast` (drawn images) is lossless like `.standard`, deterministic, and really uses only
    /// the Sub filter: every IDAT row starts with filter byte 1.
    func testFastEncodingRoundTripsAndFiltersEveryRowWithSub() throws {
        let image = sampleImage(width: 64, height: 48)
        let fast = try PNGCodec.encode(image, encoding: .fast)
        XCTAssertEqual(fast, try PNGCodec.encode(image, encoding: .fast))
        XCTAssertEqual(try PNGCodec.decode(fast).image, image)
        let idat = Data(MediaTestPNG.chunks(in: fast).filter { $0.type == "IDAT" }.flatMap { fast[$0.offset + 8 ..< $0.offset + 8 + $0.length] })
        let rows = try PNGZlib.inflate(idat, maxOutput: 1 << 20)
        XCTAssertEqual(rows.count, 48 * (1 + 64 * 4))
        for row in 0..<48 { XCTAssertEqual(rows[row * (1 + 64 * 4)], 1, "row \(row)") }
    }

    func testRejectsNotAPNG() {
        assertThrows(try PNGCodec.decode(Data("hello, this is text".utf8)), containing: "not a PNG file")
        assertThrows(try PNGCodec.decode(Data()), containing: "not a PNG file")
        assertThrows(try PNGCodec.header(Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 0, 0, 0, 0, 0])), containing: "not a PNG file")
    }

    func testRejectsTruncatedFile() throws {
        let data = try PNGCodec.encode(sampleImage(width: 64, height: 64))
        for cut in [30, data.count / 2, data.count - 5] {
            assertThrows(try PNGCodec.decode(data.prefix(cut)), containing: "truncated")
        }
    }

    /// Found by `make fuzz` (Fuzz/Regressions/png/itxt-claims-1.9GB): a 475-byte file whose
    /// iTXt claimed 1,919,906,411 bytes made libpng allocate (and the process hold) 1.9 GB before
    /// it found the file truncated. The claim is now refused from the chunk headers first.
    func testRejectsAChunkClaimingMoreThanTheFileHasBeforeLibPNGAllocates() throws {
        let valid = Data(ChunkTestPNG.png([]))
        var data = valid.prefix(valid.count - 12)  // without IEND
        data.append(contentsOf: ChunkTestPNG.be32(1_919_906_411) + Array("iTXt".utf8) + Array("parameters\0\u{1}\0\0\0".utf8))
        assertThrows(try PNGCodec.decode(data),
                     containing: "truncated PNG: the iTXt chunk at byte \(valid.count - 12) claims 1919906411 bytes but only 15 remain")
        // A chunk that fits is still left to libpng (its CRC and contents are its business).
        XCTAssertNoThrow(try PNGCodec.decode(valid))
    }

    func testRejectsFlippedCRCInIDAT() throws {
        var data = try PNGCodec.encode(sampleImage())
        let idat = try XCTUnwrap(MediaTestPNG.chunks(in: data).first { $0.type == "IDAT" })
        let crcOffset = idat.offset + 8 + idat.length
        data[crcOffset] ^= 0x01
        assertThrows(try PNGCodec.decode(data), containing: "CRC error in IDAT")
    }

    func testRejectsHugeIHDRBeforeAllocating() throws {
        // 100000×100000 RGBA would be 40 GB: must be refused from IHDR alone.
        let data = MediaTestPNG.file(width: 100_000, height: 100_000, bitDepth: 8, colorType: 6, rows: [[0, 0, 0, 0]])
        assertThrows(try PNGCodec.decode(data), containing: "PNG is 100000×100000, over the 8192-pixel limit")
        // header() only reads IHDR, so it reports the claimed size without decoding anything.
        let header = try PNGCodec.header(data)
        XCTAssertEqual(header, PNGHeader(width: 100_000, height: 100_000, bitDepth: 8, colorType: 6))
    }

    func testDecodedByteLimitAndLibPNGLimits() throws {
        let data = MediaTestPNG.file(width: 4000, height: 4000, bitDepth: 8, colorType: 2, rows: [[0, 0, 0]])
        assertThrows(try PNGCodec.decode(data, limits: PNGLimits(maxDecodedBytes: 1024 * 1024)),
                     containing: "over the 1 MiB limit")
        let small = try PNGCodec.encode(sampleImage(width: 40, height: 10))
        assertThrows(try PNGCodec.decode(small, limits: PNGLimits(maxWidth: 32, maxHeight: 32)),
                     containing: "PNG is 40×10, over the 32-pixel limit")
        XCTAssertNoThrow(try PNGCodec.decode(small, limits: PNGLimits(maxWidth: 40, maxHeight: 10, maxDecodedBytes: 1600)))
    }

    func testTextLimit() throws {
        let image = sampleImage(width: 2, height: 2)
        // 200 kB of text deflates to a few hundred bytes: a small decompression bomb.
        let bomb = try PNGCodec.encode(image, text: [PNGTextChunk(keyword: "chara", text: String(repeating: "a", count: 200_000), kind: .zTXt)])
        XCTAssertLessThan(bomb.count, 2000)
        assertThrows(try PNGCodec.decode(bomb, limits: PNGLimits(maxTextBytes: 1000)), containing: "limit")
        XCTAssertEqual(try PNGCodec.decode(bomb).text.first?.text.count, 200_000)
        let plain = try PNGCodec.encode(image, text: [PNGTextChunk(keyword: "k", text: String(repeating: "b", count: 5000), kind: .tEXt)])
        assertThrows(try PNGCodec.decode(plain, limits: PNGLimits(maxTextBytes: 1000)), containing: "limit")
        // A damaged text chunk is an error, not silently dropped metadata.
        var damaged = plain
        let text = try XCTUnwrap(MediaTestPNG.chunks(in: damaged).first { $0.type == "tEXt" })
        damaged[text.offset + 8 + text.length] ^= 0x01
        assertThrows(try PNGCodec.decode(damaged), containing: "CRC error in tEXt")
    }

    func testHeaderWithoutDecoding() throws {
        var data = try PNGCodec.encode(sampleImage(width: 300, height: 200),
                                       text: [PNGTextChunk(keyword: "Title", text: "x", kind: .zTXt)])
        XCTAssertEqual(try PNGCodec.header(data), PNGHeader(width: 300, height: 200, bitDepth: 8, colorType: 6))
        // Corrupt the image data: decode fails, header() still works because it never reads IDAT.
        let idat = try XCTUnwrap(MediaTestPNG.chunks(in: data).first { $0.type == "IDAT" })
        data[idat.offset + 8 + 4] ^= 0xFF
        XCTAssertThrowsError(try PNGCodec.decode(data))
        XCTAssertEqual(try PNGCodec.header(data).width, 300)
    }

    func testDecodesOtherColourTypesToRGBA8() throws {
        // 8-bit gray.
        let gray = MediaTestPNG.file(width: 2, height: 1, bitDepth: 8, colorType: 0, rows: [[0x10, 0xF0]])
        XCTAssertEqual(try PNGCodec.decode(gray).image.pixels, [0x10, 0x10, 0x10, 255, 0xF0, 0xF0, 0xF0, 255])
        // Palette with tRNS.
        let plte = MediaTestPNG.chunk("PLTE", [255, 0, 0, 0, 0, 255])
        let trns = MediaTestPNG.chunk("tRNS", [128])
        let palette = MediaTestPNG.file(width: 2, height: 1, bitDepth: 8, colorType: 3, rows: [[0, 1]],
                                        extraBeforeIDAT: [plte, trns])
        XCTAssertEqual(try PNGCodec.decode(palette).image.pixels, [255, 0, 0, 128, 0, 0, 255, 255])
        // 16-bit RGB.
        let rgb16 = MediaTestPNG.file(width: 1, height: 1, bitDepth: 16, colorType: 2,
                                      rows: [[0xFF, 0xFF, 0x80, 0x00, 0x00, 0x00]])
        XCTAssertEqual(try PNGCodec.decode(rgb16).image.pixels, [255, 128, 0, 255])
        XCTAssertEqual(try PNGCodec.header(rgb16), PNGHeader(width: 1, height: 1, bitDepth: 16, colorType: 2))
        // Adam7-interlaced 2×1 RGB: pass 1 holds pixel (0,0), pass 6 holds pixel (1,0).
        let adam7 = MediaTestPNG.file(width: 2, height: 1, bitDepth: 8, colorType: 2,
                                      rows: [[10, 20, 30], [40, 50, 60]], interlace: 1)
        XCTAssertEqual(try PNGCodec.decode(adam7).image.pixels, [10, 20, 30, 255, 40, 50, 60, 255])
        XCTAssertTrue(try PNGCodec.header(adam7).interlaced)
        // 1-bit gray.
        let bits = MediaTestPNG.file(width: 3, height: 1, bitDepth: 1, colorType: 0, rows: [[0b1010_0000]])
        XCTAssertEqual(try PNGCodec.decode(bits).image.pixels, [255, 255, 255, 255, 0, 0, 0, 255, 255, 255, 255, 255])
    }
}
