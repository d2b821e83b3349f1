import Foundation
import DropForgeCore

/// `dropforge init`: lays out a new root with the default config, profiles, templates, keywords
/// and example manifests — the very files of the repository's own `config/`, compiled into the
/// binary (`DefaultFiles`, made by `make defaults`) — so a new root starts from what `make run` runs.
public struct RootInitializer {
    public struct Failure: Error {
        public var message: String
    }

    public let layout: RootLayout

    public init(layout: RootLayout) {
        self.layout = layout
    }

    /// Creates the folders and writes the defaults; `copyExamples` also drops the examples into `inbox/`.
    /// Returns the files written.
    @discardableResult
    public func initialize(copyExamples: Bool) throws -> [URL] {
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: layout.configFile.path) {
            throw Failure(message: "\(layout.configFile.path) already exists; init never overwrites a config (remove it, or use another --root)")
        }
        try layout.createFolders()
        var written: [URL] = []
        for (path, contents) in DefaultFiles.files {
            let target = layout.config.appendingPathComponent(path)
            guard !fileManager.fileExists(atPath: target.path) else { continue }
            try fileManager.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileSystem.writeAtomically(Data(contents.utf8), to: target)
            written.append(target)
        }
        if copyExamples {
            written += try Self.copyExamples(from: layout.config.appendingPathComponent("examples"), into: layout)
        }
        return written
    }

    /// Copies example manifests into `inbox/` the safe way (via `inbox/.tmp/` and a rename).
    public static func copyExamples(from folder: URL, into layout: RootLayout) throws -> [URL] {
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: layout.inboxTemp, withIntermediateDirectories: true)
        var written: [URL] = []
        for name in try fileManager.contentsOfDirectory(atPath: folder.path).sorted() where ManifestFileFilter.isCandidate(name) {
            let temp = layout.inboxTemp.appendingPathComponent(name)
            try? fileManager.removeItem(at: temp)
            try fileManager.copyItem(at: folder.appendingPathComponent(name), to: temp)
            let target = layout.inbox.appendingPathComponent(name)
            try FileSystem.rename(temp, to: target)
            written.append(target)
        }
        return written
    }
}
