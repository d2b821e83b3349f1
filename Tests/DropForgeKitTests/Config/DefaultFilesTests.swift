@testable import DropForgeKit
import Foundation
import XCTest

/// The repository's `config/` is the default root; `dropforge init` writes a compiled-in copy.
final class DefaultFilesTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testCompiledDefaultsMatchTheRepositoryConfig() throws {
        let config = Self.repository.appendingPathComponent("config")
        var onDisk: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(atPath: config.path)
        while let path = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: config.appendingPathComponent(path).path, isDirectory: &isDirectory)
            if !isDirectory.boolValue {
                onDisk[path] = try String(contentsOf: config.appendingPathComponent(path), encoding: .utf8)
            }
        }
        let compiled = Dictionary(uniqueKeysWithValues: DefaultFiles.files.map { ($0.path, $0.contents) })
        XCTAssertEqual(compiled, onDisk, "config/ changed: run `make defaults` and commit Sources/DropForgeKit/Config/DefaultFiles.swift")
    }

    func testEveryExampleManifestIsValid() throws {
        let layout = RootLayout(root: Self.repository)
        let resolver = ManifestResolver(layout: layout, config: try DropforgeConfig.load(from: layout.configFile))
        let examples = layout.config.appendingPathComponent("examples")
        let names = try FileManager.default.contentsOfDirectory(atPath: examples.path).sorted()
        XCTAssertGreaterThanOrEqual(names.count, 3)
        XCTAssertTrue(names.contains { $0.hasSuffix(".json") } && names.contains { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") })
        var kinds: Set<JobSettings.Kind> = []
        for name in names {
            let settings = try resolver.resolve(data: Data(contentsOf: examples.appendingPathComponent(name)), fileName: name)
            kinds.insert(settings.kind)
        }
        XCTAssertEqual(kinds, [.images, .card], "the examples show both kinds of job")
    }

    func testInitWritesTheDefaultsAndRefusesToOverwrite() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dropforge-init-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let layout = RootLayout(root: root)
        let written = try RootInitializer(layout: layout).initialize(copyExamples: true)
        XCTAssertEqual(written.count, DefaultFiles.files.count + DefaultFiles.files.filter { $0.path.hasPrefix("examples/") }.count)
        XCTAssertTrue(FileManager.default.fileExists(atPath: layout.configFile.path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: layout.inbox.appendingPathComponent("cozy-cats.yaml").path))
        XCTAssertThrowsError(try RootInitializer(layout: layout).initialize(copyExamples: false))
    }
}
