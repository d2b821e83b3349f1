/// What one item of a job will be (an image, or a card and its avatar): the output of the parameters stage and the input of
/// generate/metadata. Stored with the item so retries and reruns reuse exactly the same plan.
public struct ItemPlan: Codable, Sendable, Equatable {
    /// 0-based position in the job (`images/NNNN.png` uses index + 1 or index, as the exporter decides).
    public var index: Int
    public var prompt: String
    public var negative: String
    public var seed: UInt32
    public var width: Int
    public var height: Int
    /// The ratio as written in the manifest, normalised (`"16:9"`).
    public var aspectRatio: String
    /// The keyword row's first column; empty when the job has no keywords.
    public var keyword: String
    /// Variable name → value, plus the keyword row's CSV columns (variables win on a name clash).
    public var values: [String: String]
    /// Card jobs only: the card to make (the rest of the plan describes its avatar).
    public var card: CardPlan?

    public init(index: Int, prompt: String, negative: String, seed: UInt32, width: Int, height: Int,
                aspectRatio: String, keyword: String, values: [String: String], card: CardPlan? = nil) {
        self.index = index
        self.prompt = prompt
        self.negative = negative
        self.seed = seed
        self.width = width
        self.height = height
        self.aspectRatio = aspectRatio
        self.keyword = keyword
        self.values = values
        self.card = card
    }
}
