import Foundation

/// The ``InboxWatcher`` for `watcher: poll`: no inotify at all, just `.rescan(.startup)` and
/// then `.rescan(.timer)` every `pollInterval` milliseconds.
///
/// For network folders (NFS/SMB), where files written by other hosts never raise inotify
/// events. Every file found this way is unverified, so the intake loop must let it settle
/// (same size and mtime for `settle_ms`, see ``SettleTracker``) before taking it.
// @unchecked Sendable: `loop` and `stopped` are guarded by `lock`.
public final class PollingWatcher: InboxWatcher, @unchecked Sendable {
    /// The polled folder (kept for logs; the watcher itself never touches it).
    public let inbox: URL
    /// Milliseconds between rescans.
    public let pollInterval: Int
    public let events: AsyncStream<InboxEvent>

    private let continuation: AsyncStream<InboxEvent>.Continuation
    private let lock = NSLock()
    private var loop: WatchLoop?
    private var stopped = false

    /// - Parameters:
    ///   - inbox: the folder being polled.
    ///   - pollInterval: milliseconds between `.rescan(.timer)` events (at least 1).
    public init(inbox: URL, pollInterval: Int = 2000) {
        self.inbox = inbox
        self.pollInterval = max(pollInterval, 1)
        (events, continuation) = AsyncStream.makeStream(of: InboxEvent.self, bufferingPolicy: .unbounded)
    }

    deinit { stop() }

    public func start() throws {
        lock.lock()
        defer { lock.unlock() }
        guard loop == nil, !stopped else { return }
        let continuation = self.continuation
        let loop = WatchLoop(
            name: "dropforge.poll", watchedFD: nil, interval: TimeInterval(pollInterval) / 1000,
            onTick: { continuation.yield(.rescan(.timer)) })
        continuation.yield(.rescan(.startup))
        try loop.start(folder: inbox.path)
        continuation.onTermination = { [weak loop] _ in loop?.requestStop() }
        self.loop = loop
    }

    public func stop() {
        lock.lock()
        let loop = self.loop
        self.loop = nil
        stopped = true
        lock.unlock()
        loop?.stopAndJoin()
        continuation.finish()
    }
}
