import Foundation
import XCTest
@testable import DropForgeKit
@testable import DropForgeMedia

final class ImageCacheTests: XCTestCase {
    private func image(_ seed: UInt8, side: Int = 16) -> RGBAImage {
        var pixels = [UInt8](repeating: 255, count: side * side * 4)
        for i in stride(from: 0, to: pixels.count, by: 4) { pixels[i] = seed &+ UInt8(truncatingIfNeeded: i / 4) }
        return RGBAImage(width: side, height: side, pixels: pixels)
    }

    private func key(_ image: RGBAImage) throws -> ImageCache.Key {
        ImageCache.Key(png: try XCTUnwrap(PNGPixelKey(png: try PNGCodec.encode(image, encoding: .fast))))
    }

    func testHitsMissesAndLeastRecentlyUsedEviction() throws {
        // 16×16 RGBA = 1 KiB each: three fit.
        let cache = ImageCache(budget: 3 * 1024)
        let images = (0..<4).map { image(UInt8($0) &* 40) }
        let keys = try images.map(key)
        XCTAssertNil(cache.image(for: keys[0]))
        for index in 0..<3 { cache.insert(images[index], for: keys[index]) }
        XCTAssertEqual(cache.image(for: keys[0]), images[0])  // 0 is now the most recent
        cache.insert(images[3], for: keys[3])                  // evicts 1, the least recent
        XCTAssertNil(cache.image(for: keys[1]))
        XCTAssertEqual(cache.image(for: keys[2]), images[2])
        XCTAssertEqual(cache.image(for: keys[3]), images[3])
        let statistics = cache.statistics
        XCTAssertEqual(statistics.hits, 3)
        XCTAssertEqual(statistics.misses, 2)
        XCTAssertEqual(statistics.insertions, 4)
        XCTAssertEqual(statistics.evictions, 1)
        XCTAssertEqual(statistics.entries, 3)
        XCTAssertEqual(statistics.bytes, 3 * 1024)
    }

    func testAnImageLargerThanTheBudgetIsNotKept() throws {
        let cache = ImageCache(budget: 1000)
        let big = image(1)
        cache.insert(big, for: try key(big))
        XCTAssertEqual(cache.statistics.entries, 0)
        XCTAssertNil(cache.image(for: try key(big)))
    }

    /// The key is what decides the pixels: splicing text in keeps it (the metadata stage), a file
    /// rewritten with other pixels — same path, same size — gets another one, so it misses.
    func testTheKeyFollowsThePixelsNotTheFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dropforge-cache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("0001.png")
        let first = image(10), second = image(11)
        try PNGCodec.encode(first, encoding: .fast).write(to: file)
        let cache = ImageCache(budget: 1 << 20)
        let firstKey = ImageCache.Key(png: try XCTUnwrap(PNGPixelKey(png: try Data(contentsOf: file))))
        cache.insert(first, for: firstKey)

        let spliced = try PNGTextEmbedder.insert([("Title", "An owl"), ("Description", "Ünïcode text")], into: try Data(contentsOf: file))
        XCTAssertEqual(PNGPixelKey(png: spliced), firstKey.png)
        XCTAssertEqual(cache.image(for: ImageCache.Key(png: try XCTUnwrap(PNGPixelKey(png: spliced)))), first)

        let rewritten = try PNGCodec.encode(second, encoding: .fast)
        try rewritten.write(to: file)
        let rewrittenKey = try XCTUnwrap(PNGPixelKey(png: try Data(contentsOf: file)))
        XCTAssertNotEqual(rewrittenKey, firstKey.png)
        XCTAssertNil(cache.image(for: ImageCache.Key(png: rewrittenKey)), "a rewritten file misses")
        XCTAssertNil(cache.image(for: ImageCache.Key(png: firstKey.png, variant: 1)), "another variant misses")
        XCTAssertEqual(rewrittenKey.width, 16)
        XCTAssertEqual(rewrittenKey.height, 16)
        XCTAssertNil(PNGPixelKey(png: Data(rewritten.prefix(rewritten.count - 5))), "a truncated file has no key")
        XCTAssertNil(PNGPixelKey(png: Data("not a png".utf8)))
    }

    /// The sheet from cached cell pictures is byte-for-byte the sheet from decodes, and decodes nothing.
    func testAContactSheetFromRememberedCellsIsTheSameAndDecodesNothing() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dropforge-cache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        var cells: [ContactSheet.Cell] = []
        let cache = ImageCache(budget: 8 << 20)
        for (index, (width, height)) in [(300, 200), (256, 256), (90, 160), (64, 64)].enumerated() {
            var picture = RGBAImage(width: width, height: height, fill: (UInt8(index * 50), 120, 200, 255))
            picture.fill(x: 5, y: 5, width: width / 3, height: height / 4, (250, 10, 10, 128))
            let png = try PNGCodec.encode(picture, encoding: .fast)
            let url = folder.appendingPathComponent("\(index).png")
            try png.write(to: url)
            ContactSheet.remember(try PNGCodec.decode(png).image, png: png, in: cache)
            cells.append(.init(number: index + 1, image: url, mark: index == 2 ? .rejected : .approved))
        }
        let decoded = try ContactSheet.render(cells: cells, cache: nil)
        let decodes = PNGCodec.decodeCount
        let cached = try ContactSheet.render(cells: cells, cache: cache)
        XCTAssertEqual(PNGCodec.decodeCount, decodes, "every cell came from the cache")
        XCTAssertEqual(cache.statistics.hits, 4)
        XCTAssertEqual(cached, decoded)
    }

    /// A remote provider's reply is decoded to accept it; the quality check takes those pixels
    /// (its text replaced on the way) instead of decoding the file again, once.
    func testTheQualityCheckTakesWhatTheProvidersAcceptanceDecoded() throws {
        let picture = image(77, side: 32)
        let reply = try PNGTextEmbedder.insert([("parameters", "from the generator")], into: try PNGCodec.encode(picture, encoding: .fast))
        let checked = try RemoteImageSupport.checkPNG(reply, limits: .standard, provider: "a1111", source: "images[0]")
        let file = try PNGTextEmbedder.insert([("Software", "dropforge")], into: checked.png)
        let decodes = PNGCodec.decodeCount
        XCTAssertEqual(try QualityStage.decode(file, limits: .standard), picture)
        XCTAssertEqual(PNGCodec.decodeCount, decodes, "taken, not decoded")
        XCTAssertEqual(try QualityStage.decode(file, limits: .standard), picture)
        XCTAssertEqual(PNGCodec.decodeCount, decodes + 1, "taken once: a second check decodes")
    }
}
