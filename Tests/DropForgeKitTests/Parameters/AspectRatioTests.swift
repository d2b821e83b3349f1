import XCTest
@testable import DropForgeKit

final class AspectRatioTests: XCTestCase {
    func testParse() {
        XCTAssertEqual(AspectRatio("16:9"), AspectRatio(width: 16, height: 9))
        XCTAssertEqual(AspectRatio(" 2 : 3 "), AspectRatio(width: 2, height: 3))
        XCTAssertEqual(AspectRatio("4x5"), AspectRatio(width: 4, height: 5))
        XCTAssertNil(AspectRatio("0:1"))
        XCTAssertNil(AspectRatio("16:"))
        XCTAssertNil(AspectRatio("wide"))
        XCTAssertNil(AspectRatio("1:2:3"))
        XCTAssertNil(AspectRatio("-1:2"))
    }

    func testSizes() {
        func size(_ r: String, _ long: Int) -> String {
            let s = AspectRatio(r)!.size(longSide: long)
            return "\(s.width)x\(s.height)"
        }
        XCTAssertEqual(size("16:9", 768), "768x432")
        XCTAssertEqual(size("2:3", 768), "512x768")
        XCTAssertEqual(size("1:1", 1024), "1024x1024")
        XCTAssertEqual(size("9:16", 1000), "563x1000")   // 562.5 rounds up
        XCTAssertEqual(size("100:1", 10), "10x1")        // never below 1
        XCTAssertEqual(size("1000:1", 10), "10x1")
    }

    func testMatches() {
        let r = AspectRatio("16:9")!
        XCTAssertTrue(r.matches(width: 768, height: 432))
        XCTAssertTrue(r.matches(width: 1920, height: 1080))
        XCTAssertTrue(r.matches(width: 16, height: 9))
        XCTAssertTrue(r.matches(width: 17, height: 10, tolerance: 0.05))
        XCTAssertFalse(r.matches(width: 768, height: 768))
        XCTAssertFalse(r.matches(width: 432, height: 768))
        XCTAssertFalse(r.matches(width: 0, height: 0))
        // Rounding on a tiny image: 3:2 at long side 5 is 5x3 (1.667 vs 1.5, > 1 %), still a match.
        XCTAssertTrue(AspectRatio("3:2")!.matches(width: 5, height: 3))
    }

    func testCodableAsString() throws {
        let data = try JSONEncoder().encode([AspectRatio("16:9")!])
        XCTAssertEqual(String(data: data, encoding: .utf8), "[\"16:9\"]")
        XCTAssertEqual(try JSONDecoder().decode([AspectRatio].self, from: data), [AspectRatio("16:9")!])
        let object = Data(#"{"width": 2, "height": 3}"#.utf8)
        XCTAssertEqual(try JSONDecoder().decode(AspectRatio.self, from: object), AspectRatio("2:3"))
        XCTAssertThrowsError(try JSONDecoder().decode(AspectRatio.self, from: Data(#""wide""#.utf8)))
    }
}
