import Foundation
import DropForgeMedia

/// The offline default image provider: the deterministic procedural renderer. It is honest
/// about what it is — shapes and colours steered by the prompt's words, not a diffusion model —
/// and lets every part of the pipeline run without a GPU or network.
public struct LocalImageProvider: ImageProvider {
    public let name = "local"
    private let renderer = ProceduralRenderer()

    public init() {}

    public func generate(_ request: ImageRequest) throws -> GeneratedImage {
        let image = renderer.render(prompt: request.prompt, negative: request.negative,
                                    seed: UInt64(request.seed), width: request.width, height: request.height)
        let png = try PNGCodec.encode(image, encoding: .fast)
        return GeneratedImage(png: png, pixels: image, model: ProceduralRenderer.name, seed: request.seed, settings: [("Steps", "1")])
    }
}
