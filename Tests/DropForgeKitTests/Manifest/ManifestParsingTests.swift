import Foundation
import XCTest
@testable import DropForgeKit

final class ManifestParsingTests: XCTestCase {
    func testFullYAMLManifestParses() throws {
        let manifest = try ManifestFixtures.parse(ManifestFixtures.fullYAML)
        XCTAssertEqual(manifest.file, "cats.yaml")
        XCTAssertEqual(manifest.version, 1)
        XCTAssertEqual(manifest.kind, .images)
        XCTAssertEqual(manifest.name, "Cozy Cats!")
        XCTAssertEqual(manifest.id, "cats-2026-11-21")
        XCTAssertEqual(manifest.force, false)
        XCTAssertEqual(manifest.priority, .high)
        XCTAssertEqual(manifest.profile, "default")
        XCTAssertEqual(manifest.params.template, "A {style} illustration of {keyword}, soft light")
        XCTAssertEqual(manifest.params.keywords, ["tabby cat", "black cat"])
        XCTAssertEqual(manifest.params.vars, [TemplateVariable(name: "style", values: ["watercolor", "ink"]),
                                              TemplateVariable(name: "mood", values: ["calm"])])
        XCTAssertEqual(manifest.params.pick, .sequential)
        XCTAssertEqual(manifest.params.count, 4)
        XCTAssertEqual(manifest.params.aspectRatios, ["1:1", "16:9"])
        XCTAssertEqual(manifest.params.size, 768)
        XCTAssertEqual(manifest.params.seed, 42)
        XCTAssertEqual(manifest.params.negative, "blurry, text")
        XCTAssertEqual(manifest.params.writer, "local")
        XCTAssertEqual(manifest.generate.provider, "local")
        XCTAssertEqual(manifest.quality.enabled, true)
        XCTAssertEqual(manifest.quality.checks, [.decode, .dimensions, .blank, .duplicate])
        XCTAssertNil(manifest.quality.vision)
        XCTAssertEqual(manifest.metadata.enabled, true)
        XCTAssertEqual(manifest.export.formats, [.png, .csv, .html, .contactSheet])
        XCTAssertEqual(manifest.sections.positions["params.count"], ManifestPosition(line: 13, column: 10))
    }

    func testJSONManifestParsesLikeYAML() throws {
        let json = """
        {
        \t"version": 1,
        \t"kind": "images",
        \t"name": "Cozy Cats!",
        \t"id": "cats-2026-11-21",
        \t"force": false,
        \t"priority": "high",
        \t"profile": "default",
        \t"params": {
        \t\t"template": "A {style} illustration of {keyword}, soft light",
        \t\t"keywords": ["tabby cat", "black cat"],
        \t\t"vars": {"style": ["watercolor", "ink"], "mood": "calm"},
        \t\t"pick": "sequential", "count": 4, "aspect_ratios": ["1:1", "16:9"],
        \t\t"size": 768, "seed": 42, "negative": "blurry, text", "writer": "local"
        \t},
        \t"generate": {"provider": "local"},
        \t"quality": {"enabled": true, "checks": ["decode", "dimensions", "blank", "duplicate"]},
        \t"metadata": {"enabled": true, "writer": "local"},
        \t"export": {"formats": ["png", "csv", "html", "contact_sheet"]}
        }
        """
        let fromJSON = try ManifestFixtures.parse(json, file: "cats.json")
        var fromYAML = try ManifestFixtures.parse(ManifestFixtures.fullYAML)
        fromYAML.file = "cats.json"
        fromYAML.sections.positions = fromJSON.sections.positions
        XCTAssertEqual(fromJSON, fromYAML)
        XCTAssertEqual(fromJSON.sections.positions["params.count"], ManifestPosition(line: 13, column: 34))
    }

    func testJSONEscapesAndCRLF() throws {
        let json = #"{"version": 1, "kind": "images", "params": {"template": "smile \ud83d\ude00 \/ \u00e9 {keyword}"}}"#
        XCTAssertEqual(try ManifestFixtures.parse(json, file: "a.json").params.template, "smile 😀 / é {keyword}")
        let crlf = "version: 1\r\nkind: images\r\nparams:\r\n  template: x\r\n  count: 3\r\n"
        XCTAssertEqual(try ManifestFixtures.parse(crlf).params.count, 3)
        XCTAssertManifestError(ManifestFixtures.parseError("{\"version\": 1, \"kind\": \"images\", \"params\": {\"count\": 4.0}}", file: "a.json"),
                               line: 1, column: 54, field: "params.count", contains: "expected an integer, found a number (4.0)")
    }

    func testErrorDescriptionFormat() {
        let error = ManifestFixtures.parseError(ManifestFixtures.fullYAML.replacingOccurrences(of: "count: 4", with: "count: 5000"))
        XCTAssertEqual(error?.description, "cats.yaml:13:10: params.count: 5000 is over the limit of 1000")
        XCTAssertEqual(error?.code, "manifest_invalid")
    }

    func testBrokenYAML() {
        let error = ManifestFixtures.parseError("version: 1\nkind: images\nparams:\n  keywords: [a, b\n  count: 3\n")
        XCTAssertEqual(error?.line, 5)
        XCTAssertEqual(error?.column, 8)
        XCTAssertNil(error?.field)
        XCTAssertTrue(error?.message.hasPrefix("invalid YAML:") ?? false, "\(String(describing: error))")

        let indent = ManifestFixtures.parseError("version: 1\nkind: images\n  name: x\n")
        XCTAssertEqual(indent?.line, 3)
        XCTAssertEqual(indent?.column, 7)
    }

    func testBrokenJSON() {
        let error = ManifestFixtures.parseError("{\n  \"version\": 1,\n  \"kind\": \"images\",,\n  \"name\": \"x\"\n}", file: "cats.json")
        XCTAssertManifestError(error, line: 3, column: 20, field: nil, contains: "invalid JSON")

        let truncated = ManifestFixtures.parseError("{\n  \"version\": 1,\n  \"kind\": \"im", file: "cats.json")
        XCTAssertEqual(truncated?.line, 3)
        XCTAssertNotNil(truncated?.column)
        XCTAssertTrue(truncated?.message.hasPrefix("invalid JSON") ?? false)
    }

    func testUnknownKeyWithSuggestion() {
        let error = ManifestFixtures.parseError(ManifestFixtures.withParams("  cuont: 4\n"))
        XCTAssertManifestError(error, line: 5, column: 3, field: "params.cuont", contains: "unknown key 'cuont' (did you mean 'count'?)")

        let top = ManifestFixtures.parseError("version: 1\nkind: images\ngenrate: {provider: local}\n")
        XCTAssertManifestError(top, line: 3, column: 1, field: "genrate", contains: "did you mean 'generate'?")

        let far = ManifestFixtures.parseError("version: 1\nkind: images\nbanana: 1\n")
        XCTAssertManifestError(far, line: 3, column: 1, field: "banana", contains: "unknown key 'banana' (allowed:")
    }

    func testMissingVersionAndKind() {
        XCTAssertManifestError(ManifestFixtures.parseError("kind: images\nname: x\n"),
                               line: 1, column: 1, field: "version", contains: "missing required field 'version'")
        XCTAssertManifestError(ManifestFixtures.parseError("version: 1\nname: x\n"),
                               line: 1, column: 1, field: "kind", contains: "missing required field 'kind'")
        XCTAssertManifestError(ManifestFixtures.parseError("version: 2\nkind: images\n"),
                               line: 1, column: 10, field: "version", contains: "unsupported manifest version 2")
        XCTAssertManifestError(ManifestFixtures.parseError("version: 1\nkidn: images\n"),
                               line: 2, column: 1, field: "kidn", contains: "did you mean 'kind'?")
    }

    func testWrongTypes() {
        XCTAssertManifestError(ManifestFixtures.parseError(ManifestFixtures.withParams("  count: \"4\"\n")),
                               line: 5, column: 10, field: "params.count", contains: "expected an integer, found a string")
        XCTAssertManifestError(ManifestFixtures.parseError(ManifestFixtures.withParams("  count: 1.5\n")),
                               line: 5, column: 10, field: "params.count", contains: "expected an integer, found a number (1.5)")
        XCTAssertManifestError(ManifestFixtures.parseError("version: 1\nkind: images\nforce: yes\n"),
                               line: 3, column: 8, field: "force", contains: "expected a boolean (true or false), found 'yes'")
        XCTAssertManifestError(ManifestFixtures.parseError("version: 1\nkind: images\nforce: \"true\"\n"),
                               line: 3, column: 8, field: "force", contains: "expected a boolean")
        XCTAssertManifestError(ManifestFixtures.parseError(ManifestFixtures.withParams("  keywords: cat\n")),
                               line: 5, column: 13, field: "params.keywords", contains: "expected a list, found a string ('cat')")
        XCTAssertManifestError(ManifestFixtures.parseError(ManifestFixtures.withParams("  vars: {style: [ink, [a]]}\n")),
                               line: 5, column: 23, field: "params.vars.style[1]", contains: "expected a string, found a list")
        XCTAssertManifestError(ManifestFixtures.parseError("version: 1\nkind: images\nquality: [decode]\n"),
                               line: 3, column: 10, field: "quality", contains: "expected a mapping, found a list")
        // Plain words like `yes` are strings where a string is expected.
        XCTAssertEqual(try ManifestFixtures.parse(ManifestFixtures.withParams("  negative: no\n")).params.negative, "no")
    }

    func testRangeChecks() {
        XCTAssertManifestError(ManifestFixtures.parseError(ManifestFixtures.withParams("  count: 5000\n")),
                               line: 5, column: 10, field: "params.count", contains: "5000 is over the limit of 1000")
        XCTAssertManifestError(ManifestFixtures.parseError(ManifestFixtures.withParams("  count: 0\n")),
                               line: 5, column: 10, field: "params.count", contains: "0 is below the minimum of 1")
        XCTAssertManifestError(ManifestFixtures.parseError(ManifestFixtures.withParams("  size: 0\n")),
                               line: 5, column: 9, field: "params.size", contains: "0 is below the minimum of 16")
        XCTAssertManifestError(ManifestFixtures.parseError(ManifestFixtures.withParams("  size: 9000\n")),
                               line: 5, column: 9, field: "params.size", contains: "9000 is over the limit of 8192")
        XCTAssertManifestError(ManifestFixtures.parseError(ManifestFixtures.withParams("  seed: 4294967296\n")),
                               line: 5, column: 9, field: "params.seed", contains: "over the limit of 4294967295")
        XCTAssertEqual(try ManifestFixtures.parse(ManifestFixtures.withParams("  seed: 4294967295\n")).params.seed, UInt32.max)
        var limits = Limits()
        limits.count = 10
        XCTAssertManifestError(ManifestFixtures.parseError(ManifestFixtures.withParams("  count: 11\n"), limits: limits),
                               line: 5, column: 10, field: "params.count", contains: "11 is over the limit of 10")
    }

    func testAspectRatios() {
        XCTAssertManifestError(ManifestFixtures.parseError(ManifestFixtures.withParams("  aspect_ratios: [\"1:1\", \"16:0\"]\n")),
                               line: 5, column: 26, field: "params.aspect_ratios[1]", contains: "both sides must be positive")
        XCTAssertManifestError(ManifestFixtures.parseError(ManifestFixtures.withParams("  aspect_ratios: [\"1:9\"]\n")),
                               line: 5, column: 19, field: "params.aspect_ratios[0]", contains: "outside the allowed range 1:8 to 8:1")
        XCTAssertManifestError(ManifestFixtures.parseError(ManifestFixtures.withParams("  aspect_ratios: [wide]\n")),
                               line: 5, column: 19, field: "params.aspect_ratios[0]", contains: "not an aspect ratio")
        XCTAssertManifestError(ManifestFixtures.parseError(ManifestFixtures.withParams("  aspect_ratios: [\"1.5:1\"]\n")),
                               line: 5, column: 19, field: "params.aspect_ratios[0]", contains: "not an aspect ratio")
        XCTAssertEqual(try ManifestFixtures.parse(ManifestFixtures.withParams("  aspect_ratios: [\"8:1\", \" 2:3 \"]\n")).params.aspectRatios,
                       ["8:1", "2:3"])
    }

    func testBadWords() {
        XCTAssertManifestError(ManifestFixtures.parseError(ManifestFixtures.withParams("  pick: randm\n")),
                               line: 5, column: 9, field: "params.pick", contains: "'randm' is not one of sequential, random (did you mean 'random'?)")
        XCTAssertManifestError(ManifestFixtures.parseError("version: 1\nkind: images\nexport: {formats: [png, pdf]}\n"),
                               line: 3, column: 25, field: "export.formats[1]", contains: "'pdf' is not one of")
        XCTAssertManifestError(ManifestFixtures.parseError("version: 1\nkind: images\nquality: {checks: [blank, blank]}\n"),
                               line: 3, column: 27, field: "quality.checks[1]", contains: "'blank' is listed twice")
        XCTAssertManifestError(ManifestFixtures.parseError("version: 1\nkind: images\npriority: urgent\n"),
                               line: 3, column: 11, field: "priority", contains: "is not one of low, normal, high")
    }

    func testTemplateAndTemplateFileAreExclusive() {
        XCTAssertManifestError(ManifestFixtures.parseError(ManifestFixtures.withParams("  template_file: templates/a.txt\n")),
                               line: 5, column: 18, field: "params.template_file", contains: "either 'template' or 'template_file'")
    }

    func testPathsMayNotEscape() {
        XCTAssertManifestError(ManifestFixtures.parseError("version: 1\nkind: images\nparams:\n  keywords_file: ../secrets.txt\n"),
                               line: 4, column: 18, field: "params.keywords_file", contains: "contains '..'")
        XCTAssertManifestError(ManifestFixtures.parseError("version: 1\nkind: images\nparams:\n  keywords_file: keywords/../../x.txt\n"),
                               line: 4, column: 18, field: "params.keywords_file", contains: "contains '..'")
        XCTAssertManifestError(ManifestFixtures.parseError("version: 1\nkind: images\nparams:\n  template_file: /etc/passwd\n"),
                               line: 4, column: 18, field: "params.template_file", contains: "is absolute")
    }

    func testNameSanitising() throws {
        XCTAssertEqual(Manifest.sanitizedName("Cozy Cats!"), "cozy-cats")
        XCTAssertEqual(Manifest.sanitizedName("  Café  Déjà vu  "), "cafe-deja-vu")
        XCTAssertEqual(Manifest.sanitizedName("../../etc"), "etc")
        XCTAssertEqual(Manifest.sanitizedName(".."), "")
        XCTAssertEqual(Manifest.sanitizedName("v1.2_final"), "v1.2_final")
        XCTAssertEqual(Manifest.sanitizedName(String(repeating: "ab ", count: 40)).count, 64)
        XCTAssertManifestError(ManifestFixtures.parseError("version: 1\nkind: images\nname: \"!!!\"\n"),
                               line: 3, column: 7, field: "name", contains: "no letters or digits")
    }

    func testOtherExtensionsAreRejected() {
        let error = ManifestFixtures.parseError("version: 1", file: "cats.txt")
        XCTAssertEqual(error?.message, "manifests must end in .json, .yaml or .yml")
    }
}
