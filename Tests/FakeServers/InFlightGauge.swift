import Foundation
import Synchronization

/// Counts what is in progress at once — requests a fake server is answering, calls a limiter
/// let through — and the most there ever were.
public final class InFlightGauge: Sendable {
    private let counts = Mutex((now: 0, most: 0))

    public init() {}

    public var most: Int { counts.withLock { $0.most } }

    public func enter() { counts.withLock { $0.now += 1; $0.most = max($0.most, $0.now) } }
    public func leave() { counts.withLock { $0.now -= 1 } }

    /// Counted for `seconds`: a slow request.
    public func hold(_ seconds: TimeInterval) {
        enter()
        defer { leave() }
        Thread.sleep(forTimeInterval: seconds)
    }
}
