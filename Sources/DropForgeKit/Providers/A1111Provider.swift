import Foundation
import DropForgeJSON
import DropForgeMedia

/// AUTOMATIC1111 / Forge (`type: a1111`): one `POST /sdapi/v1/txt2img` per image.
///
/// Request (keys in this order):
/// ```json
/// {"prompt": "…", "negative_prompt": "…", "width": 768, "height": 432, "steps": 20,
///  "cfg_scale": 7, "sampler_name": "Euler a", "seed": 42, "batch_size": 1}
/// ```
/// plus, when the `providers:` entry names a `model`,
/// `"override_settings": {"sd_model_checkpoint": "<model>"}, "override_settings_restore_afterwards": false`
/// (A1111's way to pick the checkpoint per request; not restoring afterwards spares a reload of
/// the previous checkpoint after every image).
///
/// Reply: `{"images": ["<base64 PNG>", …], "parameters": {…}, "info": "<JSON text>"}`. `images[0]`
/// is the image (a later element can be a grid or a ControlNet map). `info` is a JSON document
/// encoded as a string; its `all_seeds[0]` (else `seed`) is the seed actually used, `sd_model_name`
/// the checkpoint and `steps` the steps. A missing or unreadable `info` is not an error: the
/// request's seed, the entry's model and the configured steps stand in.
public struct A1111Provider: ImageProvider {
    /// Sampling settings sent with every request. A1111 reads `sampler_name` as its display name
    /// ("Euler a", "DPM++ 2M Karras", …).
    public struct Options: Sendable, Equatable {
        public static let defaultSteps = 20
        public static let defaultCFGScale = 7.0
        public static let defaultSampler = "Euler a"

        public var steps: Int
        public var cfgScale: Double
        public var sampler: String

        public init(steps: Int = Options.defaultSteps, cfgScale: Double = Options.defaultCFGScale,
                    sampler: String = Options.defaultSampler) {
            self.steps = steps
            self.cfgScale = cfgScale
            self.sampler = sampler
        }
    }

    public static let path = "/sdapi/v1/txt2img"

    public let endpoint: ProviderEndpoint
    public let limits: PNGLimits
    public let options: Options

    public var name: String { endpoint.name }

    public init(endpoint: ProviderEndpoint, limits: PNGLimits, options: Options = Options()) {
        self.endpoint = endpoint
        self.limits = limits
        self.options = options
    }

    /// The txt2img body for `request`.
    public func requestBody(_ request: ImageRequest) -> JSONValue {
        var body: JSONValue = [
            "prompt": .string(request.prompt),
            "negative_prompt": .string(request.negative),
            "width": .number(request.width),
            "height": .number(request.height),
            "steps": .number(options.steps),
            "cfg_scale": .number(options.cfgScale),
            "sampler_name": .string(options.sampler),
            "seed": .number(Int(request.seed)),
            "batch_size": 1,
        ]
        if let model = endpoint.config.model {
            body["override_settings"] = ["sd_model_checkpoint": .string(model)]
            body["override_settings_restore_afterwards"] = false
        }
        return body
    }

    public func generate(_ request: ImageRequest) throws -> GeneratedImage {
        let (reply, _) = try endpoint.sendJSON(path: Self.path, body: requestBody(request))
        guard let encoded = reply["images"]?[0]?.stringValue else {
            throw RemoteImageSupport.missingField("images[0]", provider: name, reply: reply, expected: "a base64 PNG")
        }
        let bytes = try RemoteImageSupport.decodeBase64(encoded, provider: name, field: "images[0]")
        let checked = try RemoteImageSupport.checkPNG(bytes, limits: limits, provider: name, source: "images[0]")
        let info = Self.parseInfo(reply["info"])
        let seed = RemoteImageSupport.seed(info?["all_seeds"]?[0]) ?? RemoteImageSupport.seed(info?["seed"]) ?? request.seed
        let model = info?["sd_model_name"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            ?? endpoint.config.model ?? "a1111"
        let steps = info?["steps"]?.intValue ?? options.steps
        return GeneratedImage(png: checked.png, pixels: checked.pixels, model: model, seed: seed, steps: steps)
    }

    /// `info` is a JSON object serialised into a string; some forks send the object itself.
    static func parseInfo(_ value: JSONValue?) -> JSONValue? {
        switch value {
        case .string(let text)?:
            guard let parsed = try? JSONParser.parse(text), parsed.objectValue != nil else { return nil }
            return parsed
        case .object?:
            return value
        default:
            return nil
        }
    }
}
