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
        var assetWarnings: [String] = []
        if let path = cardSettings.inputCard {
            do {
                (input, assetWarnings) = try Self.selfContained(try CardFile.read(contentsOf: layout.resolve(path), limits: limits),
                                                                limit: limits.cardJSONBytes)
                assetWarnings = assetWarnings.map { "input card \(path): \($0)" }
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
                           avatarImage: avatar.image, fileName: fileName, warnings: result.warnings + assetWarnings))
        return .expanded([try JSONCoding.encode(plan)])
    }

    /// The input card with the files its asset URIs point at (a CHARX's, a PNG's asset chunks)
    /// written into it as `data:` URIs, so the job's card files carry them in their own form;
    /// its main icon becomes `ccdefault:`, since the job draws its own avatar. When the files
    /// would push the card JSON over `limit`, they are left out with a warning.
    static func selfContained(_ file: CardFile, limit: Int) throws -> (CharacterCard, [String]) {
        var card = file.card
        if let list = card.fields["assets"]?.arrayValue {
            card.setField("assets", .array(list.map { entry in
                guard entry["type"]?.stringValue == "icon", entry["name"]?.stringValue == "main" else { return entry }
                var entry = entry
                entry["uri"] = "ccdefault:"
                return entry
            }))
        }
        let inlined = try CardEncoder.inlined(card, assets: file.assets)
        let size = inlined.card.compactJSON.count
        guard size > limit else { return inlined }
        let bare = try CardEncoder.inlined(card, assets: CardAssets())
        return (bare.card, ["its embedded files would make the card \(size) bytes of JSON, over the \(limit)-byte limit; they were left out"]
            + bare.warnings)
    }

    /// `portrait of Captain Mei Lin, commands the airship Kestrel`: the name and the gist of
    /// the description, for an avatar nobody described.
    static func avatarPrompt(for card: CharacterCard) -> String {
        let gist = LocalCardWriter.firstSentence(of: card.text("description") ?? "", naming: card.name)
        let trimmed = gist.count > 120 ? String(gist.prefix(120)) : gist
        return trimmed.isEmpty ? "portrait of \(card.name)" : "portrait of \(card.name), \(trimmed)"
    }
}
