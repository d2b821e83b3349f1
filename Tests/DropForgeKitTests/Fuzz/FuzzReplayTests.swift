import Foundation
import XCTest
import FuzzTargets

/// Replays every committed fuzz input — the seeds in `Fuzz/Corpus/<target>/` and the inputs of
/// past findings in `Fuzz/Regressions/<target>/` — through the very functions `make fuzz` runs.
/// A crash or trap ends this test process (the test fails loudly); an input must also end in
/// bounded time, as `make fuzz` allows it (10 s).
final class FuzzReplayTests: XCTestCase {
    static let fuzzFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz", isDirectory: true)

    func testSeedsAndRegressionsEndCleanly() throws {
        var replayed = 0
        for target in FuzzTarget.allCases {
            let inputs = try Self.inputs(of: target)
            XCTAssertFalse(inputs.filter { $0.path.contains("/Corpus/") }.isEmpty, "no seeds for \(target.rawValue)")
            for file in inputs {
                let data = try Data(contentsOf: file)
                let start = Date()
                target.run(data)
                let seconds = Date().timeIntervalSince(start)
                XCTAssertLessThan(seconds, 10, "\(target.rawValue): \(file.lastPathComponent) took \(seconds) s")
                replayed += 1
            }
        }
        XCTAssertGreaterThan(replayed, 0)
    }

    /// Files (not dotfiles or READMEs) in `Corpus/<target>/` and `Regressions/<target>/`.
    static func inputs(of target: FuzzTarget) throws -> [URL] {
        var files: [URL] = []
        for kind in ["Corpus", "Regressions"] {
            let folder = fuzzFolder.appendingPathComponent(kind).appendingPathComponent(target.rawValue)
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { continue }
            files += names.sorted().filter { !$0.hasPrefix(".") && $0 != "README.md" }.map { folder.appendingPathComponent($0) }
        }
        return files
    }
}
