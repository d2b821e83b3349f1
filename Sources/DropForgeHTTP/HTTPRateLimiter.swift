import Foundation

/// Per-provider limits from the config (`concurrency`, `requests_per_minute`, DESIGN §5): at most
/// `concurrency` requests in flight, and at most `requestsPerMinute` started in any 60-second
/// window. A local GPU box wants `concurrency: 1`; a hosted API wants a request rate.
///
/// One limiter per provider entry, shared by every stage that uses that provider. Callers wrap
/// each request (each attempt, retries included) in `withPermit`. Waiting suspends the task; it
/// never blocks a thread, and cancelling the task while it waits throws `CancellationError`.
///
/// The window is a sliding log of start times rather than a refilling bucket so that a burst
/// after an idle minute can never exceed the stated rate. The clock is injectable so tests
/// can run minutes of virtual time instantly.
// @unchecked Sendable: `starts` is guarded by `lock`.
public final class HTTPRateLimiter: @unchecked Sendable {
    public let concurrency: Int
    public let requestsPerMinute: Int?
    /// Length of the window `requestsPerMinute` applies to (60 s; shorter only in tests).
    public let window: TimeInterval

    private let permits: AsyncPermitQueue
    private let now: @Sendable () -> TimeInterval
    private let sleep: @Sendable (TimeInterval) async throws -> Void
    private let lock = NSLock()
    /// Start times granted within the last window (some may lie in the future: reserved slots).
    private var starts: [TimeInterval] = []

    /// - Parameters:
    ///   - concurrency: requests allowed in flight at once (at least 1).
    ///   - requestsPerMinute: requests allowed to start per window; `nil` or ≤ 0 means unlimited.
    ///   - now: a monotonic clock in seconds (default: system uptime, immune to wall-clock jumps).
    ///   - sleep: suspends for the given seconds and throws if the task is cancelled.
    public init(
        concurrency: Int = 1,
        requestsPerMinute: Int? = nil,
        window: TimeInterval = 60,
        now: @escaping @Sendable () -> TimeInterval = { ProcessInfo.processInfo.systemUptime },
        sleep: @escaping @Sendable (TimeInterval) async throws -> Void = { seconds in
            try await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1_000_000_000))
        }
    ) {
        self.concurrency = max(1, concurrency)
        self.requestsPerMinute = (requestsPerMinute ?? 0) > 0 ? requestsPerMinute : nil
        self.window = window
        self.permits = AsyncPermitQueue(limit: max(1, concurrency))
        self.now = now
        self.sleep = sleep
    }

    /// Runs `body` once both a concurrency permit and a slot in the rate window are free.
    ///
    /// The concurrency permit is taken first so the recorded start time is the real start time:
    /// reserving a rate slot and then queueing behind a slow request would let two requests
    /// start closer together than the window allows.
    public func withPermit<T>(_ body: () async throws -> T) async throws -> T {
        try await permits.acquire()
        defer { permits.release() }
        if let slot = reserveSlot() {
            let delay = slot - now()
            if delay > 0 {
                do {
                    try await sleep(delay)
                    try Task.checkCancellation()
                } catch {
                    releaseSlot(slot)
                    throw error
                }
            }
        }
        return try await body()
    }

    /// Picks the earliest start time that keeps every window within the rate, and records it.
    private func reserveSlot() -> TimeInterval? {
        guard let limit = requestsPerMinute else { return nil }
        lock.lock()
        defer { lock.unlock() }
        let current = now()
        starts.removeAll { $0 <= current - window }
        var slot = max(current, starts.last ?? current)
        if starts.count >= limit {
            slot = max(slot, starts[starts.count - limit] + window)
        }
        starts.append(slot)
        return slot
    }

    private func releaseSlot(_ slot: TimeInterval) {
        lock.lock()
        if let index = starts.lastIndex(of: slot) { starts.remove(at: index) }
        lock.unlock()
    }
}
