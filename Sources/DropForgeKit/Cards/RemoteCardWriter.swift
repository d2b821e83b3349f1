import Foundation

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

    /// The card with its empty fields written, the names of those fields, and the calls' usage.
    func complete(_ card: CharacterCard, provider: TextProvider, sampling: TextSampling) throws
        -> (card: CharacterCard, written: [String], usage: [UsageRecord]) {
        var card = card
        var written: [String] = []
        var usage: [UsageRecord] = []
        for (field, guidance) in Self.guidance where !CardPlanner.isMeaningful(card.text(field)) {
            let prompt = templates.text(Self.template, [
                "card": JSONWriter.pretty(card.json), "field": field, "guidance": guidance,
            ])
            let reply = try provider.complete(TextRequest(messages: [ChatMessage(role: .user, text: prompt)],
                                                          schema: Self.schema, sampling: sampling))
            guard let text = reply.json?["text"]?.stringValue else {
                throw StepError.permanent("invalid_output", "provider '\(provider.name)' wrote no text for \(field)")
            }
            card.setField(field, .string(text))
            written.append(field)
            usage.append(UsageRecord(provider: provider.name, reply: reply))
        }
        return (card, written, usage)
    }
}
