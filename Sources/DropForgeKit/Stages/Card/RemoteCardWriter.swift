import Foundation
import DropForgeJSON
import DropForgeCore
import DropForgeCards

/// A text provider as the card writer (`card.writer: <provider>`): each field still empty after
/// the source, the input card and the overrides is written in its own call, in card order, each
/// call seeing the card as it stands (so the greeting knows the new description). Fields with
/// content are never sent for rewriting.
struct RemoteCardWriter: Sendable {
    let templates: PromptTemplates

    static let template = "card-writer.txt"

    /// What each field should hold, for the instruction.
    static let guidance: [(field: String, text: String)] = [
        ("description", "who {{char}} is: appearance, background, abilities and manner, 80 to 250 words."),
        ("personality", "a short summary of {{char}}'s personality traits, comma-separated."),
        ("scenario", "the situation in which {{user}} meets {{char}}, one or two sentences."),
        ("first_mes", "{{char}}'s first message to {{user}}: in character, with actions in *asterisks*, 40 to 150 words."),
        ("mes_example", "two short example exchanges, each starting with a line <START>, lines prefixed {{user}}: and {{char}}:."),
    ]

    static let schema = ReplySchema(name: "card_field", schema: [
        "type": "object", "additionalProperties": false, "required": ["text"],
        "properties": ["text": ["type": "string", "minLength": 1]],
    ])

    static let topicsSchema = ReplySchema(name: "lore_topics", schema: [
        "type": "object", "additionalProperties": false, "required": ["topics"],
        "properties": ["topics": ["type": "array", "items": ["type": "string", "minLength": 1]]],
    ])

    static let entriesSchema = ReplySchema(name: "lore_entries", schema: [
        "type": "object", "additionalProperties": false, "required": ["entries"],
        "properties": ["entries": ["type": "array", "items": [
            "type": "object", "additionalProperties": false, "required": ["keys", "content"],
            "properties": ["keys": ["type": "array", "items": ["type": "string", "minLength": 1], "minItems": 1],
                           "content": ["type": "string", "minLength": 1]],
        ]]],
    ])

    /// Entries a batch asks for at once.
    static let batchSize = 5

    /// `count` new lorebook entries: first a list of topics the card's world needs (not already
    /// covered), then the entries for those topics in batches, each call seeing the card.
    func lorebook(for card: CharacterCard, count: Int, provider: TextProvider, sampling: TextSampling) throws -> [CardBookEntry] {
        guard count > 0 else { return [] }
        let known = card.bookEntries.compactMap { $0["keys"]?.arrayValue?.compactMap(\.stringValue).joined(separator: ", ") }
        func ask(_ instruction: String, _ schema: ReplySchema) throws -> JSONValue {
            let prompt = templates.text(Self.template, [
                "card": JSONWriter.pretty(card.json), "field": "character_book", "guidance": instruction,
            ])
            return try provider.ask(prompt, schema: schema, sampling: sampling, call: .card).json ?? .null
        }
        let topicsReply = try ask("list \(count) lorebook topics (places, people, objects, events of {{char}}'s world) "
                                  + "that the card mentions or implies" + (known.isEmpty ? "" : "; not these, already written: "
                                  + known.joined(separator: "; ")) + ". Reply {\"topics\": [...]} instead of {\"text\"}.",
                                  Self.topicsSchema)
        let topics = Array((topicsReply["topics"]?.arrayValue ?? []).compactMap(\.stringValue).prefix(count))
        var entries: [CardBookEntry] = []
        for start in stride(from: 0, to: topics.count, by: Self.batchSize) {
            let batch = topics[start..<min(start + Self.batchSize, topics.count)]
            let reply = try ask("write one lorebook entry for each of these topics: " + batch.joined(separator: "; ")
                                + ". Each has trigger `keys` (the words that bring it up) and `content` (1 to 4 sentences of facts)."
                                + " Reply {\"entries\": [{\"keys\": [...], \"content\": \"...\"}]} instead of {\"text\"}.",
                                Self.entriesSchema)
            for entry in reply["entries"]?.arrayValue ?? [] {
                let keys = (entry["keys"]?.arrayValue ?? []).compactMap(\.stringValue)
                guard !keys.isEmpty, let content = entry["content"]?.stringValue else { continue }
                entries.append(CardBookEntry(keys: keys, content: content))
            }
        }
        return entries
    }

    /// The card with its empty fields written and the names of those fields.
    func complete(_ card: CharacterCard, provider: TextProvider, sampling: TextSampling) throws
        -> (card: CharacterCard, written: [String]) {
        var card = card
        var written: [String] = []
        for (field, guidance) in Self.guidance where !CardPlanner.isMeaningful(card.text(field)) {
            let prompt = templates.text(Self.template, [
                "card": JSONWriter.pretty(card.json), "field": field, "guidance": guidance,
            ])
            let text = try provider.ask(prompt, schema: Self.schema, sampling: sampling, call: .card) { reply in
                guard let text = reply.json?["text"]?.stringValue, CardPlanner.isMeaningful(text) else {
                    throw UnusableReply(provider: provider.name, reason: .missing("text for \(field)"), reply: reply.text)
                }
                return text
            }
            card.setField(field, .string(text))
            written.append(field)
        }
        return (card, written)
    }
}
