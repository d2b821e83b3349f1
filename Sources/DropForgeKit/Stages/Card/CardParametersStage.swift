import Foundation
import DropForgeCore
import DropForgeCards
import DropForgeStore

/// Stage 1 of a card job: builds the card plan from the source material, the input card and the
/// explicit fields (see `CardPlanner`), and the avatar's prompt, seed and size.
public struct CardParametersStage: StageRunner {
    public let stage = Stage.parameters
    let layout: RootLayout
    let limits: Limits

    public init(layout: RootLayout, limits: Limits) {
        self.layout = layout
        self.limits = limits
    }

    public func run(_ lease: StepLease) throws -> StepOutcome {
        let settings = try lease.settings()
        guard let cardSettings = settings.card else {
            throw StepError.permanent(.settingsInvalid, "a card job's settings have no card section")
        }
        var input: CharacterCard?
        if let path = cardSettings.inputCard {
            do {
                input = try CardFile.read(contentsOf: layout.resolve(path), limits: limits).card
            } catch let error as StepError {
                throw error
            } catch {
                throw StepError.permanent(.inputCardInvalid, "input card \(path): \(error)")
            }
        }
        let result: CardPlanner.Result
        do {
            result = try CardPlanner(settings: cardSettings, jobName: settings.name).plan(input: input)
        } catch {
            throw StepError.permanent(.cardInvalid, "cannot plan the card: \(error)")
        }
        let card = result.card
        let name = card.name
        let fileName = Manifest.sanitizedName(name).isEmpty ? settings.name : Manifest.sanitizedName(name)
        let avatar = cardSettings.avatar
        let prompt = avatar.prompt ?? Self.avatarPrompt(for: card)
        let plan = ItemPlan(
            index: 0, prompt: prompt, negative: "", seed: avatar.seed ?? UInt32(truncatingIfNeeded: lease.execution.baseSeed),
            width: avatar.size, height: avatar.size, aspectRatio: "1:1", keyword: name, values: [:],
            card: CardPlan(spec: cardSettings.spec, json: String(decoding: card.compactJSON, as: UTF8.self),
                           avatarImage: avatar.image, fileName: fileName, warnings: result.warnings))
        return .expanded([try JSONCoding.encode(plan)])
    }

    /// `portrait of Captain Mei Lin, commands the airship Kestrel`: the name and the gist of
    /// the description, for an avatar nobody described.
    static func avatarPrompt(for card: CharacterCard) -> String {
        let gist = LocalCardWriter.firstSentence(of: card.text("description") ?? "", naming: card.name)
        let trimmed = gist.count > 120 ? String(gist.prefix(120)) : gist
        return trimmed.isEmpty ? "portrait of \(card.name)" : "portrait of \(card.name), \(trimmed)"
    }
}
