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
    ///
    /// A full disk or a file-size limit can make the `write` short: part of a line lands and the
    /// rest does not. That part is cut off again (when nothing was appended after it), so a
    /// `.jsonl` file never ends in half a line that readers would choke on.
    public static func append(_ data: Data, to file: URL) throws {
        let fd = open(file.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw posixError("cannot open \(file.path)") }
        defer { close(fd) }
        var written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if written > 0 && written < data.count {
            // Short: the rest either fits now or fails with the reason (EFBIG, ENOSPC).
            let rest = data.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if rest > 0 { written += rest }
        }
        guard written == data.count else {
            let code = errno
            if written > 0 {
                let end = lseek(fd, 0, SEEK_CUR)  // just past our bytes: O_APPEND wrote at the end
                var info = stat()
                if end >= written, fstat(fd, &info) == 0, info.st_size == end {
                    _ = ftruncate(fd, end - written)
                }
            }
            errno = code
            throw posixError("cannot append to \(file.path)")
        }
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

    package static func posixError(_ message: String) -> Error {
        let code = errno
        return NSError(domain: NSPOSIXErrorDomain, code: Int(code),
                       userInfo: [NSLocalizedDescriptionKey: "\(message): \(explain(code))"])
    }

    /// `strerror`, spelled out for the errors of a full disk, which people must be able to act on
    /// from `error.json` alone ("File too large" alone does not say that a limit was hit).
    public static func explain(_ code: Int32) -> String {
        switch code {
        case ENOSPC: return "no space left on the device (disk full); free space, then `dropforge jobs retry`"
        case EDQUOT: return "disk quota exceeded; free space or raise the quota, then `dropforge jobs retry`"
        case EFBIG: return "file too large: the file-size limit (ulimit -f, RLIMIT_FSIZE) or the filesystem's largest file was reached; raise the limit, then `dropforge jobs retry`"
        default: return String(cString: strerror(code))
        }
    }

    /// True for the errors of a full disk or a file-size limit.
    public static func isNoSpace(_ code: Int) -> Bool {
        code == Int(ENOSPC) || code == Int(EDQUOT) || code == Int(EFBIG)
    }
}
