import Foundation
import XCTest
@testable import DropForgeKit
@testable import DropForgeMedia
@testable import DropForgeCore

final class PNGTextEmbedderTests: XCTestCase {
    /// A small image with every pixel different, encoded by libpng with one text chunk.
    private func sourcePNG() throws -> (image: RGBAImage, png: Data) {
        var image = RGBAImage(width: 7, height: 5)
        for y in 0..<5 {
            for x in 0..<7 {
                image.setPixel(x: x, y: y, (UInt8(x * 30), UInt8(y * 50), UInt8((x * y * 13) % 256), UInt8(200 + x)))
            }
        }
        let png = try PNGCodec.encode(image, text: [PNGTextChunk(keyword: "Software", text: "dropforge", kind: .tEXt)])
        return (image, png)
    }

    /// The chunk types of a PNG, in order.
    private func chunkTypes(_ data: Data) -> [String] {
        let bytes = [UInt8](data)
        var types: [String] = []
        var offset = 8
        while offset + 12 <= bytes.count {
            let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            types.append(String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self))
            offset += 12 + length
        }
        return types
    }

    func testInsertedChunksDecodeBackWithIdenticalPixels() throws {
        let (image, png) = try sourcePNG()
        let description = "A watercolour owl, café colours, soft light"        // Latin-1: tEXt
        let tags = "owl, 猫, ночь, 🦉"                                           // not Latin-1: iTXt
        let output = try PNGTextEmbedder.insert([("Title", "Barn owl"), ("Description", description), ("Keywords", tags)],
                                                into: png)

        let decoded = try PNGCodec.decode(output)
        XCTAssertEqual(decoded.image, image)
        XCTAssertEqual(decoded.warnings, [])
        XCTAssertEqual(decoded.text, [
            PNGTextChunk(keyword: "Software", text: "dropforge", kind: .tEXt),
            PNGTextChunk(keyword: "Title", text: "Barn owl", kind: .tEXt),
            PNGTextChunk(keyword: "Description", text: description, kind: .tEXt),
            PNGTextChunk(keyword: "Keywords", text: tags, kind: .iTXt),
        ])
    }

    func testThePixelDataIsSplicedNotReencoded() throws {
        let (_, png) = try sourcePNG()
        let output = try PNGTextEmbedder.insert([("Title", "x")], into: png)
        let iend = png.count - 12
        XCTAssertEqual(output.prefix(iend), png.prefix(iend), "everything before IEND is untouched")
        XCTAssertEqual(output.suffix(12), png.suffix(12), "IEND stays last")
        XCTAssertEqual(chunkTypes(output).suffix(2), ["tEXt", "IEND"])
        XCTAssertEqual(chunkTypes(output).filter { $0 == "IDAT" }.count, chunkTypes(png).filter { $0 == "IDAT" }.count)
    }

    func testTheChunkLayoutFollowsThePNGSpecification() throws {
        let latin = PNGTextEmbedder.frame(type: "tEXt", body: Array("Title".utf8) + [0] + Array("Owl".utf8))
        XCTAssertEqual(try PNGTextEmbedder.chunk(keyword: "Title", text: "Owl"), latin)
        XCTAssertEqual(latin, MediaTestPNG.chunk("tEXt", Array("Title".utf8) + [0] + Array("Owl".utf8)),
                       "length, type, body and CRC as an independent implementation writes them")

        let utf8 = try PNGTextEmbedder.chunk(keyword: "Title", text: "Eule 🦉")
        // keyword NUL, compression flag 0, method 0, empty language NUL, empty translated keyword NUL, UTF-8.
        XCTAssertEqual(utf8, MediaTestPNG.chunk("iTXt", Array("Title".utf8) + [0, 0, 0, 0, 0] + Array("Eule 🦉".utf8)))

        // Latin-1 text is stored as Latin-1 bytes, not UTF-8.
        let accented = try PNGTextEmbedder.chunk(keyword: "Title", text: "café")
        XCTAssertEqual(accented, MediaTestPNG.chunk("tEXt", Array("Title".utf8) + [0] + [0x63, 0x61, 0x66, 0xE9]))
        XCTAssertEqual(CRC32.checksum(Array("IEND".utf8)), 0xAE42_6082)
    }

    func testEmptyTextAndNoChunksAreFine() throws {
        let (image, png) = try sourcePNG()
        XCTAssertEqual(try PNGTextEmbedder.insert([], into: png), png)
        let decoded = try PNGCodec.decode(try PNGTextEmbedder.insert([("Comment", "")], into: png))
        XCTAssertEqual(decoded.image, image)
        XCTAssertEqual(decoded.text.last, PNGTextChunk(keyword: "Comment", text: "", kind: .tEXt))
    }

    func testBadInputIsAPermanentError() throws {
        let (_, png) = try sourcePNG()
        func assertPermanent(_ expression: @autoclosure () throws -> Data, _ code: String, line: UInt = #line) {
            XCTAssertThrowsError(try expression(), line: line) {
                let error = StepError.classify($0)
                XCTAssertFalse(error.isTransient, line: line)
                XCTAssertEqual(error.code, code, line: line)
            }
        }
        assertPermanent(try PNGTextEmbedder.insert([("Title", "x")], into: Data("not a png at all, really".utf8)), "png_invalid")
        assertPermanent(try PNGTextEmbedder.insert([("Title", "x")], into: png.prefix(png.count - 12)), "png_invalid")
        assertPermanent(try PNGTextEmbedder.insert([("", "x")], into: png), "png_text")
        assertPermanent(try PNGTextEmbedder.insert([(String(repeating: "k", count: 80), "x")], into: png), "png_text")
        assertPermanent(try PNGTextEmbedder.insert([("Titel 🦉", "x")], into: png), "png_text")
        XCTAssertNoThrow(try PNGTextEmbedder.insert([(String(repeating: "k", count: 79), "x")], into: png))
    }
}

final class CSVWriterTests: XCTestCase {
    func testPlainFieldsAreWrittenAsTheyAreWithCRLF() {
        var csv = CSVWriter(header: ["index", "prompt", "seed"])
        csv.append(["1", "A watercolour owl", "42"])
        csv.append(["2", "", "43"])
        XCTAssertEqual(csv.text, "index,prompt,seed\r\n1,A watercolour owl,42\r\n2,,43\r\n")
    }

    func testFieldsWithCommasQuotesOrLineBreaksAreQuoted() {
        var csv = CSVWriter(header: ["a"])
        csv.append(["owl, barn"])
        csv.append(["the \"best\" owl"])
        csv.append(["two\nlines"])
        csv.append(["carriage\rreturn"])
        csv.append(["\""])
        XCTAssertEqual(csv.text, "a\r\n\"owl, barn\"\r\n\"the \"\"best\"\" owl\"\r\n\"two\nlines\"\r\n\"carriage\rreturn\"\r\n\"\"\"\"\r\n")
    }

    func testOtherCharactersNeedNoQuotes() {
        XCTAssertEqual(CSVWriter.escape(" leading and trailing "), " leading and trailing ")
        XCTAssertEqual(CSVWriter.escape("猫; ночь\t🦉 'single'"), "猫; ночь\t🦉 'single'")
        XCTAssertEqual(CSVWriter.escape(""), "")
    }
}

final class CSVLineBreakTests: XCTestCase {
    /// "\r\n" is one Character in Swift; it must still be quoted.
    func testCRLFInsideAFieldIsQuoted() {
        XCTAssertEqual(CSVWriter.escape("two\r\nlines"), "\"two\r\nlines\"")
    }
}
