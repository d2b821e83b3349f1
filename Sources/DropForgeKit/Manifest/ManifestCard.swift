import Foundation
import DropForgeCards

/// The raw `card:` section of a `kind: card` manifest (DESIGN §3), checked strictly: where the
/// card's text comes from, which card it starts from, explicit field values, lorebook entries
/// and the avatar. Paths are checked lexically here and against the file system on resolve.
public struct ManifestCard: Codable, Sendable, Equatable {
    public var spec: CharacterCard.Spec?
    public var sourceMaterial: String?
    public var sourceFile: String?
    public var inputCard: String?
    public var fields: [CardFieldValue] = []
    public var book: CardBookSettings?
    public var avatar: ManifestAvatar?
    public var writer: String?

    public init() {}

    static let keys = ["spec", "source_material", "source_file", "input_card", "fields", "book", "avatar", "writer"]

    static func parse(_ node: DocumentNode, limits: Limits) throws -> ManifestCard {
        let map = try node.mapping(allowed: keys)
        try map.exclusive("source_material", "source_file")
        var card = ManifestCard()
        card.spec = try map.field {
            try map.value("spec").map { value in
                let text = try value.string()
                guard let spec = CharacterCard.Spec(rawValue: text), spec != .v1 else {
                    throw value.error(text == "v1" ? "cards are written as v2 or v3; v1 is only read"
                                                   : "'\(text)' is not one of v2, v3")
                }
                return spec
            }
        }
        card.sourceMaterial = try map.field { try map.string("source_material") }
        card.sourceFile = try map.field { try map.value("source_file").map { try SafePath.checkSyntax($0) } }
        card.inputCard = try map.field { try map.value("input_card").map { try SafePath.checkSyntax($0) } }
        card.fields = try map.field { try map.value("fields").map(CardFieldValue.parseAll) } ?? card.fields
        card.book = try map.field { try map.value("book").map(CardBookSettings.parse) }
        card.avatar = try map.field { try map.value("avatar").map { try ManifestAvatar.parse($0, limits: limits) } }
        card.writer = try map.field { try map.value("writer").map { try $0.providerName() } }
        return card
    }
}

/// `avatar:` — either a prompt for an image provider or an existing PNG.
public struct ManifestAvatar: Codable, Sendable, Equatable {
    public var prompt: String?
    public var image: String?
    public var provider: String?
    public var seed: UInt32?
    public var size: Int?

    static func parse(_ node: DocumentNode, limits: Limits) throws -> ManifestAvatar {
        let map = try node.mapping(allowed: ["prompt", "image", "provider", "seed", "size"])
        try map.exclusive("prompt", "image")
        var avatar = ManifestAvatar()
        avatar.prompt = try map.nonEmptyString("prompt")
        avatar.image = try map.value("image").map { try SafePath.checkSyntax($0) }
        avatar.provider = try map.value("provider").map { try $0.providerName() }
        avatar.seed = try map.int("seed", in: 0...Int(UInt32.max)).map { UInt32($0) }
        avatar.size = try map.int("size", in: 16...limits.imageSide)
        if avatar.image != nil, let other = map.value("provider") ?? map.value("seed") ?? map.value("size") {
            throw other.error("'\(other.field.split(separator: ".").last ?? "")' only applies to a generated avatar (avatar.prompt), not to avatar.image")
        }
        return avatar
    }
}

/// One explicit card field from `card.fields:`; lists for the list fields, text for the rest.
public struct CardFieldValue: Codable, Sendable, Equatable {
    public var key: String
    public var text: String?
    public var list: [String]?

    public init(key: String, text: String) {
        self.key = key
        self.text = text
    }

    public init(key: String, list: [String]) {
        self.key = key
        self.list = list
    }

    /// Card fields a manifest may set. Everything else (extensions, the book, assets) has its own place.
    public static let textFields = ["name", "nickname", "description", "personality", "scenario", "first_mes",
                                    "mes_example", "creator_notes", "system_prompt", "post_history_instructions",
                                    "creator", "character_version"]
    public static let listFields = ["alternate_greetings", "group_only_greetings", "tags", "source"]

    static func parseAll(_ node: DocumentNode) throws -> [CardFieldValue] {
        let map = try node.mapping(allowed: textFields + listFields)
        return try map.entries.compactMap { entry in
            guard !entry.value.isNull else { return nil }
            if listFields.contains(entry.key) {
                if case .sequence = entry.value.node {
                    return CardFieldValue(key: entry.key, list: try entry.value.list().map { try $0.string() })
                }
                return CardFieldValue(key: entry.key, list: [try entry.value.string()])
            }
            return CardFieldValue(key: entry.key, text: try entry.value.string())
        }
    }
}

/// `book:` — whether the input card's lorebook is kept, and entries to add.
public struct CardBookSettings: Codable, Sendable, Equatable {
    public var keep: Bool = true
    public var name: String?
    public var entries: [CardBookEntry] = []
    /// How many more entries a text provider (`card.writer`) should write (topics first, then
    /// the entries in batches); the local writer writes none.
    public var generate: Int?

    public init() {}

    static func parse(_ node: DocumentNode) throws -> CardBookSettings {
        let map = try node.mapping(allowed: ["keep", "name", "entries", "generate"])
        var book = CardBookSettings()
        book.keep = try map.bool("keep") ?? true
        book.name = try map.string("name")
        book.entries = try map.value("entries")?.list().map(CardBookEntry.parse) ?? []
        book.generate = try map.int("generate", in: 0...200)
        return book
    }
}

/// One lorebook entry written in a manifest (or taken from a source's `## Lore` section).
public struct CardBookEntry: Codable, Sendable, Equatable {
    public var keys: [String]
    public var content: String
    public var name: String?
    public var secondaryKeys: [String]?
    public var enabled: Bool = true
    public var constant: Bool?
    public var caseSensitive: Bool?
    public var insertionOrder: Int?
    public var position: String?

    /// The manifest's snake_case keys (see `JobSettings.CodingKeys`).
    enum CodingKeys: String, CodingKey {
        case keys, content, name, secondaryKeys = "secondary_keys", enabled, constant
        case caseSensitive = "case_sensitive", insertionOrder = "insertion_order", position
    }

    public init(keys: [String], content: String, name: String? = nil) {
        self.keys = keys
        self.content = content
        self.name = name
    }

    static func parse(_ node: DocumentNode) throws -> CardBookEntry {
        let map = try node.mapping(allowed: ["keys", "content", "name", "secondary_keys", "enabled", "constant",
                                             "case_sensitive", "insertion_order", "position"])
        let keysNode = try map.required("keys")
        let keys = try keysNode.stringList()
        if keys.isEmpty { throw keysNode.error("give at least one key") }
        var entry = CardBookEntry(keys: keys, content: try map.required("content").string(),
                                  name: try map.string("name"))
        entry.secondaryKeys = try map.stringList("secondary_keys")
        entry.enabled = try map.bool("enabled") ?? true
        entry.constant = try map.bool("constant")
        entry.caseSensitive = try map.bool("case_sensitive")
        entry.insertionOrder = try map.int("insertion_order", in: -1_000_000...1_000_000)
        if let value = map.value("position") {
            let text = try value.string()
            guard ["before_char", "after_char"].contains(text) else {
                throw value.error("'\(text)' is not one of before_char, after_char")
            }
            entry.position = text
        }
        return entry
    }
}
