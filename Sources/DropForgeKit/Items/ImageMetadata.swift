/// Title, description and tags of one image: written into the PNG (`Title`, `Description`,
/// `Keywords` chunks), the sidecar JSON, `items.csv` and the report.
public struct ImageMetadata: Codable, Sendable, Equatable {
    public var title: String
    public var description: String
    public var tags: [String]

    public init(title: String, description: String, tags: [String]) {
        self.title = title
        self.description = description
        self.tags = tags
    }
}
