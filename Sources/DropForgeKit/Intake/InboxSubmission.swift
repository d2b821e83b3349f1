import Foundation
#if canImport(Glibc)
import Glibc
#endif
import DropForgeCore

/// Putting a manifest into the inbox so that no watcher ever sees it half-written: written to
/// `inbox/.tmp/` first, then renamed into `inbox/` (Maildir style). `dropforge submit` and
/// `POST /api/v1/jobs` both place files this way.
public enum InboxSubmission {
    /// Places `data` as `name` (or `stem-2.ext`, `stem-3.ext`… when the inbox has that name
    /// already) and returns the name it got in `inbox/`. The last step is link(2), which never
    /// replaces a file: two submissions of one name at once get two names (a rename would let
    /// the second overwrite the first).
    public static func place(_ data: Data, as name: String, in layout: RootLayout) throws -> String {
        try FileManager.default.createDirectory(at: layout.inboxTemp, withIntermediateDirectories: true)
        let temp = layout.inboxTemp.appendingPathComponent("\(name).\(ProcessInfo.processInfo.processIdentifier).\(UUID().uuidString.prefix(8)).tmp")
        try FileSystem.writeAtomically(data, to: temp)
        defer { unlink(temp.path) }
        let stem = (name as NSString).deletingPathExtension
        let ext = (name as NSString).pathExtension
        for number in 1... {
            let candidate = number == 1 ? name : "\(stem)-\(number).\(ext)"
            if link(temp.path, layout.inbox.appendingPathComponent(candidate).path) == 0 { return candidate }
            guard errno == EEXIST else { throw FileSystem.posixError("cannot place \(name) in \(layout.inbox.path)") }
        }
        fatalError("unreachable: the loop returns or throws")
    }
}
