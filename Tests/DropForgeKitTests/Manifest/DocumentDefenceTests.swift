import Foundation
import XCTest
@testable import DropForgeKit

/// Hostile or malformed bytes: every case must end in a positioned error, quickly, never a crash.
final class DocumentDefenceTests: XCTestCase {
    func testInvalidUTF8IsPositioned() {
        var bytes = Array("version: 1\nkind: images\nname: caf".utf8)
        bytes += [0xC3, 0x28]  // a lead byte followed by a non-continuation byte
        bytes += Array("\n".utf8)
        let error = ManifestFixtures.parseError(Data(bytes))
        XCTAssertManifestError(error, line: 3, column: 10, field: nil, contains: "not valid UTF-8")
        XCTAssertTrue(error?.message.contains("offset 33") ?? false, "\(String(describing: error))")
    }

    func testNULByteIsRejected() {
        let error = ManifestFixtures.parseError(Data("version: 1\nkind: ima\0ges\n".utf8))
        XCTAssertManifestError(error, line: 2, column: 10, field: nil, contains: "NUL bytes are not allowed")
    }

    func testOversizedFileIsRejectedBeforeParsing() {
        let big = "version: 1\nkind: images\nparams:\n  negative: \"" + String(repeating: "x", count: 2 * 1_048_576) + "\"\n"
        let error = ManifestFixtures.parseError(big)
        XCTAssertNil(error?.line)
        XCTAssertTrue(error?.message.contains("over the limit of 1048576 bytes") ?? false, "\(String(describing: error))")
    }

    func testDeepJSONNestingIsRejectedWithoutCrash() {
        let deep = "{\"version\": 1, \"kind\": \"images\", \"params\": {\"vars\": {\"a\": "
            + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "}}}"
        let error = ManifestFixtures.parseError(deep, file: "deep.json")
        XCTAssertManifestError(error, line: 1, column: 119, field: nil, contains: "nesting is deeper than 64 levels")
    }

    func testDeepYAMLNestingIsRejectedWithoutCrash() {
        let flow = "version: 1\nkind: images\nparams: " + String(repeating: "{a: ", count: 10_000) + "1" + String(repeating: "}", count: 10_000)
        XCTAssertManifestError(ManifestFixtures.parseError(flow), line: 3, column: 9 + 4 * 63, field: nil,
                               contains: "nesting is deeper than 64 levels")

        var block = "version: 1\nkind: images\n"
        for level in 0..<300 { block += String(repeating: " ", count: level) + "k\(level):\n" }
        XCTAssertManifestError(ManifestFixtures.parseError(block), line: 67, column: 65, field: nil,
                               contains: "nesting is deeper than 64 levels")

        let dashes = "version: 1\nkind: images\nx: " + String(repeating: "- ", count: 10_000) + "1\n"
        XCTAssertNotNil(ManifestFixtures.parseError(dashes))
    }

    func testAliasBombIsRejectedQuickly() {
        var bomb = "version: 1\nkind: images\nparams:\n  vars:\n    a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        var previous = "a"
        for name in ["b", "c", "d", "e", "f", "g", "h", "i"] {
            bomb += "    \(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ",") + "]\n"
            previous = name
        }
        let start = Date()
        let error = ManifestFixtures.parseError(bomb)
        XCTAssertLessThan(Date().timeIntervalSince(start), 1.0)
        XCTAssertManifestError(error, line: 5, column: 8, field: nil, contains: "anchors and aliases are not allowed in manifests")

        // A bomb used as a mapping key would make Yams hash it exponentially: refused before composing.
        let keyBomb = "a: &a [x, x]\nb: &b [*a, *a]\n? *b\n: 1\n"
        XCTAssertManifestError(ManifestFixtures.parseError(keyBomb), line: 1, column: 4, field: nil, contains: "anchors and aliases")
        XCTAssertManifestError(ManifestFixtures.parseError("version: 1\nkind: images\nname: *x\n"),
                               line: 3, column: 7, field: nil, contains: "anchors and aliases")
    }

    func testAmpersandsAndAsterisksInTextAreFine() throws {
        let yaml = """
        version: 1
        kind: images
        params:
          template: |
            *bold* text & more
              &indented *too*
          negative: cats & dogs * 2
          keywords: ["&quoted", '*single']
          vars: {style: [a & b, "*c"]}
        """
        let manifest = try ManifestFixtures.parse(yaml)
        XCTAssertEqual(manifest.params.template, "*bold* text & more\n  &indented *too*\n")
        XCTAssertEqual(manifest.params.negative, "cats & dogs * 2")
        XCTAssertEqual(manifest.params.keywords, ["&quoted", "*single"])
        XCTAssertEqual(manifest.params.vars?.first?.values, ["a & b", "*c"])
    }

    func testTagsAndMultipleDocumentsAreRejected() {
        XCTAssertManifestError(ManifestFixtures.parseError(ManifestFixtures.withParams("  count: !!int \"4\"\n")),
                               line: 5, column: 10, field: nil, contains: "YAML tags")
        XCTAssertManifestError(ManifestFixtures.parseError("version: 1\nkind: images\n---\nversion: 1\nkind: images\n"),
                               line: 3, column: 1, field: nil, contains: "multiple YAML documents are not allowed")
    }

    func testEmptyAndNonMappingDocuments() {
        XCTAssertManifestError(ManifestFixtures.parseError("\n  \n"), line: 1, column: 1, field: nil, contains: "empty")
        XCTAssertManifestError(ManifestFixtures.parseError("[1, 2]"), line: 1, column: 1, field: nil, contains: "expected a mapping, found a list")
        XCTAssertManifestError(ManifestFixtures.parseError("{\"version\": 1, \"version\": 1, \"kind\": \"images\"}", file: "d.json"),
                               line: 1, column: 2, field: nil, contains: "duplicate key 'version'")
    }
}
