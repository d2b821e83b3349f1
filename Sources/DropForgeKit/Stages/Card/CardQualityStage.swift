import Foundation
import DropForgeMedia
import DropForgeCore
import DropForgeCards
import DropForgeStore

/// Stage 3 of a card job: the card checks. `spec`: the card validates against the spec the
/// job writes (errors only; unknown keys are warnings and pass); `required`: `name`,
/// `description` and `first_mes` are not empty; `avatar`: the avatar decodes; `embed`: the
/// card embedded into the avatar reads back from the PNG equal to the card (its embedded files
/// by content).
public struct CardQualityStage: StageRunner {
    public let stage = Stage.quality
    let layout: RootLayout
    let limits: Limits

    public static let requiredFields = ["name", "description", "first_mes"]

    public init(layout: RootLayout, limits: Limits) {
        self.layout = layout
        self.limits = limits
    }

    public func run(_ lease: StepLease) throws -> StepOutcome {
        let (_, plan) = try lease.cardPlan()
        let (card, imagePath) = try lease.currentCard(layout: layout, limits: limits)
        let written = try card.converted(to: plan.spec)
        var results: [QualityCheckResult] = []

        let errors = CardValidator.validate(written, as: plan.spec).filter { $0.severity == .error }
        results.append(.init(check: "spec", passed: errors.isEmpty,
                             detail: errors.isEmpty ? "valid \(plan.spec.rawValue) card"
                                 : errors.prefix(5).map(\.description).joined(separator: "; ")))

        let empty = Self.requiredFields.filter { (card.text($0) ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        results.append(.init(check: "required", passed: empty.isEmpty,
                             detail: empty.isEmpty ? "name, description and first_mes are filled" : "empty: " + empty.joined(separator: ", ")))

        let avatar = try Data(contentsOf: layout.resolve(imagePath))
        do {
            let image = try PNGCodec.decode(avatar, limits: limits.pngLimits).image
            results.append(.init(check: "avatar", passed: true, detail: "avatar decodes as \(image.width)×\(image.height)"))
            let embedded = try CardEncoder.png(card, spec: plan.spec, into: avatar).bytes
            let back = try CardFile.read(embedded, limits: limits)
            // Embedded files are compared by content: the PNG spells them `__asset:N`.
            let same = try CardEncoder.inlined(back.card, assets: back.assets).card.json
                .semanticallyEquals(CardEncoder.inlined(written, assets: CardAssets()).card.json)
            results.append(.init(check: "embed", passed: same,
                                 detail: same ? "reads back equal from \(back.chosenChunk ?? "?")" : "the card read back from the PNG differs"))
        } catch {
            results.append(.init(check: "avatar", passed: false, detail: "\(error)"))
        }
        let failed = results.filter { !$0.passed }
        return .checked(passed: failed.isEmpty,
                        reason: failed.isEmpty ? nil : failed.map { "\($0.check): \($0.detail)" }.joined(separator: "; "),
                        checks: try JSONCoding.encode(results))
    }
}
