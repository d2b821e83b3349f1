import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The few file operations the crash-safety rules rest on, as plain POSIX calls so their
/// atomicity is not left to a wrapper's interpretation.
public enum FileSystem {
    /// `rename(2)`: atomic on one filesystem; replaces a file, fails on a non-empty folder.
    public static func rename(_ source: URL, to destination: URL) throws {
        guard Glibc.rename(source.path, destination.path) == 0 else {
            throw posixError("cannot rename \(source.path) to \(destination.path)")
        }
    }

    /// Writes `data` beside `destination` and renames it into place, so readers see the old
    /// file or the new one, never a part. `fsync` first, so a crash cannot leave an empty file.
    public static func writeAtomically(_ data: Data, to destination: URL) throws {
        let temp = destination.deletingLastPathComponent()
            .appendingPathComponent(".\(destination.lastPathComponent).\(UInt32.random(in: 0...UInt32.max)).tmp")
        let fd = open(temp.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw posixError("cannot create \(temp.path)") }
        var failure: Error?
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = posixError("cannot write \(temp.path)")
                    return
                }
                offset += written
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = posixError("cannot sync \(temp.path)") }
        close(fd)
        if let failure {
            unlink(temp.path)
            throw failure
        }
        do {
            try rename(temp, to: destination)
        } catch {
            unlink(temp.path)
            throw error
        }
    }

    /// Appends with one `write` on an `O_APPEND` descriptor: concurrent appenders never interleave a line.
    public static func append(_ data: Data, to file: URL) throws {
        let fd = open(file.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw posixError("cannot open \(file.path)") }
        defer { close(fd) }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == data.count else { throw posixError("cannot append to \(file.path)") }
    }

    /// A hard link when possible (same filesystem, no copy), else a copy.
    public static func linkOrCopy(_ source: URL, to destination: URL) throws {
        if link(source.path, destination.path) == 0 { return }
        try FileManager.default.copyItem(at: source, to: destination)
    }

    /// Removes a folder so that it disappears at once: renamed into `staging` first (atomic),
    /// then deleted there. False when there was nothing to remove.
    @discardableResult
    public static func removeByRename(_ folder: URL, staging: URL) throws -> Bool {
        guard FileManager.default.fileExists(atPath: folder.path) else { return false }
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        let trash = staging.appendingPathComponent(".trash-\(UInt32.random(in: 0...UInt32.max))-\(folder.lastPathComponent)")
        try rename(folder, to: trash)
        try FileManager.default.removeItem(at: trash)
        return true
    }

    static func posixError(_ message: String) -> Error {
        let code = errno
        return NSError(domain: NSPOSIXErrorDomain, code: Int(code),
                       userInfo: [NSLocalizedDescriptionKey: "\(message): \(String(cString: strerror(code)))"])
    }
}
