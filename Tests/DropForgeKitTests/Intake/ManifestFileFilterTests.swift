import XCTest
@testable import DropForgeKit

final class ManifestFileFilterTests: XCTestCase {
    func testRulesTable() {
        let table: [(String, Bool)] = [
            ("cats.json", true), ("cats.yaml", true), ("cats.yml", true),
            ("CATS.JSON", true), ("Cats.Yaml", true), ("x.YmL", true),
            ("cozy cats 2026.yaml", true), ("chats-été.json", true), ("a.b.c.json", true),
            ("job.yaml.json", true),
            (".cats.json", false), (".json", false), (".", false), ("..", false), (".tmp", false),
            ("cats.json.tmp", false), ("cats.tmp", false), ("cats.TMP", false),
            ("cats.json.part", false), ("cats.yaml.partial", false), ("cats.PART", false),
            ("cats.yaml~", false), ("cats.json~", false),
            ("cats.txt", false), ("cats", false), ("json", false), ("yaml", false),
            ("cats.jsonl", false), ("cats.yaml.bak", false), ("cats.json ", false), ("cats.", false),
            ("sub/cats.json", false), ("/abs/cats.yaml", false), ("a\u{0}.json", false), ("", false),
        ]
        for (name, expected) in table {
            XCTAssertEqual(ManifestFileFilter.isCandidate(name), expected, "isCandidate(\(name.debugDescription))")
        }
        XCTAssertEqual(ManifestFileFilter.extensions, ["json", "yaml", "yml"])
    }
}
