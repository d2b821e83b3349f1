import DropForgeCore
import XCTest
@testable import DropForgeKit

/// Settings snapshots use the manifest's snake_case keys, and snapshots stored before that
/// (camelCase) still decode: the store and published job.json files outlive the binary.
final class SettingsKeysTests: XCTestCase {
    private let settings = JobSettings(
        kind: .images, name: "cats", manifestID: "cats-1", profileName: "default",
        params: .init(template: "a {keyword}", templateSource: "templates/cats.txt", keywords: .list(["cat"]),
                      keywordsSource: "keywords/cats.txt", aspectRatios: ["16:9"]))

    func testEncodedKeysAreTheManifests() throws {
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONCoding.encode(settings)) as? [String: Any])
        XCTAssertEqual(object["id"] as? String, "cats-1")
        XCTAssertEqual(object["profile"] as? String, "default")
        let params = try XCTUnwrap(object["params"] as? [String: Any])
        XCTAssertEqual(params["template_file"] as? String, "templates/cats.txt")
        XCTAssertEqual(params["keywords_file"] as? String, "keywords/cats.txt")
        XCTAssertEqual(params["aspect_ratios"] as? [String], ["16:9"])
        let text = String(decoding: try JSONCoding.encode(settings), as: UTF8.self)
        XCTAssertNil(text.range(of: #""[a-z]+[A-Z][A-Za-z]*":"#, options: .regularExpression), text)
    }

    func testCamelCaseSnapshotsStillDecode() throws {
        let old = try String(decoding: JSONCoding.encode(settings), as: UTF8.self)
            .replacingOccurrences(of: #""id":"#, with: #""manifestID":"#)
            .replacingOccurrences(of: #""profile":"#, with: #""profileName":"#)
            .replacingOccurrences(of: #""template_file":"#, with: #""templateSource":"#)
            .replacingOccurrences(of: #""keywords_file":"#, with: #""keywordsSource":"#)
            .replacingOccurrences(of: #""aspect_ratios":"#, with: #""aspectRatios":"#)
        XCTAssertThrowsError(try JSONCoding.decode(JobSettings.self, from: Data(old.utf8)))
        XCTAssertEqual(try JSONCoding.decodeSettings(JobSettings.self, from: Data(old.utf8)), settings)
    }
}
