import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An `flock` on a file beside the state: the kernel drops it when the process dies (even by
/// `kill -9`), so a lock left behind never blocks anyone. Used for "one `watch` per root", the
/// owner identity, opening the store and serialising review commands.
public final class LockFile: Sendable {
    public let path: String
    private let descriptor: Int32

    /// Opens (creating) `path` and takes an exclusive lock: waiting for it when `wait`, or
    /// throwing at once when another process holds it. Throws when the file cannot be opened.
    public init(path: String, wait: Bool) throws {
        self.path = path
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileSystem.posixError("cannot open \(path)") }
        var result: Int32
        repeat { result = flock(fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB) } while result != 0 && errno == EINTR
        guard result == 0 else {
            let error = FileSystem.posixError("cannot lock \(path)")
            close(fd)
            throw error
        }
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// Runs `body` holding the lock on `path`, waiting for it first.
    public static func withLock<T>(at path: String, _ body: () throws -> T) throws -> T {
        let lock = try LockFile(path: path, wait: true)
        return try withExtendedLifetime(lock) { try body() }
    }

    /// Whether a process holds the lock on the existing file at `path`; nil when there is no such
    /// file. A free lock's file is removed while it is briefly held, when `removingIfFree`.
    public static func isHeld(at path: String, removingIfFree: Bool = false) -> Bool? {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return errno == ENOENT ? nil : true }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return true }
        if removingIfFree { unlink(path) }
        return false
    }
}
