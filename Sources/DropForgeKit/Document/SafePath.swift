import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Paths named in manifests and profiles (`template_file`, `keywords_file`, ...).
///
/// They are relative to the root's `config/` folder and must stay inside the root (DESIGN §9):
/// absolute paths, `..` components and NUL are refused as written, and the real path (symlinks
/// followed) must still lie under the root's real path, so a symlink cannot smuggle
/// `/etc/passwd` into an export.
public enum SafePath {
    /// Why a path was refused; callers position it at the field that named the path.
    public struct Rejection: Error, Sendable, Equatable {
        public var message: String
    }

    /// The lexical rules, without touching the file system.
    public static func checkSyntax(_ path: String) throws -> String {
        if path.isEmpty { throw Rejection(message: "the path is empty") }
        if path.contains("\0") { throw Rejection(message: "the path contains a NUL character") }
        if path.hasPrefix("/") || path.hasPrefix("~") {
            throw Rejection(message: "'\(path)' is absolute; use a path relative to config/ (e.g. keywords/cats.csv)")
        }
        if path.split(separator: "/").contains("..") {
            throw Rejection(message: "'\(path)' contains '..'; paths may not leave the root")
        }
        return path
    }

    /// Resolves `path` against `configDirectory` and returns the real file URL inside `rootDirectory`.
    public static func resolve(_ path: String, configDirectory: URL, rootDirectory: URL) throws -> URL {
        _ = try checkSyntax(path)
        guard let rootReal = realPath(rootDirectory.path) else {
            throw Rejection(message: "the root folder \(rootDirectory.path) does not exist")
        }
        let candidate = configDirectory.appendingPathComponent(path).path
        guard let real = realPath(candidate) else {
            throw Rejection(message: "'\(path)' not found (looked for config/\(path))")
        }
        guard real == rootReal || real.hasPrefix(rootReal.hasSuffix("/") ? rootReal : rootReal + "/") else {
            throw Rejection(message: "'\(path)' leads outside the root (through a symbolic link)")
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: real, isDirectory: &isDirectory), isDirectory.boolValue {
            throw Rejection(message: "'\(path)' is a folder, not a file")
        }
        return URL(fileURLWithPath: real)
    }

    static func realPath(_ path: String) -> String? {
        guard let pointer = realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }
}

extension SafePath {
    /// Lexical check of a path-valued field, positioned at that field.
    static func checkSyntax(_ node: DocumentNode) throws -> String {
        let path = try node.nonEmptyString()
        do { return try checkSyntax(path) } catch let rejection as Rejection { throw node.error(rejection.message) }
    }
}

extension SafePath {
    /// Reads at most `maxBytes` (+1 to notice overflow) so a huge file is refused without loading it.
    public static func readFile(_ url: URL, maxBytes: Int) throws -> Data {
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: url) } catch {
            throw Rejection(message: "cannot read \(url.lastPathComponent): \(error.localizedDescription)")
        }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: maxBytes + 1)) ?? Data()
        if data.count > maxBytes {
            throw Rejection(message: "\(url.lastPathComponent) is over the limit of \(maxBytes) bytes")
        }
        return data
    }
}
