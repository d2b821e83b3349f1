/// A manifest candidate found in the inbox, with what ``SettleTracker`` needs to tell a
/// complete file from one still being written.
public struct InboxFile: Sendable, Equatable, Hashable {
    /// The bare file name inside the inbox.
    public var name: String
    /// Size in bytes.
    public var size: Int64
    /// Last modification, seconds since 1970 with sub-second precision (from `st_mtim`).
    public var modified: Double

    public init(name: String, size: Int64, modified: Double) {
        self.name = name
        self.size = size
        self.modified = modified
    }
}
