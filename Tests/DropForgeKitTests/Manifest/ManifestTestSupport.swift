import Foundation
import XCTest
@testable import DropForgeKit

/// Helpers shared by the manifest and config tests.
enum ManifestFixtures {
    static let fullYAML = """
    version: 1
    kind: images
    name: Cozy Cats!
    id: cats-2026-11-21
    force: false
    priority: high
    profile: default
    params:
      template: "A {style} illustration of {keyword}, soft light"
      keywords: [tabby cat, black cat]
      vars: {style: [watercolor, ink], mood: calm}
      pick: sequential
      count: 4
      aspect_ratios: ["1:1", "16:9"]
      size: 768
      seed: 42
      negative: "blurry, text"
      writer: local
    generate:
      provider: local
    quality:
      enabled: true
      checks: [decode, dimensions, blank, duplicate]
    metadata:
      enabled: true
      writer: local
    export:
      formats: [png, csv, html, contact_sheet]
    """

    /// A minimal valid manifest followed by `extra` lines inside `params:`.
    static func withParams(_ extra: String) -> String {
        "version: 1\nkind: images\nparams:\n  template: \"a {keyword}\"\n" + extra
    }

    static func parse(_ text: String, file: String = "cats.yaml", limits: Limits = Limits()) throws -> Manifest {
        try ManifestLoader.parse(Data(text.utf8), fileName: file, limits: limits)
    }

    static func parseError(_ data: Data, file: String = "cats.yaml", limits: Limits = Limits(),
                           line: UInt = #line) -> ManifestError? {
        do {
            _ = try ManifestLoader.parse(data, fileName: file, limits: limits)
            XCTFail("expected an error", line: line)
            return nil
        } catch let error as ManifestError {
            return error
        } catch {
            XCTFail("unexpected error type \(error)", line: line)
            return nil
        }
    }

    static func parseError(_ text: String, file: String = "cats.yaml", limits: Limits = Limits(),
                           line: UInt = #line) -> ManifestError? {
        parseError(Data(text.utf8), file: file, limits: limits, line: line)
    }

    /// A temporary root with `config/` and the given files (path relative to the root → content).
    static func makeRoot(_ files: [String: String] = [:]) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dropforge-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("config"), withIntermediateDirectories: true)
        for (path, content) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(content.utf8).write(to: url)
        }
        return root
    }
}

func XCTAssertManifestError(_ error: ManifestError?, line: Int?, column: Int?, field: String?, contains text: String,
                            file: StaticString = #filePath, sourceLine: UInt = #line) {
    guard let error else { return XCTFail("no error", file: file, line: sourceLine) }
    XCTAssertEqual(error.line, line, "line of: \(error)", file: file, line: sourceLine)
    XCTAssertEqual(error.column, column, "column of: \(error)", file: file, line: sourceLine)
    XCTAssertEqual(error.field, field, "field of: \(error)", file: file, line: sourceLine)
    XCTAssertTrue(error.message.contains(text), "message '\(error.message)' lacks '\(text)'", file: file, line: sourceLine)
}
