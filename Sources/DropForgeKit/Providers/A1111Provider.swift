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
/// `steps`, `cfg_scale`, `sampler_name` and `scheduler` (sent only when set) come from the job's
/// `generate:`, else the entry's keys, else the defaults above. `override_settings` is the
/// entry's `model` as `sd_model_checkpoint` (A1111's way to pick the checkpoint per request)
/// with the entry's and then the job's `override_settings` over it, and
/// `"override_settings_restore_afterwards": false` (not restoring spares a reload of the
/// previous checkpoint after every image).
///
/// Reply: `{"images": ["<base64 PNG>", …], "parameters": {…}, "info": "<JSON text>"}`. `images[0]`
/// is the image (a later element can be a grid or a ControlNet map). `info` is a JSON document
/// encoded as a string; its `all_seeds[0]` (else `seed`) is the seed actually used, `sd_model_name`
/// the checkpoint, `steps`, `sampler_name`, `scheduler` and `cfg_scale` what was used. A missing
/// or unreadable `info` is not an error: the request's seed and settings and the entry's model
/// stand in.
public struct A1111Provider: ImageProvider {
    /// What a request sends when neither the job nor the entry says. A1111 reads `sampler_name`
    /// as its display name ("Euler a", "DPM++ 2M Karras", …).
    public static let defaultSteps = 20
    public static let defaultCFGScale = 7.0
    public static let defaultSampler = "Euler a"

    public static let path = "/sdapi/v1/txt2img"

    public let endpoint: ProviderEndpoint
    public let limits: PNGLimits

    public var name: String { endpoint.name }

    public init(endpoint: ProviderEndpoint, limits: PNGLimits) {
        self.endpoint = endpoint
        self.limits = limits
    }

    /// The job's settings over the entry's (the defaults fill steps, CFG scale and sampler).
    func settings(for request: ImageRequest) -> GenerationSettings {
        request.settings.over(endpoint.config.generation)
    }

    /// The txt2img body for `request`.
    public func requestBody(_ request: ImageRequest) -> JSONValue {
        let settings = settings(for: request)
        var body: JSONValue = [
            "prompt": .string(request.prompt),
            "negative_prompt": .string(request.negative),
            "width": .number(request.width),
            "height": .number(request.height),
            "steps": .number(settings.steps ?? Self.defaultSteps),
            "cfg_scale": .number(settings.cfgScale ?? Self.defaultCFGScale),
            "sampler_name": .string(settings.sampler ?? Self.defaultSampler),
            "seed": .number(Int(request.seed)),
            "batch_size": 1,
        ]
        if let scheduler = settings.scheduler { body["scheduler"] = .string(scheduler) }
        var overrides: [(String, JSONValue)] = endpoint.config.model.map { [("sd_model_checkpoint", .string($0))] } ?? []
        for (key, value) in (settings.overrideSettings ?? [:]).sorted(by: { $0.key < $1.key }) {
            overrides.removeAll { $0.0 == key }
            overrides.append((key, value.json))
        }
        if !overrides.isEmpty {
            body["override_settings"] = .object(.init(uniqueKeysWithValues: overrides))
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
        let asked = settings(for: request)
        var used: [(name: String, value: String)] = [
            ("Steps", String(info?["steps"]?.intValue ?? asked.steps ?? Self.defaultSteps)),
            ("Sampler", info?["sampler_name"]?.stringValue ?? asked.sampler ?? Self.defaultSampler),
        ]
        if let scheduler = info?["scheduler"]?.stringValue ?? asked.scheduler { used.append(("Schedule type", scheduler)) }
        used.append(("CFG scale", GenerationParameters.formatNumber(info?["cfg_scale"]?.numberValue ?? asked.cfgScale ?? Self.defaultCFGScale)))
        return GeneratedImage(png: checked.png, pixels: checked.pixels, model: model, seed: seed, settings: used)
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
