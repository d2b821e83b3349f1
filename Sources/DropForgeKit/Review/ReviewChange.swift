import DropForgeStore

/// One item's review decision, made but not yet in the outbox or the store: `ReviewQueue`
/// prepares every item of a command first, then applies each execution's changes at once.
struct ReviewChange: Sendable {
    /// The item as it was found (the store's guard compares against it).
    var target: ReviewItem
    /// The item as the decision leaves it. Approved: `imagePath` is the image to publish (in
    /// review, or the metadata stage's output); still rejected: the image to keep in review.
    var item: ItemRecord
    var action: ReviewQueue.Outcome.Action

    var number: Int { item.index + 1 }
    var publishes: Bool { item.status == .approved }
}
