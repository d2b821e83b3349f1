import XCTest
@testable import DropForgeKit

final class SeededRandomTests: XCTestCase {
    func testKnownSplitMix64Sequence() {
        // Reference values of SplitMix64 for seed 0 (as in Vigna's splitmix64.c).
        var rng = SeededRandom(seed: 0)
        XCTAssertEqual(rng.next(), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(rng.next(), 0x6E78_9E6A_A1B9_65F4)
        XCTAssertEqual(rng.next(), 0x06C4_5D18_8009_454F)
    }

    func testBoundedAndShuffleAreDeterministic() {
        var a = SeededRandom(seed: 99), b = SeededRandom(seed: 99)
        let xs = (0..<100).map { _ in a.nextIndex(below: 7) }
        XCTAssertEqual(xs, (0..<100).map { _ in b.nextIndex(below: 7) })
        XCTAssertTrue(xs.allSatisfy { (0..<7).contains($0) })
        XCTAssertEqual(Set(xs).count, 7)
        var c = SeededRandom(seed: 1), d = SeededRandom(seed: 1)
        let shuffled = c.shuffled(Array(0..<20))
        XCTAssertEqual(shuffled, d.shuffled(Array(0..<20)))
        XCTAssertEqual(shuffled.sorted(), Array(0..<20))
        XCTAssertNotEqual(shuffled, Array(0..<20))
    }
}
