import Foundation

/// The folders of a dropforge root (DESIGN §1). Every path dropforge touches comes from here.
public struct RootLayout: Sendable {
    public let root: URL

    public init(root: URL) {
        self.root = root.standardizedFileURL
    }

    public var inbox: URL { root.appendingPathComponent("inbox", isDirectory: true) }
    /// Writers may write here first, then rename into `inbox/` (Maildir style).
    public var inboxTemp: URL { inbox.appendingPathComponent(".tmp", isDirectory: true) }
    /// Claimed manifests, one per live job.
    public var processing: URL { inbox.appendingPathComponent(".processing", isDirectory: true) }
    public var outbox: URL { root.appendingPathComponent("outbox", isDirectory: true) }
    public var results: URL { outbox.appendingPathComponent("results", isDirectory: true) }
    public var failures: URL { outbox.appendingPathComponent("failures", isDirectory: true) }
    public var review: URL { outbox.appendingPathComponent("review", isDirectory: true) }
    public var logs: URL { outbox.appendingPathComponent("logs", isDirectory: true) }
    /// Where folders are built before one rename publishes them.
    public var staging: URL { outbox.appendingPathComponent(".staging", isDirectory: true) }
    public var index: URL { outbox.appendingPathComponent("index.jsonl") }
    public var config: URL { root.appendingPathComponent("config", isDirectory: true) }
    public var configFile: URL { config.appendingPathComponent("dropforge.yaml") }
    public var profiles: URL { config.appendingPathComponent("profiles", isDirectory: true) }
    public var state: URL { root.appendingPathComponent(".dropforge", isDirectory: true) }
    public var database: URL { state.appendingPathComponent("state.sqlite") }
    public var work: URL { state.appendingPathComponent("work", isDirectory: true) }
    public var owners: URL { state.appendingPathComponent("owners", isDirectory: true) }
    /// Locked by the one `watch` of the root, which writes its owner identity into it.
    public var watchLock: URL { state.appendingPathComponent("watch.lock") }

    /// With a shared store, one `watch` per host: `watch-<host>.lock`.
    public func watchLock(host: String) -> URL { state.appendingPathComponent("watch-\(host).lock") }

    /// The lock of this host's `watch`: the root's one, or this host's with a shared store.
    public func watchLock(shared: Bool) -> URL { shared ? watchLock(host: OwnerIdentity.hostName) : watchLock }

    public func log(job: String) -> URL { logs.appendingPathComponent("\(job).jsonl") }

    /// Creates every folder the daemon writes to (all on one filesystem, so renames are atomic).
    public func createFolders() throws {
        for folder in [inbox, inboxTemp, processing, outbox, results, failures, review, logs, staging, state, work, owners] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
    }

    /// The root from `--root`, else `$DROPFORGE_ROOT`, else the current folder.
    public static func resolve(_ option: String?) -> RootLayout {
        let path = option ?? ProcessInfo.processInfo.environment["DROPFORGE_ROOT"] ?? FileManager.default.currentDirectoryPath
        return RootLayout(root: URL(fileURLWithPath: path, isDirectory: true))
    }
}
