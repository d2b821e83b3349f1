import Foundation
import Synchronization
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
    /// file or the new one, never a part. `fsync` first, so a crash cannot leave an empty file —
    /// except inside a folder being built by `buildDurably`, whose one barrier covers the file.
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
        if failure == nil, !isDeferred(destination) {
            IOCounters.countFileSync()
            if fsync(fd) != 0 { failure = posixError("cannot sync \(temp.path)") }
        }
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

    /// `fsync` of a file written by other means (libxlsxwriter) before it is renamed into place;
    /// nothing inside a folder being built by `buildDurably`, whose barrier covers it.
    public static func sync(_ file: URL) throws {
        guard !isDeferred(file) else { return }
        let fd = open(file.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw posixError("cannot open \(file.path)") }
        defer { close(fd) }
        IOCounters.countFileSync()
        guard fsync(fd) == 0 else { throw posixError("cannot sync \(file.path)") }
    }

    // MARK: One durability barrier per folder

    /// How the files of a built folder are made durable together.
    public enum Barrier: Sendable, Equatable {
        /// One `syncfs(2)` on the folder's filesystem: the kernel writes back every dirty page and
        /// inode of that filesystem and commits its journal once. Measured cheapest here (see
        /// docs/performance.md); it also waits for other processes' dirty data on the same
        /// filesystem. Falls back to `eachFile` where the call is missing or refused.
        case syncfs
        /// An `fsync` per regular file of the tree, all issued after the last write.
        case eachFile
    }

    /// Runs `build`, which writes the files of `folder` (a staging folder no reader sees), without
    /// a sync per file, then makes the whole tree durable at once: the barrier (`syncfs`, or an
    /// `fsync` per file), then an `fsync` of every subfolder and of `folder` itself, so each
    /// name in it is on disk too. After it returns, a power loss keeps `folder` exactly as built;
    /// renaming it into place is then the commit point (`OutboxPublisher.publishFolder`).
    ///
    /// Inside `build`, `writeAtomically` and `sync(_:)` skip their own `fsync` for files under
    /// `folder` (from any thread; other paths keep theirs). Hard links and copies are covered too.
    public static func buildDurably(_ folder: URL, barrier: Barrier = .syncfs, _ build: () throws -> Void) throws {
        let prefix = folder.path.hasSuffix("/") ? folder.path : folder.path + "/"
        deferred.withLock { $0[prefix, default: 0] += 1 }
        do {
            defer {
                deferred.withLock {
                    $0[prefix, default: 1] -= 1
                    if $0[prefix] == 0 { $0[prefix] = nil }
                }
            }
            try build()
        }
        try makeDurable(folder, barrier: barrier)
    }

    /// The barrier of `buildDurably` alone: every file under `folder`, then every folder of the
    /// tree (deepest first, `folder` last), synced.
    public static func makeDurable(_ folder: URL, barrier: Barrier = .syncfs) throws {
        var files: [String] = []
        var directories: [String] = []
        try walk(folder.path, files: &files, directories: &directories)
        let synced = barrier == .syncfs ? try syncFilesystem(of: folder.path) : false
        if !synced {
            for file in files { try syncPath(file, directory: false) }
        }
        for directory in directories { try syncPath(directory, directory: true) }
    }

    /// `fsync` of a directory, so the names created, renamed or removed in it survive a power loss.
    public static func syncDirectory(_ folder: URL) throws {
        try syncPath(folder.path, directory: true)
    }

    /// Folders being built by `buildDurably`, each as "path/", with how many builds hold it.
    private static let deferred = Mutex<[String: Int]>([:])

    static func isDeferred(_ file: URL) -> Bool {
        deferred.withLock { folders in
            guard !folders.isEmpty else { return false }
            let path = file.path
            return folders.keys.contains { path.hasPrefix($0) }
        }
    }

    /// Regular files of the tree in `files`, its folders deepest first (the root last) in
    /// `directories`. Symbolic links are neither followed nor synced.
    private static func walk(_ path: String, files: inout [String], directories: inout [String]) throws {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw posixError("cannot list \(path)")
        }
        for name in names.sorted() {
            let child = path + "/" + name
            var info = stat()
            guard lstat(child, &info) == 0 else { throw posixError("cannot stat \(child)") }
            switch info.st_mode & S_IFMT {
            case S_IFDIR: try walk(child, files: &files, directories: &directories)
            case S_IFREG: files.append(child)
            default: break
            }
        }
        directories.append(path)
    }

    /// `syncfs(2)` on the filesystem holding `path`; false when this system does not offer it
    /// (no such call, or a filesystem that refuses it), so the caller syncs file by file instead.
    /// A write-back error it reports (Linux ≥ 5.8 does: EIO, ENOSPC) is thrown.
    private static func syncFilesystem(of path: String) throws -> Bool {
        guard let call = syncfsCall else { return false }
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw posixError("cannot open \(path) to sync it") }
        defer { close(fd) }
        IOCounters.countFilesystemSync()
        if call(fd) == 0 { return true }
        if errno == ENOSYS || errno == EINVAL || errno == ENOTSUP || errno == EPERM { return false }
        throw posixError("cannot sync the filesystem of \(path)")
    }

    /// glibc's `syncfs`, looked up once: Swift's Glibc module does not declare it (it is a GNU
    /// extension), and a C shim for one call is not worth a target.
    private nonisolated(unsafe) static let syncfsCall: (@convention(c) (Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "syncfs") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32) -> Int32).self)
    }()

    private static func syncPath(_ path: String, directory: Bool) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC | (directory ? O_DIRECTORY : 0))
        guard fd >= 0 else { throw posixError("cannot open \(path) to sync it") }
        defer { close(fd) }
        if directory { IOCounters.countDirectorySync() } else { IOCounters.countFileSync() }
        guard fsync(fd) == 0 else {
            // Some filesystems cannot sync a directory (EINVAL): their names are as durable as they get.
            if directory && (errno == EINVAL || errno == ENOTSUP) { return }
            throw posixError("cannot sync \(path)")
        }
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
