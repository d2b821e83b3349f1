import Foundation
import DropForgeCards

/// The offline card writer (`writer: local`): fills the card fields that are still empty after
/// the source, the input card and the overrides, from fixed templates.
///
/// It is deterministic and honest about what it is: it does not invent a character, it gives
/// every field a usable, consistent text built from what the card already says (name,
/// description, personality, tags), so the card imports and plays. `{{char}}` and `{{user}}`
/// stay placeholders, as chat apps expect. Fields a person or the source wrote are never touched.
public struct LocalCardWriter: Sendable {
    public init() {}

    /// The fields this writer fills when empty, in the order it fills them (later templates can
    /// use earlier results).
    public static let templates: [(field: String, template: String)] = [
        ("description", "{{char}}{tag_phrase} is curious about {{user}} and remembers what {{user}} shares."),
        ("personality", "{personality_words}"),
        ("scenario", "{{user}} meets {{char}} for the first time."),
        ("first_mes", "*{name} looks up as {{user}} approaches.* \"Oh — hello, {{user}}. I'm {name}. {description_first}\""),
        ("mes_example", "<START>\n{{user}}: Who are you?\n{{char}}: I'm {name}. {description_first}"),
    ]

    /// Fills empty fields; returns the card and the names of the fields it wrote.
    public func complete(_ card: CharacterCard) -> (card: CharacterCard, written: [String]) {
        var card = card
        var written: [String] = []
        for (field, template) in Self.templates where !CardPlanner.isMeaningful(card.text(field)) {
            card.setField(field, .string(fill(template, card: card)))
            written.append(field)
        }
        return (card, written)
    }

    func fill(_ template: String, card: CharacterCard) -> String {
        let name = card.name
        let tags = card.strings("tags")
        let description = card.text("description") ?? ""
        let values: [String: String] = [
            "name": name,
            "tag_phrase": tags.isEmpty ? "" : " (" + tags.prefix(3).joined(separator: ", ") + ")",
            "personality_words": tags.isEmpty ? "friendly, attentive, curious" : tags.prefix(5).joined(separator: ", "),
            "description_first": Self.firstSentence(of: description, naming: name),
        ]
        return PromptTemplates.fill(template, values)
    }

    /// The description's first sentence with `{{char}}` spelled out (it is spoken by the
    /// character), or an empty string when there is none.
    static func firstSentence(of text: String, naming name: String) -> String {
        let flat = text.replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(of: "\n", with: " ")
            .trimmingCharacters(in: .whitespaces)
        guard !flat.isEmpty else { return "" }
        var sentence = flat
        if let end = flat.range(of: #"[.!?](\s|$)"#, options: .regularExpression) {
            sentence = String(flat[..<end.upperBound]).trimmingCharacters(in: .whitespaces)
        }
        if sentence.count > 200 { sentence = String(sentence.prefix(199)) + "…" }
        return sentence.replacingOccurrences(of: "{{char}}", with: name)
    }
}
