import Foundation
import DropForgeMedia

/// What the generate stage asks an image provider for.
public struct ImageRequest: Sendable, Equatable {
    public var prompt: String
    public var negative: String
    public var width: Int
    public var height: Int
    public var seed: UInt32
    /// The job's `generate:` settings; each provider fills the keys left out from its entry and
    /// its own defaults.
    public var settings: GenerationSettings

    public init(prompt: String, negative: String, width: Int, height: Int, seed: UInt32,
                settings: GenerationSettings = GenerationSettings()) {
        self.prompt = prompt
        self.negative = negative
        self.width = width
        self.height = height
        self.seed = seed
        self.settings = settings
    }
}

/// One generated image: the PNG as the provider made it (no dropforge metadata yet).
public struct GeneratedImage: Sendable {
    public var png: Data
    /// The decoded pixels when the provider has them at hand (saves a decode for hashing).
    public var pixels: RGBAImage?
    /// The model name that goes into the `parameters` text.
    public var model: String
    public var seed: UInt32
    /// The settings really used, as `parameters` fields in A1111's words and order (`Steps`,
    /// `Sampler`, `Schedule type`, `CFG scale`; `Quality`, `Style` for OpenAI Images).
    public var settings: [(name: String, value: String)]
}

/// An image generator (DESIGN §5): prompt, negative, size, seed → PNG. Implementations throw
/// `StepError` so the pipeline's retry policy can tell transient from permanent failures.
public protocol ImageProvider: Sendable {
    var name: String { get }
    func generate(_ request: ImageRequest) throws -> GeneratedImage
}
