import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Lists the manifest candidates in the inbox: the rescan that makes intake correct even
/// when inotify events are lost (DESIGN §2).
///
/// Written on `opendir`/`readdir`/`fstatat` rather than `FileManager` because a backlog of
/// tens of thousands of drops must be listed in milliseconds, and names are filtered
/// (``ManifestFileFilter``) before any `stat` is paid for.
public struct InboxScanner: Sendable {
    /// The folder listed.
    public let inbox: URL

    public init(inbox: URL) {
        self.inbox = inbox
    }

    /// The candidate files, oldest first (by mtime, then name), so earlier drops are taken
    /// first. Regular files count, and so does every symbolic link (to a file or not): it is
    /// claimed by renaming the link and then refused (`manifest_symlink`), so that it ends in
    /// `failures/` with a reason instead of waiting in the inbox unexplained. Directories and
    /// special files are skipped, and files that vanish while listing.
    /// - Throws: ``IntakeError`` when the folder cannot be opened or read.
    public func candidates() throws -> [InboxFile] {
        let path = inbox.path
        guard let dir = opendir(path) else {
            throw IntakeError(folder: path, operation: "opendir", code: errno)
        }
        defer { closedir(dir) }
        let dirFD = dirfd(dir)
        var files: [InboxFile] = []
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                if errno != 0 { throw IntakeError(folder: path, operation: "readdir", code: errno) }
                break
            }
            let type = entry.pointee.d_type
            if type == UInt8(DT_DIR) { continue }
            let name: String? = withUnsafeBytes(of: &entry.pointee.d_name) { raw in
                let used = raw.firstIndex(of: 0) ?? raw.count
                return String(validating: raw[..<used], as: UTF8.self)
            }
            guard let name, ManifestFileFilter.isCandidate(name) else { continue }
            if let file = Self.stat(dirFD: dirFD, name: name) { files.append(file) }
        }
        files.sort { ($0.modified, $0.name) < ($1.modified, $1.name) }
        return files
    }

    /// The current size and mtime of one candidate, or nil when it is gone, is neither a
    /// regular file nor a symlink, or is not a manifest name. For following up a `.written` event.
    public func file(named name: String) -> InboxFile? {
        guard ManifestFileFilter.isCandidate(name) else { return nil }
        return Self.stat(dirFD: AT_FDCWD, name: inbox.appendingPathComponent(name).path, reportedName: name)
    }

    private static func stat(dirFD: Int32, name: String, reportedName: String? = nil) -> InboxFile? {
        var info = Glibc.stat()
        guard fstatat(dirFD, name, &info, AT_SYMLINK_NOFOLLOW) == 0,  // the link itself, never its target
              [S_IFREG, S_IFLNK].contains(info.st_mode & S_IFMT) else { return nil }
        let modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1_000_000_000
        return InboxFile(name: reportedName ?? name, size: Int64(info.st_size), modified: modified)
    }
}
