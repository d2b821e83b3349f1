import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
import DropForgeCore
import DropForgeStore
#endif

/// Who holds a lease: `host:pid:nonce`. A live process keeps an exclusive `flock` on
/// `.dropforge/owners/<owner>.lock`; when the process dies (even by `kill -9`) the kernel drops
/// the lock, so another process on the same host can tell at once that the leases are orphaned
/// and take them back, instead of waiting for them to expire.
public final class OwnerIdentity: Sendable {
    public let id: String
    private let lockFile: URL
    private let lock: Mutex<LockFile?>

    public init(layout: RootLayout) throws {
        let nonce = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        id = "\(OwnerIdentity.hostName):\(getpid()):\(nonce)"
        try FileManager.default.createDirectory(at: layout.owners, withIntermediateDirectories: true)
        lockFile = layout.owners.appendingPathComponent("\(id).lock")
        do {
            lock = Mutex(try LockFile(path: lockFile.path, wait: false))
        } catch {
            throw StageFailure(stage: "startup", code: .ownerLock, message: "\(error.localizedDescription)")
        }
    }

    deinit { close() }

    /// Gives up the identity (graceful exit). The lock file goes too.
    public func close() {
        lock.withLock { held in
            guard held != nil else { return }
            unlink(lockFile.path)
            held = nil
        }
    }

    /// `false` when `owner` ran on this host and its process is gone; `true` when it is alive
    /// or runs elsewhere (then only lease expiry can tell).
    public static func isAlive(_ owner: String, layout: RootLayout) -> Bool {
        guard owner.hasPrefix(hostName + ":") else { return true }
        let path = layout.owners.appendingPathComponent("\(owner).lock").path
        return LockFile.isHeld(at: path, removingIfFree: true) ?? false
    }

    /// This host's name in owner ids and `watch-<host>.lock`: `$DROPFORGE_HOST_ID` when set
    /// (hosts whose names clash — containers — or several "hosts" on one machine in a test),
    /// else the host name. Characters other than letters, digits, `.`, `_` and `-` become `-`
    /// (a `:` would break the owner id).
    public static let hostName: String = {
        if let id = ProcessInfo.processInfo.environment["DROPFORGE_HOST_ID"], !id.isEmpty { return sanitized(id) }
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count - 1)
        return sanitized(String(cString: buffer))
    }()

    static func sanitized(_ name: String) -> String {
        String(name.prefix(64).map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "-" })
    }
}
