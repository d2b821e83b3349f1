import Foundation
import DropForgeJSON
import DropForgeMedia

/// OpenAI Images (`type: openai-images`): `POST <base_url>/images/generations`, where `base_url`
/// includes the version (`https://api.openai.com/v1`), with `Authorization: Bearer <key>` from
/// the entry's `api_key_env`.
///
/// Request: `{"model": …, "prompt": …, "n": 1, "size": "1024x1024", "response_format": "b64_json"}`.
/// The `gpt-image-*` models reject `response_format` and always answer in base64, so the key is
/// left out for them. Reply: `{"created": …, "data": [{"b64_json": "…", "revised_prompt": …}],
/// "usage": {…}}`; only `data[0].b64_json` is used (`revised_prompt` and `usage` are ignored).
///
/// What the API cannot do, and what this provider does about it:
/// - Sizes: each model offers a few fixed sizes (`size(forModel:width:height:)`), so the image's
///   real size can differ from the item's; the quality stage's `dimensions` check judges it.
/// - No negative prompt: `ImageRequest.negative` is not sent.
/// - No seed: the result is not reproducible; `GeneratedImage.seed` reports the item's seed.
/// - No step count, sampler or CFG scale: the `parameters` text names none; `quality` and
///   `style` (from the job's `generate:`, else the entry) are sent when set and named there.
/// - Without a `model` in the entry the API's own default, `dall-e-2`, is named explicitly.
public struct OpenAIImagesProvider: ImageProvider {
    public static let path = "/images/generations"
    /// What the OpenAI API uses when a request names no model.
    public static let defaultModel = "dall-e-2"

    public let endpoint: ProviderEndpoint
    public let limits: PNGLimits

    public var name: String { endpoint.name }
    public var model: String { endpoint.config.model ?? Self.defaultModel }

    public init(endpoint: ProviderEndpoint, limits: PNGLimits) {
        self.endpoint = endpoint
        self.limits = limits
    }

    /// The sizes a model accepts, as (width, height), the square first.
    /// `nil` for a model this table does not know.
    public static func supportedSizes(forModel model: String) -> [(width: Int, height: Int)]? {
        let lower = model.lowercased()
        if lower.hasPrefix("gpt-image") { return [(1024, 1024), (1536, 1024), (1024, 1536)] }
        if lower.hasPrefix("dall-e-3") { return [(1024, 1024), (1792, 1024), (1024, 1792)] }
        if lower.hasPrefix("dall-e-2") { return [(256, 256), (512, 512), (1024, 1024)] }
        return nil
    }

    /// The `size` to ask `model` for, for an item of `width`×`height`:
    /// - `dall-e-2` (squares only): the smallest square whose side covers the item's longer side,
    ///   1024 at most (so the image is never smaller than asked when it can be avoided);
    /// - `dall-e-3`, `gpt-image-*`: the size whose aspect ratio is closest to the item's (compared
    ///   on a log scale, so 2:1 and 1:2 are equally far from 1:1; a tie goes to the square);
    /// - any other model (an OpenAI-compatible server): the item's own `WxH`.
    public static func size(forModel model: String, width: Int, height: Int) -> String {
        let width = max(1, width), height = max(1, height)
        guard let sizes = supportedSizes(forModel: model) else { return "\(width)x\(height)" }
        if model.lowercased().hasPrefix("dall-e-2") {
            let side = sizes.first { $0.width >= max(width, height) } ?? sizes[sizes.count - 1]
            return "\(side.width)x\(side.height)"
        }
        let aspect = log(Double(width) / Double(height))
        var best = sizes[0]
        var bestDistance = Double.infinity
        for size in sizes {
            let distance = abs(log(Double(size.width) / Double(size.height)) - aspect)
            if distance < bestDistance - 1e-9 {
                best = size
                bestDistance = distance
            }
        }
        return "\(best.width)x\(best.height)"
    }

    /// The generations body for `request`.
    public func requestBody(_ request: ImageRequest) -> JSONValue {
        var body: JSONValue = [
            "model": .string(model),
            "prompt": .string(request.prompt),
            "n": 1,
            "size": .string(Self.size(forModel: model, width: request.width, height: request.height)),
        ]
        if !model.lowercased().hasPrefix("gpt-image") {
            body["response_format"] = "b64_json"
        }
        let settings = request.settings.over(endpoint.config.generation)
        if let quality = settings.quality { body["quality"] = .string(quality) }
        if let style = settings.style { body["style"] = .string(style) }
        return body
    }

    public func generate(_ request: ImageRequest) throws -> GeneratedImage {
        let (reply, _) = try endpoint.sendJSON(path: Self.path, body: requestBody(request))
        guard let encoded = reply["data"]?[0]?["b64_json"]?.stringValue else {
            throw RemoteImageSupport.missingField("data[0].b64_json", provider: name, reply: reply, expected: "a base64 PNG")
        }
        let bytes = try RemoteImageSupport.decodeBase64(encoded, provider: name, field: "data[0].b64_json")
        let checked = try RemoteImageSupport.checkPNG(bytes, limits: limits, provider: name, source: "data[0].b64_json")
        let settings = request.settings.over(endpoint.config.generation)
        let used = [("Quality", settings.quality), ("Style", settings.style)].compactMap { name, value in value.map { (name: name, value: $0) } }
        return GeneratedImage(png: checked.png, pixels: checked.pixels, model: model, seed: request.seed, settings: used)
    }
}
