import Foundation
import OrderedCollections
import XCTest
@testable import DropForgeKit
@testable import DropForgeJSON

final class JSONValueTests: XCTestCase {
    // MARK: - Helpers

    static let fixtures = RealCards.folder

    func parseError(_ bytes: [UInt8], maxDepth: Int = 512,
                    file: StaticString = #filePath, line: UInt = #line) -> JSONParseError? {
        do {
            let value = try JSONParser.parse(bytes, maxDepth: maxDepth)
            XCTFail("expected a parse error, got \(value)", file: file, line: line)
            return nil
        } catch let error as JSONParseError {
            return error
        } catch {
            XCTFail("unexpected error type \(error)", file: file, line: line)
            return nil
        }
    }

    func parseError(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> JSONParseError? {
        parseError(Array(text.utf8), file: file, line: line)
    }

    /// The `(keyword, text)` of every tEXt chunk, walking the PNG by hand:
    /// 8-byte signature, then length (big-endian), type, data, CRC.
    func textChunks(ofPNG data: Data) throws -> [(String, Data)] {
        let bytes = [UInt8](data)
        XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var chunks: [(String, Data)] = []
        var p = 8
        while p + 8 <= bytes.count {
            let length = Int(bytes[p]) << 24 | Int(bytes[p + 1]) << 16 | Int(bytes[p + 2]) << 8 | Int(bytes[p + 3])
            let type = String(decoding: bytes[p + 4..<p + 8], as: UTF8.self)
            let body = Array(bytes[p + 8..<p + 8 + length])
            if type == "tEXt", let nul = body.firstIndex(of: 0) {
                let keyword = String(decoding: body[..<nul], as: UTF8.self)
                chunks.append((keyword, Data(body[(nul + 1)...])))
            }
            if type == "IEND" { break }
            p += 12 + length
        }
        return chunks
    }

    // MARK: - Real cards

    func testRealJSONCardRoundTripsByteForByte() throws {
        let original = try Data(contentsOf: Self.fixtures.appendingPathComponent("Aqua_v1.json"))
        let value = try JSONParser.parse(original)
        XCTAssertEqual(value["name"]?.stringValue, "Aqua")
        XCTAssertNotNil(value["chat"])  // unknown (non-spec) keys survive
        XCTAssertEqual(JSONWriter.compactData(value), original)
    }

    func testRealPNGCardsRoundTripByteForByte() throws {
        var payloads = 0
        for (file, expectedName) in [("Megumin_v1.png", "Megumin"), ("default_FluxTheCat.png", "Flux the Cat"),
                                     ("default_Seraphina.png", "Seraphina")] {
            let png = try Data(contentsOf: Self.fixtures.appendingPathComponent(file))
            for (keyword, text) in try textChunks(ofPNG: png) where keyword == "chara" || keyword == "ccv3" {
                let decoded = try XCTUnwrap(Data(base64Encoded: text), "\(file) \(keyword) is not base64")
                let value = try JSONParser.parse(decoded)
                let name = value["data"]?["name"]?.stringValue ?? value["name"]?.stringValue
                XCTAssertEqual(name, expectedName, "\(file) \(keyword)")
                let written = JSONWriter.compactData(value)
                XCTAssertEqual(written.count, decoded.count, "\(file) \(keyword)")
                XCTAssertTrue(written == decoded, "\(file) \(keyword) did not round-trip byte-for-byte")
                payloads += 1
            }
        }
        XCTAssertEqual(payloads, 4)  // Megumin chara, Flux chara, Seraphina chara + ccv3
    }

    func testSeraphinaExtensionsAndNumbersSurvive() throws {
        let png = try Data(contentsOf: Self.fixtures.appendingPathComponent("default_Seraphina.png"))
        let text = try XCTUnwrap(try textChunks(ofPNG: png).first { $0.0 == "ccv3" }?.1)
        let card = try JSONParser.parse(XCTUnwrap(Data(base64Encoded: text)))
        XCTAssertEqual(card["spec"]?.stringValue, "chara_card_v3")
        XCTAssertEqual(card["data"]?["extensions"]?.typeName, "object")
        let entries = try XCTUnwrap(card["data"]?["character_book"]?["entries"]?.arrayValue)
        XCTAssertEqual(entries.count, 4)
    }

    // MARK: - Lossless details

    func testKeyOrderKept() throws {
        let text = #"{"zeta":1,"alpha":{"b":2,"a":1},"mid":[{"y":0,"x":0}],"":null}"#
        let value = try JSONParser.parse(text)
        XCTAssertEqual(value.objectValue.map { Array($0.keys) }, ["zeta", "alpha", "mid", ""])
        XCTAssertEqual(JSONWriter.compact(value), text)
    }

    func testNumberLiteralsKeptVerbatim() throws {
        let text = #"[0.50,1E+2,-0,1e3,0,-12.340e-5,12345678901234567890123,1.0]"#
        let value = try JSONParser.parse(text)
        XCTAssertEqual(value[0], .number("0.50"))
        XCTAssertEqual(value[1], .number("1E+2"))
        XCTAssertEqual(value[2], .number("-0"))
        XCTAssertEqual(value[0]?.numberValue, 0.5)
        XCTAssertEqual(value[1]?.numberValue, 100)
        XCTAssertEqual(value[3]?.intValue, 1000)
        XCTAssertEqual(value[7]?.intValue, 1)
        XCTAssertNil(value[0]?.intValue)
        XCTAssertEqual(JSONWriter.compact(value), text)
    }

    func testDuplicateKeysFollowJavaScript() throws {
        // JSON.parse('{"a":1,"b":2,"a":3}') → {a: 3, b: 2}: first position, last value.
        let value = try JSONParser.parse(#"{"a":1,"b":2,"a":3}"#)
        XCTAssertEqual(value.objectValue?.count, 2)
        XCTAssertEqual(JSONWriter.compact(value), #"{"a":3,"b":2}"#)
    }

    func testAllEscapesDecode() throws {
        let value = try JSONParser.parse(#""\"\\\/\b\f\n\r\t\u0041\u00e9\u00E9\ud83d\ude00""#)
        XCTAssertEqual(value.stringValue?.unicodeScalars.map(\.value),
                       [0x22, 0x5C, 0x2F, 0x08, 0x0C, 0x0A, 0x0D, 0x09, 0x41, 0xE9, 0xE9, 0x1F600])
        // JSON.stringify writes back: '/' and non-ASCII raw, the rest as short escapes.
        XCTAssertEqual(JSONWriter.compact(value), "\"\\\"\\\\/\\b\\f\\n\\r\\tA\u{E9}\u{E9}\u{1F600}\"")
    }

    func testControlCharactersUseLowercaseHex() {
        let value = JSONValue.string("\u{1F}\u{0}\u{B}\u{1B}\u{7F}")
        XCTAssertEqual(JSONWriter.compact(value), #""\u001f\u0000\u000b\u001b"# + "\u{7F}\"")
    }

    func testSlashNonASCIIAndLineSeparatorsUnescaped() {
        let text = "a/b é😀 \u{2028}\u{2029}"
        let written = JSONWriter.compactData(.string(text))
        XCTAssertEqual(written, Data(("\"" + text + "\"").utf8))
    }

    /// A lone surrogate escape (a card cut mid-emoji) is kept and written back as written
    /// (issue 16); a pair is still one character.
    func testLoneSurrogatesRoundTripAsWritten() throws {
        for text in [#""\ud800x""#, #""\udc00""#, #""\ud800A""#, #""\ud83d😀""#, #""Hi \ud83d""#, #"{"a":["\udfff","\ud83d"]}"#] {
            let parsed = try JSONParser.parse(text)
            XCTAssertEqual(JSONWriter.compact(parsed), text, text)
        }
        XCTAssertEqual(try JSONParser.parse(#""\ud83d\ud83d\ude00""#).stringValue?.unicodeScalars.last, "\u{1F600}")
        XCTAssertEqual(JSONWriter.compact(try JSONParser.parse(#""\ud83d\ude00""#)), #""😀""#, "a pair is one character, raw")
        XCTAssertEqual(JSONWriter.compact(.string("\u{10F7FF}")), "\"\u{10F7FF}\"", "the plane below the stand-ins is untouched")
    }

    func testBOMAndSurroundingWhitespaceAccepted() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array(" \r\n\t{\"a\" : [ 1 , 2 ] }\n ".utf8)
        XCTAssertEqual(JSONWriter.compact(try JSONParser.parse(bytes)), #"{"a":[1,2]}"#)
        XCTAssertEqual(try JSONParser.parse(Data(bytes)), try JSONParser.parse(#"{"a":[1,2]}"#))
    }

    // MARK: - Errors

    func testTrailingCommaReportsLineAndColumn() {
        let error = parseError("{\n  \"a\": 1,\n  \"b\": [1, 2,],\n}")
        XCTAssertEqual(error?.line, 3)
        XCTAssertEqual(error?.column, 13)  // points at the comma
        XCTAssertEqual(error?.description, "line 3, column 13: trailing comma before ']' is not allowed")
        XCTAssertEqual(parseError(#"{"a":1,}"#)?.message, "trailing comma before '}' is not allowed")
    }

    func testMissingCommaMessage() {
        let error = parseError("{\n  \"a\": 1,\n  \"bé\": true \"c\": 2\n}")
        XCTAssertEqual(error?.description, "line 3, column 14: expected ',' or '}' after an object member")
        XCTAssertEqual(error?.offset, 26)  // bytes: "é" is two, but one column
    }

    func testUnterminatedString() {
        let error = parseError("[\"abc")
        XCTAssertEqual(error?.message, "unterminated string")
        XCTAssertEqual(error?.column, 2)
        XCTAssertEqual(parseError("[\"ab\\u00e9")?.message, "unterminated string")
    }

    func testInvalidUTF8IsAnError() {
        let error = parseError([0x5B, 0x22, 0x61, 0xFF, 0x22, 0x5D])
        XCTAssertEqual(error?.message, "invalid UTF-8 byte 0xFF in string")
        XCTAssertEqual(error?.offset, 3)
        XCTAssertEqual(error?.column, 4)
        XCTAssertNotNil(parseError([0x22, 0xC0, 0x80, 0x22]))  // overlong NUL
        XCTAssertNotNil(parseError([0x22, 0xED, 0xA0, 0x80, 0x22]))  // encoded surrogate
        XCTAssertNotNil(parseError([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22]))  // above U+10FFFF
        XCTAssertNotNil(parseError([0x22, 0xE2, 0x82, 0x22]))  // truncated sequence
        XCTAssertNotNil(parseError([0x22, 0xE2, 0x82]))  // truncated at end of input
    }

    func testDeepNestingThrowsInsteadOfCrashing() {
        let error = parseError([UInt8](repeating: UInt8(ascii: "["), count: 10_000))
        XCTAssertEqual(error?.message, "nesting deeper than 512 levels")
        let deepObjects = String(repeating: #"{"a":"#, count: 600) + "1" + String(repeating: "}", count: 600)
        XCTAssertEqual(parseError(deepObjects)?.message, "nesting deeper than 512 levels")
        // Exactly at the limit is fine.
        let atLimit = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        XCTAssertNoThrow(try JSONParser.parse(atLimit))
        XCTAssertNotNil(parseError(Array(("[[[" + "]]]").utf8), maxDepth: 2))
    }

    /// The parser is iterative and the writer/equality keep small frames, so a value at the
    /// default depth limit is safe even on a 512 KiB secondary-thread stack in a debug build.
    func testMaxDepthValueIsSafeOnSmallThreadStack() {
        let text = String(repeating: #"[{"a":"#, count: 256) + "1" + String(repeating: "}]", count: 256)
        let done = expectation(description: "parsed on a small stack")
        /// Written on the thread before `fulfill`, read after `wait`: ordered, so unchecked is fine.
        final class Outcome: @unchecked Sendable {
            var compactOK = false, prettyOK = false, equalOK = false
        }
        let outcome = Outcome()
        let thread = Thread {
            if let value = try? JSONParser.parse(text) {
                outcome.compactOK = JSONWriter.compact(value) == text
                outcome.prettyOK = JSONWriter.pretty(value).hasSuffix("  }\n]")
                outcome.equalOK = value.semanticallyEquals(value) && value == value
            }
            done.fulfill()
        }
        thread.stackSize = 512 * 1024
        thread.start()
        wait(for: [done], timeout: 30)
        XCTAssertTrue(outcome.compactOK)
        XCTAssertTrue(outcome.prettyOK)
        XCTAssertTrue(outcome.equalOK)
    }

    func testLeadingZeroAndBadNumbers() {
        XCTAssertEqual(parseError("[01]")?.message, "leading zeros are not allowed in numbers")
        XCTAssertEqual(parseError("[01]")?.column, 2)
        XCTAssertEqual(parseError("-01")?.message, "leading zeros are not allowed in numbers")
        XCTAssertEqual(parseError("1.")?.message, "expected a digit after the decimal point")
        XCTAssertEqual(parseError(".5")?.message, "unexpected '.' where a value was expected")
        XCTAssertEqual(parseError("1e")?.message, "expected a digit in the exponent")
        XCTAssertEqual(parseError("+1")?.message, "unexpected '+' where a value was expected")
        XCTAssertEqual(parseError("-")?.message, "expected a digit after '-'")
    }

    func testNaNAndInfinityRejected() {
        XCTAssertEqual(parseError("[NaN]")?.description,
                       "line 1, column 2: invalid literal 'NaN' (NaN, Infinity and bare words are not JSON)")
        XCTAssertNotNil(parseError("Infinity"))
        XCTAssertEqual(parseError("-Infinity")?.message, "expected a digit after '-'")
    }

    func testOtherNonStandardSyntaxRejected() {
        XCTAssertNotNil(parseError("{\"a\":1 // c\n}"))
        XCTAssertNotNil(parseError("/* c */ 1"))
        XCTAssertEqual(parseError("['a']")?.message, "strings must use double quotes")
        XCTAssertEqual(parseError("{a:1}")?.message, "expected a string key in double quotes, found 'a'")
        XCTAssertEqual(parseError("\"a\u{0A}b\"")?.message, "raw control character U+000A in string must be escaped")
        XCTAssertEqual(parseError(#""\x""#)?.message, #"invalid escape '\x' in string"#)
        XCTAssertEqual(parseError(#""\u12G4""#)?.message, #"invalid \u escape: expected 4 hex digits"#)
        XCTAssertEqual(parseError("1 2")?.message, "unexpected '2' after the JSON value")
        XCTAssertEqual(parseError("tru")?.message, "invalid literal 'tru'")
        XCTAssertEqual(parseError("")?.message, "unexpected end of input, expected a value")
        XCTAssertEqual(parseError("[1,]")?.message, "trailing comma before ']' is not allowed")
        XCTAssertEqual(parseError("[1 2]")?.message, "expected ',' or ']' after an array element")
        XCTAssertEqual(parseError(#"{"a" 1}"#)?.message, "expected ':' after an object key")
    }

    // MARK: - Writer

    func testPrettyMatchesJSONStringifyWithIndent2() throws {
        let value = try JSONParser.parse(#"{"a":[1,{"b":null}],"c":{},"d":[],"e":"x\u001f/é"}"#)
        let expected = """
        {
          "a": [
            1,
            {
              "b": null
            }
          ],
          "c": {},
          "d": [],
          "e": "x\\u001f/é"
        }
        """
        XCTAssertEqual(JSONWriter.pretty(value), expected)
        XCTAssertEqual(JSONWriter.pretty(value, indent: 0), JSONWriter.compact(value))
        XCTAssertEqual(JSONWriter.pretty([1, true], indent: 4), "[\n    1,\n    true\n]")
        XCTAssertEqual(JSONWriter.pretty("s"), "\"s\"")
    }

    func testScalarsWrite() {
        XCTAssertEqual(JSONWriter.compact(.null), "null")
        XCTAssertEqual(JSONWriter.compact(true), "true")
        XCTAssertEqual(JSONWriter.compact(false), "false")
        XCTAssertEqual(JSONWriter.compact(""), "\"\"")
    }

    // MARK: - Value API

    func testSemanticEquality() throws {
        let a = try JSONParser.parse(#"{"x":1.0,"y":[0.50,"s"],"z":{"p":null,"q":true}}"#)
        let b = try JSONParser.parse(#"{"z":{"q":true,"p":null},"y":[5e-1,"s"],"x":1}"#)
        XCTAssertNotEqual(a, b)
        XCTAssertTrue(a.semanticallyEquals(b))
        XCTAssertFalse(a.semanticallyEquals(try JSONParser.parse(#"{"x":1,"y":[0.5,"s"],"z":{"p":null}}"#)))
        XCTAssertFalse(JSONValue.number("1").semanticallyEquals(.string("1")))
        XCTAssertFalse(JSONValue.array([1, 2]).semanticallyEquals([2, 1]))
        XCTAssertTrue(JSONValue.number("-0").semanticallyEquals(.number("0")))
        XCTAssertNotEqual(JSONValue.number("1.0"), .number("1"))
    }

    func testNumberFromDoubleFormatsLikeJavaScript() {
        let cases: [(Double, String)] = [
            (1.0, "1"), (0.5, "0.5"), (1e21, "1e+21"), (1e20, "100000000000000000000"),
            (Double("123456789012345680000")!, "123456789012345680000"), (1e-6, "0.000001"), (1e-7, "1e-7"),
            (1.5e-7, "1.5e-7"), (-2.5, "-2.5"), (0.1 + 0.2, "0.30000000000000004"), (-0.0, "0"),
            (.leastNonzeroMagnitude, "5e-324"), (.greatestFiniteMagnitude, "1.7976931348623157e+308"),
            (123.456, "123.456"), (1e16, "10000000000000000"), (9007199254740992, "9007199254740992"),
            (1.7e-10, "1.7e-10"), (-1e-7, "-1e-7"), (1.2345e33, "1.2345e+33"), (0.000123, "0.000123"),
        ]
        for (d, expected) in cases {
            XCTAssertEqual(JSONValue.number(d), .number(expected), "\(d)")
        }
        XCTAssertEqual(JSONValue.number(Double.nan), .null)
        XCTAssertEqual(JSONValue.number(-Double.infinity), .null)
        XCTAssertEqual(JSONValue.number(42), .number("42"))
        XCTAssertEqual(JSONValue.number(-7 as Int), .number("-7"))
    }

    func testKeySubscriptSetterKeepsPosition() {
        var value: JSONValue = ["a": 1, "b": "two", "c": [true, .null]]
        value["b"] = 2
        value["d"] = ["nested": 0.25]
        value["a"] = nil
        XCTAssertEqual(JSONWriter.compact(value), #"{"b":2,"c":[true,null],"d":{"nested":0.25}}"#)
        value["c"] = nil
        value["missing"] = nil
        XCTAssertEqual(value.objectValue.map { Array($0.keys) }, ["b", "d"])

        var book = JSONValue.null
        book["entries"] = []
        XCTAssertEqual(JSONWriter.compact(book), #"{"entries":[]}"#)
    }

    func testAccessors() throws {
        let value = try JSONParser.parse(#"{"s":"x","n":2,"b":false,"z":null,"a":[1],"o":{}}"#)
        XCTAssertEqual(value["s"]?.stringValue, "x")
        XCTAssertNil(value["n"]?.stringValue)
        XCTAssertEqual(value["n"]?.numberValue, 2)
        XCTAssertEqual(value["b"]?.boolValue, false)
        XCTAssertEqual(value["z"]?.isNull, true)
        XCTAssertEqual(value["a"]?[0], 1)
        XCTAssertNil(value["a"]?[1])
        XCTAssertNil(value["a"]?[-1])
        XCTAssertNil(value[0])
        XCTAssertNil(value["s"]?["k"])
        XCTAssertEqual(value["o"]?.objectValue?.isEmpty, true)
        XCTAssertEqual(value["a"]?.arrayValue?.count, 1)
        XCTAssertEqual(["object", "array", "string", "number", "boolean", "null"],
                       [value, value["a"]!, value["s"]!, value["n"]!, value["b"]!, value["z"]!].map(\.typeName))
        XCTAssertEqual(value.description, #"{"s":"x","n":2,"b":false,"z":null,"a":[1],"o":{}}"#)
    }

    // MARK: - Size

    func testParsesFiveMegabyteArray() throws {
        var text = "["
        var count = 0
        while text.utf8.count < 5_000_000 {
            if count > 0 { text += "," }
            text += #"{"id":\#(count),"name":"item \#(count)","score":0.\#(count % 100),"tags":["a","b\n"],"ok":true}"#
            count += 1
        }
        text += "]"
        let data = Data(text.utf8)
        let value = try JSONParser.parse(data)
        XCTAssertEqual(value.arrayValue?.count, count)
        XCTAssertEqual(value[count - 1]?["id"]?.intValue, count - 1)
        XCTAssertEqual(JSONWriter.compactData(value), data)
    }
}
