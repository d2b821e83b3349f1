import Foundation
import GRDB

/// The state database cannot grow: the disk is full or the file-size limit was reached, even
/// after its write-ahead log was checkpointed and truncated. Nothing is lost (the transaction
/// rolled back; the step or claim is tried again later), but nothing moves until there is room.
public struct StoreSpaceError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var underlying: DatabaseError

    public var description: String {
        "cannot write the state database \(path): no space (the disk is full or the file-size limit, ulimit -f, "
            + "was reached); free space or raise the limit, and dropforge resumes (SQLite: \(underlying.message ?? "\(underlying.resultCode)"))"
    }
}
