import Foundation
import DropForgeCards

/// The card part of a card job's item plan: what the parameters stage decided, stored with the
/// item so retries rebuild exactly the same card.
public struct CardPlan: Codable, Sendable, Equatable {
    /// The spec the job writes (`v2` or `v3`).
    public var spec: CharacterCard.Spec
    /// The planned card (compact V3 JSON), before the writer fills what is missing.
    public var json: String
    /// An existing avatar PNG (relative to the root) to use instead of generating one.
    public var avatarImage: String?
    /// The file stem in `cards/`: the character's name made folder-safe.
    public var fileName: String
    /// Notes for the job log (source sections that map to nothing, skipped lorebook entries).
    public var warnings: [String]

    public init(spec: CharacterCard.Spec, json: String, avatarImage: String?, fileName: String, warnings: [String]) {
        self.spec = spec
        self.json = json
        self.avatarImage = avatarImage
        self.fileName = fileName
        self.warnings = warnings
    }

    /// The card that sits beside an item's image in the work folder: `0001.png` → `0001.card.json`.
    static func cardPath(forImage imagePath: String) -> String {
        (imagePath.hasSuffix(".png") ? String(imagePath.dropLast(4)) : imagePath) + ".card.json"
    }
}
