import Foundation
import DropForgeMedia
import DropForgeCore
import DropForgeStore

/// Stage 2: makes the item's image with the configured provider and records where it is.
/// The PNG gets the generation texts (`Software`, `Creation Time`, AUTOMATIC1111 `parameters`)
/// here, so an image carries how it was made even when metadata is off.
public struct GenerateStage: StageRunner {
    public let stage = Stage.generate
    let layout: RootLayout
    let providers: ProviderRegistry

    public init(layout: RootLayout, providers: ProviderRegistry) {
        self.layout = layout
        self.providers = providers
    }

    public func run(_ lease: StepLease) throws -> StepOutcome {
        let settings = try lease.settings()
        let plan = try lease.plan()
        let (png, pixels) = try Self.render(plan, with: try providers.imageProvider(named: settings.generate.provider),
                                            settings: settings.generate.settings)
        let file = try layout.workFile(execution: lease.execution.id, named: "\(itemFileStem(plan.index)).gen.png")
        try FileSystem.writeAtomically(png, to: file)
        // Decode once: the quality check, usually next on this very thread, takes these pixels
        // instead of decoding the file just written (the key ignores the text chunks).
        if let key = PNGPixelKey(png: png) { ImageCache.decodedImages.insert(pixels, for: .init(png: key)) }
        return .generated(imagePath: layout.relativePath(file), pixels: pixels)
    }

    /// Renders `plan` with `provider` and adds the generation texts; also the card avatar's path.
    static func render(_ plan: ItemPlan, with provider: ImageProvider, settings: GenerationSettings?) throws -> (png: Data, pixels: RGBAImage) {
        let image = try provider.generate(ImageRequest(
            prompt: plan.prompt, negative: plan.negative, width: plan.width, height: plan.height, seed: plan.seed,
            settings: settings ?? GenerationSettings()))
        let parameters = GenerationParameters.a1111Text(
            prompt: plan.prompt, negative: plan.negative, settings: image.settings,
            seed: image.seed, width: plan.width, height: plan.height, model: image.model)
        let png = try PNGTextEmbedder.insert([
            ("Software", DropForge.software),
            ("Creation Time", DropForge.rfc1123(DropForge.creationDate())),
            ("parameters", parameters),
        ], into: image.png)
        return (png, try image.pixels ?? PNGCodec.decode(png).image)
    }
}
