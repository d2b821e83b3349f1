import Foundation
import Synchronization

/// The ``InboxWatcher`` for `watcher: poll`: no inotify at all, just `.rescan(.startup)` and
/// then `.rescan(.timer)` every `pollInterval` milliseconds.
///
/// For network folders (NFS/SMB), where files written by other hosts never raise inotify
/// events. Every file found this way is unverified, so the intake loop must let it settle
/// (same size and mtime for `settle_ms`, see ``SettleTracker``) before taking it.
public final class PollingWatcher: InboxWatcher {
    /// The polled folder (kept for logs; the watcher itself never touches it).
    public let inbox: URL
    /// Milliseconds between rescans.
    public let pollInterval: Int

    private struct State {
        var loop: WatchLoop?
        var stopped = false
    }

    private let queue = InboxEventQueue()
    private let state = Mutex(State())

    /// - Parameters:
    ///   - inbox: the folder being polled.
    ///   - pollInterval: milliseconds between `.rescan(.timer)` events (at least 1).
    public init(inbox: URL, pollInterval: Int = 2000) {
        self.inbox = inbox
        self.pollInterval = max(pollInterval, 1)
    }

    deinit { stop() }

    public func next() -> InboxEvent? { queue.next() }

    public func start() throws {
        try state.withLock { state in
            guard state.loop == nil, !state.stopped else { return }
            let queue = self.queue
            let loop = WatchLoop(
                name: "dropforge.poll", watchedFD: nil, interval: TimeInterval(pollInterval) / 1000,
                onTick: { queue.push(.rescan(.timer)) })
            queue.push(.rescan(.startup))
            try loop.start(folder: inbox.path)
            state.loop = loop
        }
    }

    public func stop() {
        let loop = state.withLock { state in
            defer { state.loop = nil; state.stopped = true }
            return state.loop
        }
        loop?.stopAndJoin()
        queue.finish()
    }
}
