import DropForgeCore
import Foundation
import XCTest

/// The README's table of `error.json` codes and `ErrorCode` must say the same.
final class ErrorCodeTests: XCTestCase {
    /// The codes in the first column of the README's error-code table.
    func documentedCodes() throws -> [String] {
        let readme = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let start = try XCTUnwrap(text.range(of: "### Error codes in `error.json`"))
        let section = text[start.upperBound...]
        let end = section.range(of: "\n## ")?.lowerBound ?? section.endIndex
        var codes: [String] = []
        for line in section[..<end].split(separator: "\n") where line.hasPrefix("| `") {
            let firstColumn = line.dropFirst(2).prefix { $0 != "|" }
            for part in firstColumn.split(separator: "`").enumerated() where part.offset % 2 == 0 {
                codes.append(String(part.element))
            }
        }
        return codes
    }

    func testEveryDocumentedCodeIsInTheList() throws {
        let documented = try documentedCodes()
        XCTAssertGreaterThan(documented.count, 15)
        let known = Set(ErrorCode.all.map(\.rawValue))
        for code in documented where !code.contains("<") {
            XCTAssertTrue(known.contains(code), "README documents `\(code)`, which ErrorCode does not list")
        }
        XCTAssertTrue(documented.contains("http_<status>"))
    }

    func testTheListHasNoDuplicatesAndOnlySnakeCase() {
        let raw = ErrorCode.all.map(\.rawValue)
        XCTAssertEqual(raw.count, Set(raw).count)
        for code in raw {
            XCTAssertNotNil(code.range(of: "^[a-z][a-z0-9_]*$", options: .regularExpression), code)
        }
        XCTAssertEqual(ErrorCode.httpStatus(503).rawValue, "http_503")
    }

    func testTheCodesThatJobsEndWithAreDocumented() throws {
        // The codes a job's error.json carries at the job level: each needs its row in the README.
        let jobLevel: [ErrorCode] = [.manifestInvalid, .profileInvalid, .duplicate, .parametersInvalid,
                                     .inputCardInvalid, .qcRejectedAll, .itemsFailed, .providerUnknown,
                                     .providerInvalid, .providerConfig, .apiKeyMissing, .invalidOutput,
                                     .invalidResponse, .comfyNodeError, .exportFailed, .cancelled,
                                     .httpTimeout, .httpConnectFailed, .httpTooLarge]
        let documented = Set(try documentedCodes())
        for code in jobLevel {
            XCTAssertTrue(documented.contains(code.rawValue), "`\(code)` has no row in the README's table")
        }
    }
}
