import Foundation
#if canImport(Glibc)
import Glibc
import DropForgeCore
import DropForgeStore
#endif

/// `dropforge watch`: the daemon. inotify events are hints (DESIGN §2): a rename into the inbox
/// is claimed at once, a closed write once it has settled, and the inbox is rescanned at start,
/// after an overflow and on a timer, because events can be lost (and never come over NFS/SMB).
// @unchecked Sendable: `watchLock` is set in `start()` before any thread is spawned, and never again.
public final class Watch: @unchecked Sendable {
    let runtime: Runtime
    let signals: SignalTrap
    /// Held for the process's life; the kernel drops it when the process ends.
    private var watchLock: LockFile?

    public init(runtime: Runtime, signals: SignalTrap) {
        self.runtime = runtime
        self.signals = signals
    }

    /// Runs until SIGTERM/SIGINT, then stops gracefully. SIGHUP or an edit of
    /// `config/dropforge.yaml` reloads the config (``ConfigReload``).
    public func run() throws {
        try acquireWatchLock()
        let config = runtime.config
        let watcher: InboxWatcher = config.watcher == .poll
            ? PollingWatcher(inbox: runtime.layout.inbox, pollInterval: config.pollIntervalMs)
            : InotifyWatcher(inbox: runtime.layout.inbox, rescanInterval: TimeInterval(config.rescanSeconds))
        let reload = ConfigReload(runtime: runtime)
        signals.onHangUp { reload.reload(because: "SIGHUP") }
        runtime.intake.adoptOrphans()
        runtime.startWork()
        try watcher.start()
        runtime.log.record(.info, job: "daemon", event: "started",
                           message: "watching \(runtime.layout.inbox.path) (\(config.watcher.rawValue)) as \(runtime.owner.id)")

        let intake = runtime.intake
        let engine = runtime.engine
        let log = runtime.log
        let done = DispatchSemaphore(value: 0)
        // Events are handled one at a time on a plain thread of its own: a claim is a few blocking
        // SQLite writes, which must not sit on Swift's cooperative pool; the stage work runs on
        // the engine's own threads, so a short blocking claim here holds nothing else up.
        let events = Thread {
            while let event = watcher.next() {
                switch event {
                case .arrived(let name):
                    if intake.claim(name) != nil { engine.ring() }
                case .written(let name):
                    if intake.observe(name) != nil { engine.ring() }
                case .rescan(let reason):
                    if reason == .overflow {
                        log.record(.warning, job: "daemon", event: "events_lost",
                                           message: "inotify's event queue overflowed (fs.inotify.max_queued_events); rescanning the inbox")
                    }
                    // A claim whose admission failed (the store was busy) is retried here too.
                    let adopted = reason == .startup ? [] : intake.adoptOrphans()
                    if !intake.scan().isEmpty || !adopted.isEmpty { engine.ring() }
                }
            }
            done.signal()
        }
        events.name = "dropforge.intake"
        events.start()

        // Files still settling are looked at again when they are due; the config file once a second.
        var configChecked = Date()
        while !signals.stopRequested {
            Thread.sleep(forTimeInterval: 0.05)
            if let due = intake.nextCheck(), due <= Date().timeIntervalSince1970 {
                if !intake.recheckWaiting().isEmpty { engine.ring() }
            }
            if Date().timeIntervalSince(configChecked) >= 1 {
                reload.reloadIfChanged()
                configChecked = Date()
            }
        }
        watcher.stop()
        _ = done.wait(timeout: .now() + 5)
        let clean = runtime.stopWork(grace: TimeInterval(config.shutdownGraceSeconds))
        runtime.log.record(.info, job: "daemon", event: "stopped",
                           message: clean ? "stopped; all steps finished" : "stopped; unfinished steps released for the next start")
    }

    /// One `watch` per root — or, with a shared store, per host: a second one would only
    /// compete for the same inotify events.
    private func acquireWatchLock() throws {
        let shared = runtime.config.store.isShared
        let path = runtime.layout.watchLock(shared: shared).path
        do {
            watchLock = try LockFile(path: path, wait: false)
        } catch {
            let scope = shared ? "on this host (\(OwnerIdentity.hostName)) for" : "on"
            throw StageFailure(stage: "startup", code: .watchRunning,
                               message: "another `dropforge watch` is already running \(scope) \(runtime.layout.root.path) (lock \(path)); use `dropforge drain` beside it, or stop it first")
        }
        // Who the daemon is, for `status` (its owner lock says since when it runs); a status
        // that cannot read it shows the daemon as a worker.
        try? Data(runtime.owner.id.utf8).write(to: URL(fileURLWithPath: path))
    }
}
