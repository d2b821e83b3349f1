import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM/SIGINT handling (DESIGN §4): the first signal asks for a graceful stop; a second
/// one exits at once (the store keeps everything needed to resume). SIGHUP, for a daemon,
/// means "read your config again" (``onHangUp(_:)``).
public final class SignalTrap: Sendable {
    /// Kept so the sources live as long as the trap.
    // nonisolated(unsafe): only `install` and `onHangUp` write it, at start-up before any other
    // thread runs; nothing reads it.
    private nonisolated(unsafe) var sources: [DispatchSourceSignal] = []
    /// Signals seen so far.
    private let count = Atomic<Int>(0)

    public init() {}

    /// Makes a write past the file-size limit (`ulimit -f`, RLIMIT_FSIZE) fail with EFBIG
    /// instead of killing the process with SIGXFSZ, whose default action is to dump core. A full
    /// disk (ENOSPC) already fails the write; a size limit must too, so that the step fails or
    /// retries with a clear error and the daemon keeps running. Called first thing at start-up.
    public static func ignoreFileSizeLimitSignal() {
        signal(SIGXFSZ, SIG_IGN)
    }

    /// True once a stop was asked for.
    public var stopRequested: Bool { count.load(ordering: .acquiring) > 0 }

    /// Runs `handler` on each SIGHUP instead of the default action, which ends the process.
    public func onHangUp(_ handler: @escaping @Sendable () -> Void) {
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler(handler: handler)
        source.resume()
        sources.append(source)
    }

    public func install(onFirst: @escaping @Sendable () -> Void = {}) {
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [self] in
                let seen = count.add(1, ordering: .acquiringAndReleasing).newValue
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
