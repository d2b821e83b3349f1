/// Decides when a file that was written in place (not renamed in) is complete.
///
/// There is no portable "writer is done" signal: `IN_CLOSE_WRITE` fires on every close, and on
/// NFS/SMB nothing fires at all. So a file is taken once it has kept the same size and mtime
/// for `settle` seconds since it was first seen that way, or at once when its mtime is
/// already `settle` old (files that were waiting when dropforge started). Any change in size
/// or mtime restarts the clock. Pure and clock-injected so the rule is tested exactly.
///
/// `now` is wall-clock seconds since 1970, the clock of ``InboxFile/modified``. The caller
/// forgets files that vanished or were claimed (``forget(_:)``, ``forgetAll(except:)``).
public struct SettleTracker: Sendable {
    /// Seconds a file must stay unchanged (`settle_ms` / 1000).
    public let settle: Double

    private struct Seen: Sendable {
        var size: Int64
        var modified: Double
        var since: Double
        /// Not taken before this time, settled or not (a file still open for writing).
        var notBefore: Double = 0
    }
    private var seen: [String: Seen] = [:]

    public init(settle: Double) {
        self.settle = max(settle, 0)
    }

    /// Records the file's current state; returns true when it has settled and should be
    /// taken now. A settled file is no longer tracked (the caller takes it); if it is seen
    /// again later it is judged afresh.
    public mutating func observe(_ file: InboxFile, now: Double) -> Bool {
        if let previous = seen[file.name], now < previous.notBefore {
            return false
        }
        if settle == 0 {                             // settling disabled
            seen[file.name] = nil
            return true
        }
        if let previous = seen[file.name] {
            if previous.size != file.size || previous.modified != file.modified {
                seen[file.name] = Seen(size: file.size, modified: file.modified, since: now)
                return false                       // changed: restart the clock
            }
            if now - previous.since >= settle || now - file.modified >= settle {
                seen[file.name] = nil
                return true
            }
            return false
        }
        if now - file.modified >= settle {           // already quiet for long enough
            return true
        }
        seen[file.name] = Seen(size: file.size, modified: file.modified, since: now)
        return false
    }

    /// Seconds a file found open for writing waits before it is looked at again (at least).
    public static let busyRecheck = 0.25

    /// A settled file turned out to be open for writing: it is watched again as if just
    /// changed, and not taken before `settle` (at least ``busyRecheck``) has passed.
    public mutating func postpone(_ file: InboxFile, now: Double) {
        seen[file.name] = Seen(size: file.size, modified: file.modified, since: now,
                               notBefore: now + max(settle, Self.busyRecheck))
    }

    /// Stops tracking a file (claimed by someone, or gone).
    public mutating func forget(_ name: String) {
        seen[name] = nil
    }

    /// Stops tracking every file not in `names` (e.g. the names of the latest scan), so
    /// files that vanished do not linger.
    public mutating func forgetAll(except names: Set<String>) {
        seen = seen.filter { names.contains($0.key) }
    }

    /// How many files are being watched until they settle.
    public var waiting: Int { seen.count }

    /// The earliest time (same clock as `now`) at which a waiting file could settle if it
    /// does not change, never earlier than `now`; nil when nothing is waiting. The intake
    /// loop sleeps until then and re-observes the waiting files.
    public func nextCheck(now: Double) -> Double? {
        let earliest = seen.values.map { max(min($0.since, $0.modified) + settle, $0.notBefore) }.min()
        return earliest.map { max($0, now) }
    }

    /// The names of the files waiting to settle, for re-checking them at ``nextCheck(now:)``.
    public var waitingNames: [String] { seen.keys.sorted() }
}
