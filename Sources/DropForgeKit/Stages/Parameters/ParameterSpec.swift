/// The resolved `params:` block of an images manifest (files already read, profile defaults
/// applied): everything the parameters stage needs to turn one manifest into item plans.
public struct ParameterSpec: Sendable, Equatable {
    public var template: String
    public var keywords: KeywordTable
    public var vars: [TemplateVariable]
    public var pick: PickMode
    /// Items to make; nil means one item per keyword × variable combination.
    public var count: Int?
    /// Cycled over items (item i gets `aspectRatios[i % k]`); empty means `["1:1"]`.
    public var aspectRatios: [String]
    /// Long side in pixels.
    public var size: Int
    /// The manifest's fixed seed, if any. `ParameterExpander` takes the effective base seed
    /// separately so that the caller decides (and records) the seed of an unseeded job.
    public var seed: UInt32?
    /// Negative prompt template (filled like `template`); empty for none.
    public var negative: String

    public init(template: String,
                keywords: KeywordTable = KeywordTable(headers: ["keyword"], rows: []),
                vars: [TemplateVariable] = [],
                pick: PickMode = .sequential,
                count: Int? = nil,
                aspectRatios: [String] = ["1:1"],
                size: Int = 768,
                seed: UInt32? = nil,
                negative: String = "") {
        self.template = template
        self.keywords = keywords
        self.vars = vars
        self.pick = pick
        self.count = count
        self.aspectRatios = aspectRatios
        self.size = size
        self.seed = seed
        self.negative = negative
    }
}
