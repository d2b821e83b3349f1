import Foundation
import DropForgeCore

/// Putting a manifest into the inbox so that no watcher ever sees it half-written: written to
/// `inbox/.tmp/` first, then renamed into `inbox/` (Maildir style). `dropforge submit` and
/// `POST /api/v1/jobs` both place files this way.
public enum InboxSubmission {
    /// Places `data` as `name` (or `stem-2.ext`, `stem-3.ext`… when the inbox has that name
    /// already) and returns the name it got in `inbox/`.
    public static func place(_ data: Data, as name: String, in layout: RootLayout) throws -> String {
        try FileManager.default.createDirectory(at: layout.inboxTemp, withIntermediateDirectories: true)
        let placed = freeName(for: name, in: layout.inbox)
        let temp = layout.inboxTemp.appendingPathComponent("\(placed).\(ProcessInfo.processInfo.processIdentifier).\(UUID().uuidString.prefix(8)).tmp")
        try FileSystem.writeAtomically(data, to: temp)
        try FileSystem.rename(temp, to: layout.inbox.appendingPathComponent(placed))
        return placed
    }

    static func freeName(for name: String, in inbox: URL) -> String {
        let stem = (name as NSString).deletingPathExtension
        let ext = (name as NSString).pathExtension
        var candidate = name
        var number = 2
        while FileManager.default.fileExists(atPath: inbox.appendingPathComponent(candidate).path) {
            candidate = "\(stem)-\(number).\(ext)"
            number += 1
        }
        return candidate
    }
}
