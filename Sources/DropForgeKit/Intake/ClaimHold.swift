import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A read-only descriptor on an inbox file, held from just before its claim until its bytes are
/// read, so that what is parsed is what a finished writer left (issue 17: a slow writer that
/// still had the file open was read half-way).
///
/// The kernel's answer comes first: a read lease (`F_SETLEASE`, `F_RDLCK`) is granted only when
/// no process has the file open for writing, and while it is held a writer's `open` waits until
/// it is released — so nothing can start writing between the check and the read. Where a lease
/// cannot be taken (another user's file without `CAP_LEASE`, a filesystem without leases)
/// ``OpenWriters`` looks in `/proc` instead, which sees this host's writers at that moment only.
/// A writer on another host of a network folder is seen by neither: `settle_ms` covers it.
final class ClaimHold {
    enum Outcome {
        case held(ClaimHold)
        /// Open for writing by some process on this host: look again later.
        case busy
        /// A symbolic link: never followed (it is claimed, then refused).
        case symlink
        /// Gone: another process claimed it.
        case gone
        /// Cannot be opened (e.g. no read permission).
        case failed
    }

    /// `F_SETLEASE` of <fcntl.h> (`F_LINUX_SPECIFIC_BASE + 0`), hidden from Swift behind _GNU_SOURCE.
    private static let setLease: Int32 = 1024

    private let fd: Int32
    private let leased: Bool

    private init(fd: Int32, leased: Bool) {
        self.fd = fd
        self.leased = leased
    }

    /// A lease break is signalled with SIGIO, whose default action ends the process; the hold is
    /// released within microseconds, so the signal is not needed and is ignored (once, at intake).
    static let ignoreLeaseBreaks: Void = { signal(SIGIO, SIG_IGN) }()

    static func take(_ path: String) -> Outcome {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            switch errno {
            case ELOOP: return .symlink
            case ENOENT: return .gone
            case EWOULDBLOCK: return .busy  // another process holds a write lease on it
            default: return .failed
            }
        }
        if fcntl(fd, Self.setLease, F_RDLCK) == 0 { return .held(ClaimHold(fd: fd, leased: true)) }
        if errno == EAGAIN {
            close(fd)
            return .busy
        }
        var info = stat()
        if fstat(fd, &info) == 0, OpenWriters.isOpenForWriting(device: UInt64(info.st_dev), inode: UInt64(info.st_ino)) {
            close(fd)
            return .busy
        }
        return .held(ClaimHold(fd: fd, leased: false))
    }

    /// At most `limit + 1` bytes, from the start: enough to tell an oversized manifest.
    func read(limit: Int) throws -> Data {
        try ClaimHold.read(fd: fd, limit: limit)
    }

    static func read(fd: Int32, limit: Int) throws -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while data.count <= limit {
            let wanted = min(buffer.count, limit + 1 - data.count)
            let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, wanted, off_t(data.count)) }
            if count < 0 {
                if errno == EINTR { continue }
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
            if count == 0 { break }
            data.append(contentsOf: buffer[..<count])
        }
        return data
    }

    deinit {
        if leased { _ = fcntl(fd, Self.setLease, F_UNLCK) }
        close(fd)
    }
}
