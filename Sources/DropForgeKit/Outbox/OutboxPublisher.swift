import Foundation
import DropForgeCore
import DropForgeStore

/// Puts folders into the outbox so downstream tools never see them half-written (DESIGN §1):
/// each folder is built under `outbox/.staging/` and renamed into place in one step, and single
/// files are replaced by rename, never rewritten in place.
public struct OutboxPublisher: Sendable {
    public let layout: RootLayout

    public init(layout: RootLayout) {
        self.layout = layout
    }

    /// Builds `name` in staging with `build`, then renames it into `parent/name`.
    /// When the destination already exists — a crash came after the rename but before the store
    /// recorded it — the published folder is kept as it is and nothing is built again.
    ///
    /// One durability barrier per folder (docs/decisions.md, "Publishing and power loss"): the
    /// files are written with no `fsync` each, then made durable together (`syncfs`, and an
    /// `fsync` of every folder of the tree), then the one rename — still the commit point —
    /// then an `fsync` of `parent`, so the folder is on disk, whole, before the store records it.
    @discardableResult
    public func publishFolder(named name: String, into parent: URL, barrier: FileSystem.Barrier = .syncfs,
                              build: (URL) throws -> Void) throws -> URL {
        let destination = parent.appendingPathComponent(name, isDirectory: true)
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: destination.path) {
            // Renamed by an attempt that died before its directory sync: sync it now.
            try FileSystem.syncDirectory(parent)
            return destination
        }
        try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
        try fileManager.createDirectory(at: layout.staging, withIntermediateDirectories: true)
        let staging = layout.staging.appendingPathComponent("\(parent.lastPathComponent)-\(name)", isDirectory: true)
        try? fileManager.removeItem(at: staging)
        try fileManager.createDirectory(at: staging, withIntermediateDirectories: true)
        do {
            try FileSystem.buildDurably(staging, barrier: barrier) { try build(staging) }
            try FileSystem.rename(staging, to: destination)
        } catch {
            try? fileManager.removeItem(at: staging)
            throw error
        }
        try FileSystem.syncDirectory(parent)
        return destination
    }

    /// Appends one line to `outbox/index.jsonl`: a folder was published or updated.
    public func appendIndex(job: String, execution: String, status: JobStatus, path: String, at date: Date) throws {
        try appendIndex(job: job, execution: execution, status: status.rawValue, path: path, at: date)
    }

    /// Whether `index.jsonl` already has the line of `execution` published as `status`: a
    /// publication run again after a crash that came between its index line and the store's
    /// record (on this host, or a host whose lease expired) must not add a second one. Read only
    /// on that path, when the folder was found already published.
    public func indexHasLine(execution: String, status: JobStatus) -> Bool {
        guard let text = try? String(contentsOf: layout.index, encoding: .utf8) else { return false }
        let line = String(decoding: JSONLine.make(["execution": execution, "status": status.rawValue]), as: UTF8.self)
        return text.contains(line.dropFirst().dropLast(2))  // `"execution":"…","status":"…"`
    }

    /// Also for what is not a job status: `deleted` (the folder is gone; `path` says where it was).
    public func appendIndex(job: String, execution: String, status: String, path: String?, at date: Date) throws {
        let line = JSONLine.make(["job": job, "execution": execution, "status": status, "path": path,
                                  "at": Timestamp.iso8601(date)])
        try FileSystem.append(line, to: layout.index)
    }
}
