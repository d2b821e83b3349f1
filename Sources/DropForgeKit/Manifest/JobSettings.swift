import Foundation

/// The fully resolved settings one execution runs with, stored as its settings snapshot.
///
/// Built by `resolve(...)` from the manifest, its profile and the built-in defaults (in that
/// order of precedence), with files named by the manifest (`template_file`, `keywords_file`)
/// already read, so a rerun uses exactly what the first run used.
public struct JobSettings: Codable, Sendable, Equatable {
    public var kind: Kind
    /// Folder-safe job name (sanitised; default: the manifest file's stem).
    public var name: String
    /// The manifest's `id` (idempotency key), if any.
    public var manifestID: String?
    public var force: Bool
    public var priority: Priority
    /// The profile actually applied (nil when none was found).
    public var profileName: String?
    public var params: Params
    public var generate: Generate
    public var quality: Quality
    public var metadata: Metadata
    public var export: Export
    /// What a `kind: card` job makes (nil for images jobs).
    public var card: CardSettings?
    /// How text providers sample (from the `text:` section; all optional).
    public var text: TextSampling?

    /// The manifest's own words (`id`, `profile`, `template_file`, `aspect_ratios`, …), so the
    /// snapshot in job.json and exports reads like the manifest that made it. Snapshots written
    /// before (camelCase) still decode: `JSONCoding.settingsDecoder`.
    enum CodingKeys: String, CodingKey {
        case kind, name, manifestID = "id", force, priority, profileName = "profile", params, generate, quality
        case metadata, export, card, text
    }

    public struct Params: Codable, Sendable, Equatable {
        /// The template text (read from `template_file` when that was given).
        public var template: String
        /// `template_file` as written (relative to `config/`), nil for an inline template.
        public var templateSource: String?
        public var keywords: KeywordTable
        /// `keywords_file` as written, nil for an inline list.
        public var keywordsSource: String?
        public var vars: [TemplateVariable]
        public var pick: Pick
        /// Items to make; nil = one item per combination.
        public var count: Int?
        public var aspectRatios: [String]
        public var size: Int
        public var seed: UInt32?
        public var negative: String
        public var writer: String

        enum CodingKeys: String, CodingKey {
            case template, templateSource = "template_file", keywords, keywordsSource = "keywords_file", vars, pick
            case count, aspectRatios = "aspect_ratios", size, seed, negative, writer
        }

        public init(template: String, templateSource: String? = nil, keywords: KeywordTable = .list([]),
                    keywordsSource: String? = nil, vars: [TemplateVariable] = [], pick: Pick = .sequential,
                    count: Int? = nil, aspectRatios: [String] = ["1:1"], size: Int = 768, seed: UInt32? = nil,
                    negative: String = "", writer: String = "local") {
            self.template = template
            self.templateSource = templateSource
            self.keywords = keywords
            self.keywordsSource = keywordsSource
            self.vars = vars
            self.pick = pick
            self.count = count
            self.aspectRatios = aspectRatios
            self.size = size
            self.seed = seed
            self.negative = negative
            self.writer = writer
        }
    }

    public struct Generate: Codable, Sendable, Equatable {
        public var provider: String
        /// The manifest's and profile's settings, key by key (the provider entry's fill the rest).
        public var settings: GenerationSettings?
        public init(provider: String = "local", settings: GenerationSettings? = nil) {
            self.provider = provider
            self.settings = settings
        }
    }

    public struct Quality: Codable, Sendable, Equatable {
        public var enabled: Bool
        public var checks: [QualityCheck]
        public var vision: String?
        public init(enabled: Bool = true, checks: [QualityCheck] = QualityCheck.allCases, vision: String? = nil) {
            self.enabled = enabled
            self.checks = checks
            self.vision = vision
        }
    }

    public struct Metadata: Codable, Sendable, Equatable {
        public var enabled: Bool
        public var writer: String
        public init(enabled: Bool = true, writer: String = "local") {
            self.enabled = enabled
            self.writer = writer
        }
    }

    public struct Export: Codable, Sendable, Equatable {
        public var formats: [ExportFormat]
        public init(formats: [ExportFormat] = [.png, .csv, .json]) { self.formats = formats }
    }

    public init(kind: Kind = .images, name: String, manifestID: String? = nil, force: Bool = false,
                priority: Priority = .normal, profileName: String? = nil, params: Params,
                generate: Generate = Generate(), quality: Quality = Quality(), metadata: Metadata = Metadata(),
                export: Export = Export(), card: CardSettings? = nil) {
        self.kind = kind
        self.name = name
        self.manifestID = manifestID
        self.force = force
        self.priority = priority
        self.profileName = profileName
        self.params = params
        self.generate = generate
        self.quality = quality
        self.metadata = metadata
        self.export = export
        self.card = card
    }
}
