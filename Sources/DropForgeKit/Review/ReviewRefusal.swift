import Foundation

/// Why a review command did nothing; each says what to do instead.
public enum ReviewRefusal: Error, CustomStringConvertible, Equatable {
    case badReference(String)
    case notFound(String)
    /// The item is not waiting in review; `why` says where it stands.
    case notWaiting(item: String, why: String)
    /// Card items can be dismissed from review, not approved or retried.
    case cardItem(item: String)
    /// The execution ended for another reason than QC (cancelled, export failure).
    case notApprovable(item: String, why: String)
    /// Another review decision on the same item came first.
    case changedMeanwhile(item: String)

    public var description: String {
        switch self {
        case .badReference(let text):
            "'\(text)' does not name an item; write <execution>/<NNNN> (e.g. cozy-cats-7f3k2q/0003) or the path of its file in outbox/review/"
        case .notFound(let text):
            "no item '\(text)'; `dropforge review list` shows the items waiting in review"
        case .notWaiting(let item, let why):
            "\(item) is not waiting in review: \(why)"
        case .cardItem(let item):
            "\(item) is a character card: cards cannot be approved or retried in review; `dropforge review reject \(item)` dismisses it, `dropforge jobs rerun` makes the card again"
        case .notApprovable(let item, let why):
            "\(item) cannot be published: \(why); `dropforge review reject \(item)` dismisses it"
        case .changedMeanwhile(let item):
            "\(item) was changed by another review command meanwhile; nothing was done, look again with `dropforge review list`"
        }
    }
}
