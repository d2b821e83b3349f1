import Foundation
import DropForgeCore
import DropForgeJSON

/// How an image provider samples, in a providers entry (its defaults) and in a manifest's or
/// profile's `generate:` (per job, over the entry's), key by key:
///
/// - `steps`, `cfg_scale`, `sampler_name` (A1111's display name, `Euler a`; ComfyUI's id,
///   `dpmpp_2m`), `scheduler` (`karras`…) and `override_settings` (A1111's per-request settings,
///   `sd_model_checkpoint` picks the checkpoint) go to A1111 and fill ComfyUI's `{{steps}}`,
///   `{{cfg_scale}}`, `{{sampler}}`, `{{scheduler}}` and `{{checkpoint}}`;
/// - `quality` and `style` go to OpenAI Images (`standard`/`hd`, `vivid`/`natural` for dall-e-3;
///   `low`/`medium`/`high` for gpt-image-1).
///
/// What a provider does not use it ignores; the `parameters` text of each image names what
/// was really used.
public struct GenerationSettings: Codable, Sendable, Equatable {
    public var steps: Int?
    public var cfgScale: Double?
    public var sampler: String?
    public var scheduler: String?
    /// Scalars only: strings, numbers, booleans.
    public var overrideSettings: [String: SettingValue]?
    public var quality: String?
    public var style: String?

    public init(steps: Int? = nil, cfgScale: Double? = nil, sampler: String? = nil, scheduler: String? = nil,
                overrideSettings: [String: SettingValue]? = nil, quality: String? = nil, style: String? = nil) {
        self.steps = steps
        self.cfgScale = cfgScale
        self.sampler = sampler
        self.scheduler = scheduler
        self.overrideSettings = overrideSettings
        self.quality = quality
        self.style = style
    }

    enum CodingKeys: String, CodingKey {
        case steps, cfgScale = "cfg_scale", sampler = "sampler_name", scheduler, overrideSettings = "override_settings", quality, style
    }

    /// The YAML keys, for the mappings that allow them.
    static let keys = CodingKeys.allKeys

    /// Each key from `self` when given, else from `other`; `override_settings` merged key by key.
    public func over(_ other: GenerationSettings) -> GenerationSettings {
        var merged = GenerationSettings(
            steps: steps ?? other.steps, cfgScale: cfgScale ?? other.cfgScale, sampler: sampler ?? other.sampler,
            scheduler: scheduler ?? other.scheduler, quality: quality ?? other.quality, style: style ?? other.style)
        if overrideSettings != nil || other.overrideSettings != nil {
            merged.overrideSettings = (overrideSettings ?? [:]).merging(other.overrideSettings ?? [:]) { mine, _ in mine }
        }
        return merged
    }

    var isEmpty: Bool { self == GenerationSettings() }

    /// The keys of `map` that are generation settings (the caller allowed them).
    static func parse(_ map: DocumentMapping) throws -> GenerationSettings {
        var settings = GenerationSettings()
        settings.steps = try map.field { try map.int("steps", in: 1...1000) }
        settings.cfgScale = try map.field { try map.value("cfg_scale").map { try $0.number(in: 0...100) } }
        settings.sampler = try map.field { try map.nonEmptyString("sampler_name") }
        settings.scheduler = try map.field { try map.nonEmptyString("scheduler") }
        settings.quality = try map.field { try map.nonEmptyString("quality") }
        settings.style = try map.field { try map.nonEmptyString("style") }
        settings.overrideSettings = try map.field {
            try map.value("override_settings").map { node in
                var values: [String: SettingValue] = [:]
                for entry in try node.freeMapping() {
                    switch entry.value.scalarKind {
                    case .bool(let flag): values[entry.key] = .bool(flag)
                    case .integer(let text): values[entry.key] = .number(Double(text) ?? 0)
                    case .number: values[entry.key] = .number(try entry.value.number(in: -1e15...1e15))
                    case .string(let text): values[entry.key] = .string(text)
                    case .null, nil: throw entry.value.typeError(expected: "a string, number or boolean")
                    }
                }
                return values
            }
        }
        return settings
    }
}

extension GenerationSettings.CodingKeys: CaseIterable {
    static var allKeys: [String] { allCases.map(\.rawValue) }
}

/// One `override_settings` value, typed as written.
public enum SettingValue: Codable, Sendable, Equatable {
    case string(String)
    case number(Double)
    case bool(Bool)

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let text): try container.encode(text)
        case .number(let number): try container.encode(number)
        case .bool(let flag): try container.encode(flag)
        }
    }

    var json: JSONValue {
        switch self {
        case .string(let text): .string(text)
        case .number(let number): .number(number)
        case .bool(let flag): .bool(flag)
        }
    }

    /// As text, for ComfyUI's `{{checkpoint}}` and the `parameters` text.
    public var text: String {
        switch self {
        case .string(let text): text
        case .number(let number): number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
        case .bool(let flag): String(flag)
        }
    }
}
