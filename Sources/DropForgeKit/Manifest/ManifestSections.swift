import Foundation

/// The raw `generate:` section: which image provider renders the prompts.
public struct ManifestGenerate: Codable, Sendable, Equatable {
    public var provider: String?
    /// `steps`, `cfg_scale`, `sampler_name`, `scheduler`, `override_settings`, `quality`, `style`.
    public var settings = GenerationSettings()
    public init(provider: String? = nil, settings: GenerationSettings = GenerationSettings()) {
        self.provider = provider
        self.settings = settings
    }

    static func parse(_ node: DocumentNode) throws -> ManifestGenerate {
        let map = try node.mapping(allowed: ["provider"] + GenerationSettings.keys)
        return ManifestGenerate(provider: try map.field { try map.value("provider").map { try $0.providerName() } },
                                settings: try GenerationSettings.parse(map))
    }
}

/// The raw `quality:` section: which checks run on each image.
public struct ManifestQuality: Codable, Sendable, Equatable {
    public var enabled: Bool?
    public var checks: [JobSettings.QualityCheck]?
    /// A text provider with vision that adds an LLM pass/fail check.
    public var vision: String?
    public init(enabled: Bool? = nil, checks: [JobSettings.QualityCheck]? = nil, vision: String? = nil) {
        self.enabled = enabled
        self.checks = checks
        self.vision = vision
    }

    static func parse(_ node: DocumentNode) throws -> ManifestQuality {
        let map = try node.mapping(allowed: ["enabled", "checks", "vision"])
        return ManifestQuality(enabled: try map.field { try map.bool("enabled") },
                               checks: try map.field { try map.subset("checks", of: JobSettings.QualityCheck.self) },
                               vision: try map.field { try map.value("vision").map { try $0.providerName() } })
    }
}

/// The raw `metadata:` section: titles, descriptions and tags for each image.
public struct ManifestMetadata: Codable, Sendable, Equatable {
    public var enabled: Bool?
    public var writer: String?
    public init(enabled: Bool? = nil, writer: String? = nil) {
        self.enabled = enabled
        self.writer = writer
    }

    static func parse(_ node: DocumentNode) throws -> ManifestMetadata {
        let map = try node.mapping(allowed: ["enabled", "writer"])
        return ManifestMetadata(enabled: try map.field { try map.bool("enabled") },
                                writer: try map.field { try map.value("writer").map { try $0.providerName() } })
    }
}

/// The raw `export:` section: which files the published job folder gets.
public struct ManifestExport: Codable, Sendable, Equatable {
    public var formats: [JobSettings.ExportFormat]?
    public init(formats: [JobSettings.ExportFormat]? = nil) { self.formats = formats }

    static func parse(_ node: DocumentNode) throws -> ManifestExport {
        let map = try node.mapping(allowed: ["formats"])
        guard let list = map.value("formats") else { return ManifestExport() }
        let formats = try list.subset(of: JobSettings.ExportFormat.self)
        if formats.isEmpty { throw list.error("list at least one format, e.g. [png]") }
        return ManifestExport(formats: formats)
    }
}

/// The raw `text:` section: how text providers sample (model, temperature, top_p, max_tokens).
/// Usually set in a profile; applies to every text provider call of the job. `max_tokens` is one
/// number for every call or a mapping by kind of call (`prompt`, `metadata`, `card`, `vision`).
public struct ManifestText: Codable, Sendable, Equatable {
    public var model: String?
    public var temperature: Double?
    public var topP: Double?
    public var maxTokens: MaxTokens?
    public init() {}

    static func parse(_ node: DocumentNode) throws -> ManifestText {
        let map = try node.mapping(allowed: ["model", "temperature", "top_p", "max_tokens"])
        var text = ManifestText()
        text.model = try map.field { try map.nonEmptyString("model") }
        text.temperature = try map.field { try map.value("temperature").map { try $0.number(in: 0...2) } }
        text.topP = try map.field { try map.value("top_p").map { try $0.number(in: 0...1) } }
        text.maxTokens = try map.field { try map.value("max_tokens").map(parseMaxTokens) }
        return text
    }

    static let maxTokensRange = 1...1_000_000

    /// `max_tokens: 800` or `max_tokens: {metadata: 800, card: 2000}`.
    static func parseMaxTokens(_ node: DocumentNode) throws -> MaxTokens {
        if case .mapping = node.node {
            let map = try node.mapping(allowed: TextCall.allCases.map(\.rawValue))
            var limits: [TextCall: Int] = [:]
            for call in TextCall.allCases {
                if let value = try map.field({ try map.int(call.rawValue, in: maxTokensRange) }) { limits[call] = value }
            }
            return MaxTokens(limits)
        }
        return MaxTokens(all: try node.int(in: maxTokensRange))
    }
}

/// The settings sections shared by manifests and profiles, plus where each field was
/// written, so resolution errors (a missing template file, an unknown provider) can point at it.
public struct ManifestSections: Codable, Sendable, Equatable {
    public var params = ManifestParams()
    public var generate = ManifestGenerate()
    public var quality = ManifestQuality()
    public var metadata = ManifestMetadata()
    public var export = ManifestExport()
    public var text = ManifestText()
    /// Field path (`params.template_file`) → position of its value.
    public var positions: [String: ManifestPosition] = [:]

    public init() {}

    static let keys = ["params", "generate", "quality", "metadata", "export", "text"]

    static func parse(_ map: DocumentMapping, limits: Limits) throws -> ManifestSections {
        var sections = ManifestSections()
        func section<T>(_ key: String, _ parse: (DocumentNode) throws -> T) throws -> T? {
            try map.field { try map.value(key).map(parse) }
        }
        sections.params = try section("params") { try ManifestParams.parse($0, limits: limits) } ?? sections.params
        sections.generate = try section("generate", ManifestGenerate.parse) ?? sections.generate
        sections.quality = try section("quality", ManifestQuality.parse) ?? sections.quality
        sections.metadata = try section("metadata", ManifestMetadata.parse) ?? sections.metadata
        sections.export = try section("export", ManifestExport.parse) ?? sections.export
        sections.text = try section("text", ManifestText.parse) ?? sections.text
        sections.positions = map.node.valuePositions()
        return sections
    }
}

extension DocumentNode {
    /// Positions of every mapping value below this node, keyed by field path.
    func valuePositions() -> [String: ManifestPosition] {
        var result: [String: ManifestPosition] = [:]
        func walk(_ node: DocumentNode, depth: Int) {
            guard depth < DocumentPrescan.maxDepth, case .mapping(let mapping) = node.node else { return }
            for (key, value) in mapping {
                guard let name = key.string else { continue }
                let child = node.child(value, key: name)
                if let position = child.position { result[child.field] = position }
                walk(child, depth: depth + 1)
            }
        }
        walk(self, depth: 0)
        return result
    }
}
