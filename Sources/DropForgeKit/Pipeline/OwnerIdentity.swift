import Foundation
#if canImport(Glibc)
import Glibc
import DropForgeStore
#endif

/// Who holds a lease: `host:pid:nonce`. A live process keeps an exclusive `flock` on
/// `.dropforge/owners/<owner>.lock`; when the process dies (even by `kill -9`) the kernel drops
/// the lock, so another process on the same host can tell at once that the leases are orphaned
/// and take them back, instead of waiting for them to expire.
public final class OwnerIdentity: @unchecked Sendable {
    public let id: String
    private let lockFile: URL
    private var descriptor: Int32

    public init(layout: RootLayout) throws {
        let nonce = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        id = "\(OwnerIdentity.hostName):\(getpid()):\(nonce)"
        try FileManager.default.createDirectory(at: layout.owners, withIntermediateDirectories: true)
        lockFile = layout.owners.appendingPathComponent("\(id).lock")
        descriptor = open(lockFile.path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0, flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            throw StageFailure(stage: "startup", code: .ownerLock, message: "cannot lock \(lockFile.path): \(String(cString: strerror(errno)))")
        }
    }

    deinit { close() }

    /// Gives up the identity (graceful exit). The lock file goes too.
    public func close() {
        guard descriptor >= 0 else { return }
        unlink(lockFile.path)
        Glibc.close(descriptor)
        descriptor = -1
    }

    /// `false` when `owner` ran on this host and its process is gone; `true` when it is alive
    /// or runs elsewhere (then only lease expiry can tell).
    public static func isAlive(_ owner: String, layout: RootLayout) -> Bool {
        guard owner.hasPrefix(hostName + ":") else { return true }
        let path = layout.owners.appendingPathComponent("\(owner).lock").path
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return errno != ENOENT }
        defer { Glibc.close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            unlink(path)
            return false
        }
        return true
    }

    static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count - 1)
        return String(cString: buffer)
    }()
}
