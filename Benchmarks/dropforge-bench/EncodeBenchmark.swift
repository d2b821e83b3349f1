import DropForgeKit
import Foundation
import PlainLibPNG
import DropForgeMedia

/// 4. Encoding: the pipeline's image path (`PNGCodec.encode` at the local renderer's
/// `PNGEncoding.fast`, then `PNGTextEmbedder.insert` of the generation texts, as the generate
/// stage does) against plain libpng writing the same pixels and texts at the same settings. Pixels are a procedural render, so the
/// compressor sees what it sees in production.
struct EncodeBenchmark {
    let side: Int
    let repetitions: Int

    struct Run {
        let pipelineMilliseconds: Double
        let plainMilliseconds: Double
        var ratio: Double { pipelineMilliseconds / plainMilliseconds }
        let megapixelsPerSecond: Double
    }

    static let texts = [
        ("Software", "dropforge"),
        ("Creation Time", "Sat, 21 Nov 2026 12:00:00 GMT"),
        ("parameters", "a owl with red and blue circles\nSteps: 0, Seed: 7, Size: 256x256, Model: procedural"),
    ]

    func run() throws -> Run {
        let image = ProceduralRenderer().render(prompt: "a owl with red and blue circles", negative: "", seed: 7, width: side, height: side)
        // Interleave the two so drift in the machine's speed hits both alike.
        var pipeline = Sample(), plain = Sample()
        var plainSize = 0, pipelineSize = 0
        for _ in 0..<repetitions {
            var started = monotonicSeconds()
            let png = try PNGTextEmbedder.insert(Self.texts.map { (keyword: $0.0, text: $0.1) }, into: PNGCodec.encode(image, encoding: .fast))
            pipeline.add(monotonicSeconds() - started)
            pipelineSize = png.count

            started = monotonicSeconds()
            plainSize = try Self.plainEncode(image)
            plain.add(monotonicSeconds() - started)
        }
        guard abs(plainSize - pipelineSize) < 64 else {
            throw BenchError("the two encoders disagree: \(pipelineSize) vs \(plainSize) bytes (not the same settings?)")
        }
        let pixels = Double(side * side) / 1e6
        return Run(pipelineMilliseconds: pipeline.median * 1000, plainMilliseconds: plain.median * 1000,
                   megapixelsPerSecond: pixels / pipeline.median)
    }

    static func plainEncode(_ image: RGBAImage) throws -> Int {
        let keywords = texts.map { strdup($0.0) }, values = texts.map { strdup($0.1) }
        defer { (keywords + values).forEach { free($0) } }
        var output: UnsafeMutablePointer<UInt8>?
        let size = image.pixels.withUnsafeBufferPointer { pixels in
            keywords.map { UnsafePointer($0) }.withUnsafeBufferPointer { keys in
                values.map { UnsafePointer($0) }.withUnsafeBufferPointer { texts in
                    plain_png_encode(UInt32(image.width), UInt32(image.height), pixels.baseAddress,
                                     keys.baseAddress, texts.baseAddress, keys.count, Int32(PNGEncoding.fast.compressionLevel),
                                     PNGEncoding.fast.libpngFilterMask, &output)
                }
            }
        }
        guard size > 0, let output else { throw BenchError("plain libpng failed to encode") }
        plain_png_free(output)
        return size
    }
}
