import Foundation

/// `dropforge init`: lays out a new root with the default config, profiles, templates, keywords
/// and example manifests — the very files of the repository's own `config/`, bundled with the
/// binary — so a new root starts from exactly what `make run` runs.
public struct RootInitializer {
    public struct Failure: Error {
        public var message: String
    }

    public let layout: RootLayout

    public init(layout: RootLayout) {
        self.layout = layout
    }

    /// The bundled copy of the default `config/` folder.
    public static var defaultConfig: URL? {
        Bundle.module.url(forResource: "DefaultConfig", withExtension: nil)
    }

    /// Creates the folders and copies the defaults; `copyExamples` also drops the examples into `inbox/`.
    /// Returns the files written.
    @discardableResult
    public func initialize(copyExamples: Bool) throws -> [URL] {
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: layout.configFile.path) {
            throw Failure(message: "\(layout.configFile.path) already exists; init never overwrites a config (remove it, or use another --root)")
        }
        guard let source = Self.defaultConfig else {
            throw Failure(message: "the default config is not bundled with this dropforge binary (dropforge_DropForgeKit.resources must sit beside it)")
        }
        try layout.createFolders()
        var written: [URL] = []
        let enumerator = fileManager.enumerator(at: source, includingPropertiesForKeys: [.isDirectoryKey])
        while let file = enumerator?.nextObject() as? URL {
            let relative = String(file.standardizedFileURL.path.dropFirst(source.standardizedFileURL.path.count + 1))
            let target = layout.config.appendingPathComponent(relative)
            if (try? file.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true {
                try fileManager.createDirectory(at: target, withIntermediateDirectories: true)
            } else if !fileManager.fileExists(atPath: target.path) {
                try fileManager.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                try fileManager.copyItem(at: file, to: target)
                written.append(target)
            }
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
