import DropForgeKit
import Foundation
import XCTest

/// `limits.job_pixels`: a guard on a job's total output, checked by `validate` and at intake.
final class JobPixelLimitTests: XCTestCase {
    func testValidateRefusesAJobOverTheDefaultLimit() throws {
        let root = try TestRoot()
        let file = root.url.appendingPathComponent("huge.yaml")
        try imagesManifest(name: "huge", count: 1000, size: 8192).write(to: file, atomically: true, encoding: .utf8)
        let result = try root.run(["validate", file.path])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("\(file.path):7:10: params.count: 1000 items of up to 8192 px a side make 67108864000 pixels, over the limit of 1073741824 per job (limits.job_pixels"),
                      result.stderr)
        try imagesManifest(name: "fine", count: 1000, size: 1024).write(to: file, atomically: true, encoding: .utf8)
        XCTAssertEqual(try root.run(["validate", file.path]).status, 0, "1000 images of 1024² fit the default")
    }

    func testIntakeUsesTheConfiguredLimit() throws {
        let root = try TestRoot()
        try root.setConfig("job_pixels: 1073741824", "job_pixels: 100000")
        try root.drop("over.yaml", imagesManifest(name: "over", count: 25))   // 25 × 64² = 102,400
        try root.drop("under.yaml", imagesManifest(name: "under", count: 24)) // 24 × 64² = 98,304
        XCTAssertEqual(try root.run(["drain"]).status, 1)
        XCTAssertEqual(root.results.count, 1)
        let failed = try XCTUnwrap(root.failures.first)
        XCTAssertTrue(failed.hasPrefix("over-"))
        let error = try root.json(root.layout.failures.appendingPathComponent(failed).appendingPathComponent("error.json"))
        XCTAssertEqual(error["stage"] as? String, "intake")
        XCTAssertEqual(error["code"] as? String, "manifest_invalid")
        XCTAssertTrue((error["message"] as? String ?? "").contains("over the limit of 100000 per job"), "\(error)")
    }
}
