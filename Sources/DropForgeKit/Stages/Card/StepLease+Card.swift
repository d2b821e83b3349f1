import Foundation
import DropForgeCore
import DropForgeCards
import DropForgeStore

extension StepLease {
    /// The card plan of a card job's item.
    func cardPlan() throws -> (item: ItemPlan, card: CardPlan) {
        let plan = try plan()
        guard let card = plan.card else {
            throw StepError.permanent(.planInvalid, "item \(plan.index + 1) of a card job has no card plan")
        }
        return (plan, card)
    }

    /// The card written beside the item's current image (by generate, then metadata).
    func currentCard(layout: RootLayout, limits: Limits) throws -> (card: CharacterCard, imagePath: String) {
        guard let imagePath = item?.imagePath else {
            throw StepError.permanent(.imageMissing, "item has no generated avatar")
        }
        let data = try Data(contentsOf: layout.resolve(CardPlan.cardPath(forImage: imagePath)))
        return (try CharacterCard.parse(data, maxBytes: limits.cardJSONBytes), imagePath)
    }
}
