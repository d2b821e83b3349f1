import Foundation

/// The raw `params:` section (stage 1: parameter generation) as written in a manifest or
/// profile. Every field is optional here; `JobSettings.resolve` fills gaps from the profile and
/// the built-in defaults.
public struct ManifestParams: Codable, Sendable, Equatable {
    public var template: String?
    /// Path relative to `config/`; checked lexically here, against the file system on resolve.
    public var templateFile: String?
    public var keywords: [String]?
    public var keywordsFile: String?
    public var vars: [TemplateVariable]?
    public var pick: JobSettings.Pick?
    public var count: Int?
    public var aspectRatios: [String]?
    public var size: Int?
    public var seed: UInt32?
    public var negative: String?
    public var writer: String?

    public init() {}

    static let keys = ["template", "template_file", "keywords", "keywords_file", "vars", "pick", "count",
                       "aspect_ratios", "size", "seed", "negative", "writer"]

    static func parse(_ node: DocumentNode, limits: Limits) throws -> ManifestParams {
        let map = try node.mapping(allowed: keys)
        try map.exclusive("template", "template_file")
        try map.exclusive("keywords", "keywords_file")
        var params = ManifestParams()
        params.template = try map.field {
            try map.value("template").map { value in
                let text = try value.string()
                if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw value.error("must not be empty") }
                return text
            }
        }
        params.templateFile = try map.field { try map.value("template_file").map { try SafePath.checkSyntax($0) } }
        params.keywords = try map.field {
            try map.value("keywords").map { list in
                let keywords = try list.stringList()
                if keywords.isEmpty { throw list.error("list at least one keyword, or leave 'keywords' out") }
                return keywords
            }
        }
        params.keywordsFile = try map.field { try map.value("keywords_file").map { try SafePath.checkSyntax($0) } }
        params.vars = try map.field { try map.value("vars").map(parseVars) }
        params.pick = try map.field { try map.oneOf("pick", JobSettings.Pick.self) }
        params.count = try map.field { try map.int("count", in: 1...limits.count) }
        params.aspectRatios = try map.field {
            try map.value("aspect_ratios").map { list in
                let items = try list.list()
                if items.isEmpty { throw list.error("list at least one aspect ratio, e.g. [\"1:1\"]") }
                return try items.map(parseAspectRatio)
            }
        }
        params.size = try map.field { try map.int("size", in: 16...limits.imageSide) }
        params.seed = try map.field { try map.int("seed", in: 0...Int(UInt32.max)).map { UInt32($0) } }
        params.negative = try map.field { try map.string("negative") }
        params.writer = try map.field { try map.value("writer").map { try $0.providerName() } }
        return params
    }

    /// `vars: {style: [watercolor, ink], mood: calm}` — a single string is a one-value list.
    private static func parseVars(_ node: DocumentNode) throws -> [TemplateVariable] {
        try node.freeMapping().compactMap { entry in try node.collecting {
            guard entry.key.range(of: #"^[A-Za-z0-9_-]+$"#, options: .regularExpression) != nil else {
                throw entry.keyNode.error("variable name '\(entry.key)' may only use letters, digits, '_' and '-'")
            }
            guard entry.key != "keyword" else {
                throw entry.keyNode.error("'keyword' is reserved for the keyword list ({keyword}); rename the variable")
            }
            if case .sequence = entry.value.node {
                let values = try entry.value.stringList()
                if values.isEmpty { throw entry.value.error("give at least one value") }
                return TemplateVariable(name: entry.key, values: values)
            }
            return TemplateVariable(name: entry.key, values: [try entry.value.nonEmptyString()])
        } }
    }

    /// "W:H" with positive integers and a ratio between 1:8 and 8:1; returned normalised.
    private static func parseAspectRatio(_ node: DocumentNode) throws -> String {
        let text = try node.string().trimmingCharacters(in: .whitespaces)
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2,
              parts.allSatisfy({ !$0.isEmpty && $0.count <= 6 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let width = Int(parts[0]), let height = Int(parts[1]) else {
            throw node.error("'\(text)' is not an aspect ratio like \"16:9\" (W:H with whole numbers)")
        }
        guard width > 0, height > 0 else { throw node.error("'\(text)': both sides must be positive") }
        guard width <= 8 * height, height <= 8 * width else {
            throw node.error("'\(text)' is outside the allowed range 1:8 to 8:1")
        }
        return "\(width):\(height)"
    }
}

extension DocumentNode {
    /// A provider name as used in `generate.provider`, `params.writer`, ...; existence is checked on resolve.
    func providerName() throws -> String {
        let name = try nonEmptyString()
        guard name.range(of: #"^[A-Za-z0-9._-]+$"#, options: .regularExpression) != nil else {
            throw error("'\(name)' is not a provider name (letters, digits, '.', '_' and '-')")
        }
        return name
    }
}
