/// A free-text card field that a source document can fill from a `##` section.
///
/// Raw values are the Character Card V2/V3 JSON keys, so a caller can copy a field straight into
/// `data.<rawValue>`. List-shaped parts of a source (alternate greetings, tags, lore) are not
/// fields here: they have their own properties on ``CardSource``.
public enum CardSourceField: String, CaseIterable, Sendable {
    case description
    case personality
    case scenario
    case firstMessage = "first_mes"
    case exampleMessages = "mes_example"
    case systemPrompt = "system_prompt"
    case postHistoryInstructions = "post_history_instructions"
    case creatorNotes = "creator_notes"
}
