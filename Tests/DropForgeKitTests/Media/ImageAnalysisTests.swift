import XCTest
@testable import DropForgeKit
@testable import DropForgeMedia

final class ImageAnalysisTests: XCTestCase {
    func testLuminanceStats() {
        var image = RGBAImage(width: 4, height: 2, fill: (0, 0, 0, 255))
        for x in 0..<4 { image.setPixel(x: x, y: 1, (255, 255, 255, 255)) }
        let stats = ImageAnalysis.luminanceStats(image)
        XCTAssertEqual(stats.mean, 127.5, accuracy: 1e-9)
        XCTAssertEqual(stats.standardDeviation, 127.5, accuracy: 1e-9)
        let flat = ImageAnalysis.luminanceStats(RGBAImage(width: 10, height: 10, fill: (10, 200, 30, 255)))
        XCTAssertEqual(flat.standardDeviation, 0, accuracy: 1e-9)
        XCTAssertEqual(flat.mean, 0.299 * 10 + 0.587 * 200 + 0.114 * 30, accuracy: 1e-9)
    }

    func testHammingDistance() {
        XCTAssertEqual(ImageAnalysis.hammingDistance(0, 0), 0)
        XCTAssertEqual(ImageAnalysis.hammingDistance(0, .max), 64)
        XCTAssertEqual(ImageAnalysis.hammingDistance(0b1011, 0b0110), 3)
    }

    func testDifferenceHashOfGradient() {
        // Brightness increasing to the right: every left < right comparison is true.
        var image = RGBAImage(width: 90, height: 40)
        for y in 0..<40 { for x in 0..<90 { image.setPixel(x: x, y: y, (UInt8(x * 2), UInt8(x * 2), UInt8(x * 2), 255)) } }
        XCTAssertEqual(ImageAnalysis.differenceHash(image), .max)
        // Tiny images still hash (empty cells sample the nearest pixel).
        _ = ImageAnalysis.differenceHash(RGBAImage(width: 3, height: 2))
    }

    func testDifferenceHashNearForSmallChangesFarForDifferentImages() {
        let renderer = ProceduralRenderer()
        let original = renderer.render(prompt: "mountains at sunset", negative: "", seed: 3, width: 256, height: 256)
        var edited = original
        // Brighten a 12×12 patch slightly and add ±1 noise (like a lossy re-encode) throughout.
        for y in 100..<112 {
            for x in 100..<112 {
                let p = edited.pixel(x: x, y: y)
                edited.setPixel(x: x, y: y, (UInt8(min(255, Int(p.r) + 12)), UInt8(min(255, Int(p.g) + 12)), UInt8(min(255, Int(p.b) + 12)), 255))
            }
        }
        for i in stride(from: 0, to: edited.pixels.count, by: 28) where i % 4 != 3 {
            edited.pixels[i] = UInt8(clamping: Int(edited.pixels[i]) + (i % 3) - 1)
        }
        // A half-size nearest-neighbour copy should hash close too.
        var half = RGBAImage(width: 128, height: 128)
        for y in 0..<128 { for x in 0..<128 { half.setPixel(x: x, y: y, original.pixel(x: x * 2, y: y * 2)) } }

        let h = ImageAnalysis.differenceHash(original)
        XCTAssertLessThanOrEqual(ImageAnalysis.hammingDistance(h, ImageAnalysis.differenceHash(edited)), 4)
        XCTAssertLessThanOrEqual(ImageAnalysis.hammingDistance(h, ImageAnalysis.differenceHash(half)), 4)

        let different = renderer.render(prompt: "blue ocean waves with bubbles", negative: "", seed: 3, width: 256, height: 256)
        XCTAssertGreaterThanOrEqual(ImageAnalysis.hammingDistance(h, ImageAnalysis.differenceHash(different)), 12)
        let otherSeed = renderer.render(prompt: "mountains at sunset", negative: "", seed: 4, width: 256, height: 256)
        XCTAssertGreaterThanOrEqual(ImageAnalysis.hammingDistance(h, ImageAnalysis.differenceHash(otherSeed)), 8)
    }

    /// A mountain: a triangle lit from the left over a dim sky, all in shades of `color`.
    private func mountain(_ color: (r: Double, g: Double, b: Double), side: Int = 96) -> RGBAImage {
        var image = RGBAImage(width: side, height: side)
        for y in 0..<side {
            for x in 0..<side {
                let inside = y > side / 4 && abs(x - side / 2) < (y - side / 4)
                let shade = inside ? 0.4 + 0.6 * Double(x) / Double(side) : 0.15
                image.setPixel(x: x, y: y, (UInt8(color.r * shade), UInt8(color.g * shade), UInt8(color.b * shade), 255))
            }
        }
        return image
    }

    /// Issue 17: the same shape in dark blue and in yellow hashes alike (dHash sees luminance
    /// gradients only), and only the colour signature tells them apart; a near-identical copy in
    /// the same colour stays close in both.
    func testColorSignatureSeparatesTheSameShapeInAnotherColour() throws {
        let decode = { (image: RGBAImage) in try PNGCodec.decode(try PNGCodec.encode(image)).image }
        let blue = try decode(mountain((20, 40, 150)))
        let yellow = try decode(mountain((250, 220, 40)))
        var edited = yellow
        for y in 60..<66 { for x in 40..<46 { edited.setPixel(x: x, y: y, (255, 230, 60, 255)) } }
        edited = try decode(edited)

        let shape = ImageAnalysis.hammingDistance(ImageAnalysis.differenceHash(blue), ImageAnalysis.differenceHash(yellow))
        XCTAssertLessThanOrEqual(shape, QualityStage.duplicateDistance, "the pair must look alike to the luminance hash")
        let color = ImageAnalysis.colorDistance(ImageAnalysis.colorSignature(blue), ImageAnalysis.colorSignature(yellow))
        XCTAssertGreaterThan(color, QualityStage.duplicateColorDistance)

        XCTAssertLessThanOrEqual(ImageAnalysis.hammingDistance(ImageAnalysis.differenceHash(yellow), ImageAnalysis.differenceHash(edited)),
                                 QualityStage.duplicateDistance)
        XCTAssertLessThanOrEqual(ImageAnalysis.colorDistance(ImageAnalysis.colorSignature(yellow), ImageAnalysis.colorSignature(edited)),
                                 QualityStage.duplicateColorDistance)
    }

    func testColorSignatureFields() {
        // Quadrant means, 5 bits a channel, top-left first, red first.
        var image = RGBAImage(width: 4, height: 4, fill: (0, 0, 0, 255))
        image.fill(x: 2, y: 2, width: 2, height: 2, (255, 128, 8, 255))
        XCTAssertEqual(ImageAnalysis.colorSignature(image), 31 << 10 | 16 << 5 | 1)
        XCTAssertEqual(ImageAnalysis.colorDistance(0, 31 << 10 | 16 << 5 | 1), 31)
        XCTAssertEqual(ImageAnalysis.colorDistance(2 << 55, 5 << 55), 3)
    }
}
