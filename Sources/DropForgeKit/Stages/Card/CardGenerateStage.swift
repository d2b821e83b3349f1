import Foundation
import DropForgeMedia
import DropForgeCore
import DropForgeCards
import DropForgeStore

/// Stage 2 of a card job: the avatar (rendered by the image provider from the plan's prompt, or
/// the PNG the manifest named) and the card fields the writer fills. Writes `0001.gen.png` and
/// `0001.gen.card.json` to the work folder.
public struct CardGenerateStage: StageRunner {
    public let stage = Stage.generate
    let layout: RootLayout
    let providers: ProviderRegistry
    let limits: Limits

    public init(layout: RootLayout, providers: ProviderRegistry, limits: Limits) {
        self.layout = layout
        self.providers = providers
        self.limits = limits
    }

    public func run(_ lease: StepLease) throws -> StepOutcome {
        let settings = try lease.settings()
        let (plan, cardPlan) = try lease.cardPlan()
        let planned = try CharacterCard.parse(Data(cardPlan.json.utf8))
        var card: CharacterCard
        if let writer = try providers.textProvider(named: settings.card?.writer ?? "local") {
            let remote = RemoteCardWriter(templates: PromptTemplates(layout: layout))
            let sampling = settings.text ?? TextSampling()
            let written = try remote.complete(planned, provider: writer, sampling: sampling)
            card = written.card
            let lore = try remote.lorebook(for: card, count: settings.card?.book.generate ?? 0, provider: writer, sampling: sampling)
            card = CardPlanner.adding(lore, to: card)
        } else {
            card = LocalCardWriter().complete(planned).card
        }

        let png: Data
        let pixels: RGBAImage
        if let path = cardPlan.avatarImage {
            let data = try Data(contentsOf: layout.resolve(path))
            do {
                pixels = try PNGCodec.decode(data, limits: limits.pngLimits).image
            } catch {
                throw StepError.permanent(.avatarInvalid, "avatar image \(path): \(error)")
            }
            png = data
        } else {
            (png, pixels) = try GenerateStage.render(plan, with: try providers.imageProvider(named: settings.generate.provider),
                                                     settings: settings.generate.settings)
        }
        let file = try layout.workFile(execution: lease.execution.id, named: "\(itemFileStem(plan.index)).gen.png")
        try FileSystem.writeAtomically(card.prettyJSON, to: URL(fileURLWithPath: CardPlan.cardPath(forImage: file.path)))
        try FileSystem.writeAtomically(png, to: file)
        return .generated(imagePath: layout.relativePath(file), pixels: pixels)
    }
}
