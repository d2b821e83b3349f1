import DropForgeKit
import Foundation
import XCTest

/// `validate`, `submit` and intake report every problem of a manifest in one run, in file
/// order, including what the parameters stage would refuse (issue 17, point 4).
final class ValidateAllProblemsTests: XCTestCase {
    private func write(_ root: TestRoot, _ name: String, _ text: String) throws -> URL {
        let url = root.url.appendingPathComponent("drafts").appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    private func errorLines(_ result: CommandResult) -> [String] {
        result.stderr.split(separator: "\n").map(String.init).filter { $0.hasPrefix("error: ") }
    }

    func testEverySchemaProblemInFileOrder() throws {
        let root = try TestRoot()
        // The problems are spread over sections so that no reading order but the file's gives this list.
        let file = try write(root, "many.yaml", """
            version: 1
            kind: images
            priority: urgent
            params:
              template: "a {keyword}"
              keywords: []
              vars: {keyword: [x], style: [ink]}
              sizee: 64
              count: 5000
            generate:
              provider: nope
            quality:
              enabled: yes
            """)
        let result = try root.run(["validate", file.path])
        XCTAssertEqual(result.status, 1, result.stderr)
        let lines = errorLines(result)
        let expected = [
            "\(file.path):3:11: priority:", "\(file.path):6:13: params.keywords:", "\(file.path):7:10: params.vars.keyword:",
            "\(file.path):8:3: params.sizee: unknown key", "\(file.path):9:10: params.count: 5000 is over the limit of 1000",
            "\(file.path):11:13: generate.provider: unknown provider 'nope'", "\(file.path):13:12: quality.enabled:",
        ]
        XCTAssertEqual(lines.count, expected.count, result.stderr)
        for (line, prefix) in zip(lines, expected) { XCTAssertTrue(line.hasPrefix("error: " + prefix), "\(line) ≠ \(prefix)") }
    }

    func testParameterChecksRunBeforeAnyItem() throws {
        let root = try TestRoot()
        try "A {mood} sky over {keyword}\n".write(to: root.url.appendingPathComponent("config/templates/moody.txt"),
                                                 atomically: true, encoding: .utf8)
        let colour = try write(root, "colour.yaml", """
            version: 1
            kind: images
            params:
              template: "A {colour} cat, ${{Palette}}"
              vars: {color: [red, blue]}
              negative: "no {shade}"
            """)
        let mood = try write(root, "mood.yaml", """
            version: 1
            kind: images
            params:
              template_file: templates/moody.txt
              keywords: [hill]
            """)
        try "this is not a card".write(to: root.url.appendingPathComponent("config/broken.json"), atomically: true, encoding: .utf8)
        let card = try write(root, "card.yaml", """
            version: 1
            kind: card
            card:
              source_material: "## Description\\nA keeper."
              input_card: broken.json
            """)

        let result = try root.run(["validate", colour.path, mood.path, card.path])
        XCTAssertEqual(result.status, 1)
        let lines = errorLines(result)
        XCTAssertEqual(lines.count, 5, result.stderr)
        guard lines.count >= 3 else { return }
        XCTAssertTrue(lines[0].hasPrefix("error: \(colour.path):4:13: params.template: placeholder {colour} has no value; known names: color"), lines[0])
        XCTAssertTrue(lines[1].hasPrefix("error: \(colour.path):4:13: params.template: placeholder ${{Palette}} names no keyword column"), lines[1])
        XCTAssertTrue(lines[2].hasPrefix("error: \(colour.path):6:13: params.negative: placeholder {shade} has no value"), lines[2])
        XCTAssertTrue(lines.contains { $0.hasPrefix("error: \(mood.path):4:18: params.template_file: templates/moody.txt: placeholder {mood} has no value") },
                      result.stderr)
        XCTAssertTrue(lines.contains { $0.hasPrefix("error: \(card.path):5:15: card.input_card: input card broken.json:") }, result.stderr)

        // submit places none of them.
        XCTAssertEqual(try root.run(["submit", colour.path, mood.path, card.path]).status, 1)
        XCTAssertEqual(root.folders(root.layout.inbox), [])
    }

    func testIntakeFailsWithEveryProblemInErrorJSON() throws {
        let root = try TestRoot()
        try root.drop("colour.yaml", """
            version: 1
            kind: images
            params:
              template: "A {colour} cat"
              vars: {color: [red]}
              negative: "no {shade}"
              sizee: 3
            """)
        let drain = try root.run(["drain"])
        XCTAssertEqual(drain.status, 1, drain.stderr)
        XCTAssertEqual(root.results, [])
        let folder = try XCTUnwrap(root.failures.first)
        let error = try root.json(root.layout.failures.appendingPathComponent(folder).appendingPathComponent("error.json"))
        XCTAssertEqual(error["stage"] as? String, "intake")
        XCTAssertEqual(error["code"] as? String, "parameters_invalid")
        let message = try XCTUnwrap(error["message"] as? String).split(separator: "\n").map(String.init)
        XCTAssertEqual(message, [
            "colour.yaml:4:13: params.template: placeholder {colour} has no value; known names: color",
            "colour.yaml:6:13: params.negative: placeholder {shade} has no value; known names: color",
            "colour.yaml:7:3: params.sizee: unknown key 'sizee' (did you mean 'size'?)",
        ])
    }
}
