import Foundation
import XCTest
@testable import DropForgeKit
@testable import DropForgeMedia

final class ProceduralRendererTests: XCTestCase {
    private let renderer = ProceduralRenderer()

    private func render(_ prompt: String, negative: String = "", seed: UInt64 = 1, width: Int = 256, height: Int = 256) -> RGBAImage {
        renderer.render(prompt: prompt, negative: negative, seed: seed, width: width, height: height)
    }

    /// Mean of one channel (0 = R, 1 = G, 2 = B).
    private func channelMean(_ image: RGBAImage, _ channel: Int) -> Double {
        var sum = 0
        for i in stride(from: channel, to: image.pixels.count, by: 4) { sum += Int(image.pixels[i]) }
        return Double(sum) / Double(image.width * image.height)
    }

    private func differingPixels(_ a: RGBAImage, _ b: RGBAImage) -> Int {
        var count = 0
        for i in stride(from: 0, to: a.pixels.count, by: 4)
        where a.pixels[i] != b.pixels[i] || a.pixels[i + 1] != b.pixels[i + 1] || a.pixels[i + 2] != b.pixels[i + 2] {
            count += 1
        }
        return count
    }

    func testRenderIsDeterministic() {
        let a = render("a cat under the stars at night, red flowers", negative: "blue", seed: 99, width: 320, height: 200)
        let b = render("a cat under the stars at night, red flowers", negative: "blue", seed: 99, width: 320, height: 200)
        XCTAssertEqual(a, b)
        XCTAssertEqual(try PNGCodec.encode(a), try PNGCodec.encode(b))
    }

    func testDifferentSeedsAndPromptsGiveDifferentImages() {
        let base = render("mountains at sunset", seed: 1)
        let otherSeed = render("mountains at sunset", seed: 2)
        let otherPrompt = render("a library full of old books", seed: 1)
        let otherPrompt2 = render("a library full of new books", seed: 1)
        let pixels = base.width * base.height
        XCTAssertGreaterThan(differingPixels(base, otherSeed), pixels / 4)
        XCTAssertGreaterThan(differingPixels(base, otherPrompt), pixels / 4)
        XCTAssertGreaterThan(differingPixels(otherPrompt, otherPrompt2), pixels / 4)
    }

    func testColourWordsSteerColour() {
        for seed in [UInt64(1), 2, 3] {
            let red = render("a red landscape with circles", seed: seed)
            let blue = render("a blue landscape with circles", seed: seed)
            XCTAssertGreaterThan(channelMean(red, 0), channelMean(blue, 0) + 40, "seed \(seed)")
            XCTAssertGreaterThan(channelMean(blue, 2), channelMean(red, 2) + 40, "seed \(seed)")
            XCTAssertGreaterThan(channelMean(red, 0), channelMean(red, 2), "seed \(seed)")
        }
        let forest = render("green forest")
        XCTAssertGreaterThan(channelMean(forest, 1), channelMean(forest, 2))
    }

    func testNegativePromptSuppressesColour() {
        let both = render("red and blue circles", seed: 5)
        let noRed = render("red and blue circles", negative: "red", seed: 5)
        XCTAssertLessThan(channelMean(noRed, 0), channelMean(both, 0) - 20)
        XCTAssertGreaterThan(channelMean(noRed, 2), channelMean(noRed, 0))
    }

    func testNegativePromptSuppressesShapes() {
        let plan = ProceduralPlan(prompt: "a cat on a mountain under the stars", negative: "stars, animals")
        XCTAssertEqual(plan.shapes, [.mountains])
        XCTAssertEqual(ProceduralPlan(prompt: "a cat on a mountain under the stars", negative: "").shapes,
                       [.stars, .mountains, .creature])
        XCTAssertEqual(ProceduralPlan(prompt: "ocean waves at sunset", negative: "").shapes, [.waves])
    }

    func testAspectRatioAndSizeClamp() {
        let wide = render("a red sunset over the sea", width: 768, height: 432)
        XCTAssertEqual(wide.width, 768)
        XCTAssertEqual(wide.height, 432)
        XCTAssertEqual(wide.pixels.count, 768 * 432 * 4)
        let tall = render("a tall tower in the city", width: 120, height: 400)
        XCTAssertEqual([tall.width, tall.height], [120, 400])
        XCTAssertGreaterThan(ImageAnalysis.luminanceStats(tall).standardDeviation, 10)
        let clamped = render("stripes", width: 9000, height: 1)
        XCTAssertEqual([clamped.width, clamped.height], [8192, 1])
        XCTAssertEqual(render("x", width: 0, height: -5).pixels.count, 4)
        XCTAssertTrue(stride(from: 3, to: wide.pixels.count, by: 4).allSatisfy { wide.pixels[$0] == 255 })
    }

    func testBlankWordsGiveAFlatImageAndOthersNever() {
        let blank = render("an empty white canvas")
        let stats = ImageAnalysis.luminanceStats(blank)
        XCTAssertLessThan(stats.standardDeviation, 0.5)
        XCTAssertGreaterThan(stats.mean, 240)
        XCTAssertLessThan(ImageAnalysis.luminanceStats(render("a plain red background")).standardDeviation, 0.5)

        let prompts = ["", "white", "black", "gray fog", "dark night", "snow", "a white cat in the snow",
                       "portrait of a knight", "pastel", "black stripes on black", "neon", "🙂"]
        for prompt in prompts {
            for seed in [UInt64(0), 7, 123_456_789] {
                let sd = ImageAnalysis.luminanceStats(render(prompt, seed: seed, width: 160, height: 120)).standardDeviation
                XCTAssertGreaterThan(sd, 8, "prompt \"\(prompt)\" seed \(seed) came out near-uniform")
            }
        }
    }

    func testRenderSpeed() {
        let start = Date()
        _ = render("a cat under the stars above mountains and waves with flowers", width: 768, height: 768)
        let elapsed = Date().timeIntervalSince(start)
        // Typically ~40 ms in a debug build; generous bound for shared CI machines.
        XCTAssertLessThan(elapsed, 2.0)
    }

    func testDeterministicSine() {
        XCTAssertEqual(ProceduralRandom.sinTurns(0), 0)
        XCTAssertEqual(ProceduralRandom.sinTurns(0.25), 1, accuracy: 1e-7)
        XCTAssertEqual(ProceduralRandom.sinTurns(0.75), -1, accuracy: 1e-7)
        XCTAssertEqual(ProceduralRandom.cosTurns(0.5), -1, accuracy: 1e-7)
        for i in 0..<100 {
            let t = Double(i) / 37.0 - 1.3
            XCTAssertEqual(ProceduralRandom.sinTurns(t), sin(t * 2 * Double.pi), accuracy: 1e-6)
        }
    }
}
