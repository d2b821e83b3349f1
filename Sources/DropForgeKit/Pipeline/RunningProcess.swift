import Foundation
import DropForgeCore

/// A dropforge process working on a root now — a `watch`, a `drain`, a `jobs retry` running its
/// work — as its owner identity tells (`.dropforge/owners/<host:pid:nonce>.lock`, locked while
/// the process lives). `status` lists them, and `jobs logs --follow` says when there is none, so
/// a queued job nobody will run is not waited for in silence (issue 17).
public struct RunningProcess: Encodable, Sendable, Equatable {
    public var owner: String
    public var host: String
    public var pid: Int
    /// When its identity was taken: the lock file's modification time.
    public var since: Date?
    /// `watch` for the daemon that holds `watch.lock`, else `worker` (a drain or a command).
    public var role: String

    /// The processes of this host that hold their identity's lock, oldest first, and those of
    /// other hosts whose lock file is there (a shared root: they cannot be checked from here).
    public static func list(layout: RootLayout) -> [RunningProcess] {
        let files = (try? FileManager.default.contentsOfDirectory(at: layout.owners, includingPropertiesForKeys: [.contentModificationDateKey])) ?? []
        let watches = watchOwners(layout: layout)
        return files.filter { $0.pathExtension == "lock" }.compactMap { file -> RunningProcess? in
            let owner = file.deletingPathExtension().lastPathComponent
            let parts = owner.split(separator: ":")
            guard parts.count == 3, let pid = Int(parts[1]) else { return nil }
            // Only looked at, never removed: a reader must not race the engine's own reaping.
            if String(parts[0]) == OwnerIdentity.hostName, LockFile.isHeld(at: file.path) != true { return nil }
            let since = try? file.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate
            return RunningProcess(owner: owner, host: String(parts[0]), pid: pid, since: since,
                                  role: watches.contains(owner) ? "watch" : "worker")
        }.sorted { ($0.since ?? .distantPast) < ($1.since ?? .distantPast) }
    }

    /// The owners the running `watch`es wrote into their locks (`watch.lock`, and with a shared
    /// store `watch-<host>.lock`), of those locks that are held.
    static func watchOwners(layout: RootLayout) -> Set<String> {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: layout.state.path)) ?? []
        return Set(names.filter { $0 == "watch.lock" || ($0.hasPrefix("watch-") && $0.hasSuffix(".lock")) }.compactMap { name in
            let path = layout.state.appendingPathComponent(name).path
            guard LockFile.isHeld(at: path) == true, let data = FileManager.default.contents(atPath: path) else { return nil }
            let owner = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return owner.isEmpty ? nil : owner
        })
    }
}
