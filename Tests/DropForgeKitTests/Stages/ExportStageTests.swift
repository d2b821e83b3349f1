import Foundation
import XCTest
@testable import DropForgeKit
@testable import DropForgeCore

final class ExportStageTests: XCTestCase {
    /// An approved item whose image vanished: export retries (transient), and on its last attempt
    /// still publishes the job — to failures/ with `export_failed` — so no manifest is lost.
    func testALastFailedAttemptStillPublishesAFailure() throws {
        let fixture = try StoreFixture(self)
        let layout = RootLayout(root: fixture.folder)
        try layout.createFolders()
        try fixture.admitExpanded("exp", items: 1, quality: false, metadata: false)
        let generate = try fixture.claim(.generate)
        try fixture.store.complete(generate, with: .generated(imagePath: ".dropforge/work/exp/0001.gen.png", dhash: 0),
                                   now: StoreFixture.origin)
        let lease = try fixture.claim(.export)
        let log = EventLog(store: fixture.store, layout: layout)

        let patient = ExportStage(layout: layout, store: fixture.store, log: log, maxAttempts: 3)
        XCTAssertThrowsError(try patient.run(lease)) { error in
            XCTAssertTrue(StepError.classify(error).isTransient, "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: layout.results.path), [])

        let lastAttempt = ExportStage(layout: layout, store: fixture.store, log: log, maxAttempts: 1)
        guard case .published(let status, let path) = try lastAttempt.run(lease) else {
            return XCTFail("not published")
        }
        XCTAssertEqual(status, .failed)
        XCTAssertEqual(path, "outbox/failures/exp")
        let error = try JSONSerialization.jsonObject(with: Data(contentsOf: layout.failures.appendingPathComponent("exp/error.json"))) as? [String: Any]
        XCTAssertEqual(error?["code"] as? String, "export_failed")
        XCTAssertEqual(error?["stage"] as? String, "export")
        XCTAssertTrue(FileManager.default.fileExists(atPath: layout.failures.appendingPathComponent("exp/manifest.yaml").path))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: layout.results.path), [])
    }
}
