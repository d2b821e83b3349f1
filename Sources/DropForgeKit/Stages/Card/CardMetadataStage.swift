import Foundation
import DropForgeJSON
import DropForgeCore
import DropForgeStore

/// Stage 4 of a card job: the card's own metadata. Tags (kept when the card has some, else
/// taken from its description), `creator` (`dropforge` when empty), `character_version` (`1.0`
/// when empty) and, for V3, `creation_date` (kept when set) and `modification_date` (now, or
/// `SOURCE_DATE_EPOCH`). Writes `0001.png` (the avatar) and `0001.card.json`.
public struct CardMetadataStage: StageRunner {
    public let stage = Stage.metadata
    let layout: RootLayout
    let limits: Limits

    public init(layout: RootLayout, limits: Limits) {
        self.layout = layout
        self.limits = limits
    }

    public func run(_ lease: StepLease) throws -> StepOutcome {
        let (plan, cardPlan) = try lease.cardPlan()
        var (card, imagePath) = try lease.currentCard(layout: layout, limits: limits)

        var tags = card.strings("tags")
        if tags.isEmpty {
            let description = (card.text("description") ?? "").replacingOccurrences(of: "{{char}}", with: card.name)
                .replacingOccurrences(of: "{{user}}", with: "")
            tags = LocalMetadataWriter().makeTags(prompt: description, keyword: "", values: [:])
            card.setField("tags", .array(tags.map(JSONValue.string)))
        }
        if (card.text("creator") ?? "").isEmpty { card.setField("creator", "dropforge") }
        if (card.text("character_version") ?? "").isEmpty { card.setField("character_version", "1.0") }
        if cardPlan.spec == .v3 {
            let now = Int(DropForge.creationDate().timeIntervalSince1970)
            if card.fields["creation_date"]?.numberValue == nil { card.setField("creation_date", .number(now)) }
            card.setField("modification_date", .number(now))
        }

        let file = try layout.workFile(execution: lease.execution.id, named: "\(itemFileStem(plan.index)).png")
        try FileSystem.writeAtomically(card.prettyJSON, to: URL(fileURLWithPath: CardPlan.cardPath(forImage: file.path)))
        try FileSystem.writeAtomically(Data(contentsOf: layout.resolve(imagePath)), to: file)
        imagePath = layout.relativePath(file)
        let summary = LocalCardWriter.firstSentence(of: card.text("description") ?? "", naming: card.name)
        let metadata = ImageMetadata(title: card.name, description: summary, tags: tags)
        return .described(metadata: try JSONCoding.encode(metadata), imagePath: imagePath)
    }
}
