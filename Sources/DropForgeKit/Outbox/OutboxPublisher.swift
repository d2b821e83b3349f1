import Foundation

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
    @discardableResult
    public func publishFolder(named name: String, into parent: URL, build: (URL) throws -> Void) throws -> URL {
        let destination = parent.appendingPathComponent(name, isDirectory: true)
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: destination.path) { return destination }
        try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
        try fileManager.createDirectory(at: layout.staging, withIntermediateDirectories: true)
        let staging = layout.staging.appendingPathComponent("\(parent.lastPathComponent)-\(name)", isDirectory: true)
        try? fileManager.removeItem(at: staging)
        try fileManager.createDirectory(at: staging, withIntermediateDirectories: true)
        do {
            try build(staging)
            try FileSystem.rename(staging, to: destination)
        } catch {
            try? fileManager.removeItem(at: staging)
            throw error
        }
        return destination
    }

    /// Appends one line to `outbox/index.jsonl`: a folder was published or updated.
    public func appendIndex(job: String, execution: String, status: JobStatus, path: String, at date: Date) throws {
        struct Line: Encodable { var job: String; var execution: String; var status: String; var path: String; var at: String }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        var data = try encoder.encode(Line(job: job, execution: execution, status: status.rawValue, path: path, at: Timestamp.iso8601(date)))
        data.append(0x0A)
        try FileSystem.append(data, to: layout.index)
    }
}
