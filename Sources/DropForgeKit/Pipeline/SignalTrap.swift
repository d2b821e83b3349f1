import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM/SIGINT handling (DESIGN §4): the first signal asks for a graceful stop; a second
/// one exits at once (the store keeps everything needed to resume).
// @unchecked Sendable: `count` and `sources` are guarded by `lock`.
public final class SignalTrap: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let lock = NSLock()
    private var count = 0

    public init() {}

    /// Makes a write past the file-size limit (`ulimit -f`, RLIMIT_FSIZE) fail with EFBIG
    /// instead of killing the process with SIGXFSZ, whose default action is to dump core. A full
    /// disk (ENOSPC) already fails the write; a size limit must too, so that the step fails or
    /// retries with a clear error and the daemon keeps running. Called first thing at start-up.
    public static func ignoreFileSizeLimitSignal() {
        signal(SIGXFSZ, SIG_IGN)
    }

    /// True once a stop was asked for.
    public var stopRequested: Bool { lock.withLock { count > 0 } }

    public func install(onFirst: @escaping @Sendable () -> Void = {}) {
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [self] in
                let seen = lock.withLock { () -> Int in
                    count += 1
                    return count
                }
                if seen == 1 {
                    onFirst()
                } else {
                    _exit(128 + signalNumber)
                }
            }
            source.resume()
            sources.append(source)
        }
    }
}
