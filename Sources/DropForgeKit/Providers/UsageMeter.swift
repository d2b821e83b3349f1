import Foundation

/// The provider calls of the step running on this thread, whatever happens to the step.
///
/// Why a thread-bound meter: tokens are spent when a server answers, not when a stage accepts
/// the answer. A reply that breaks its schema, a step that fails on its third call or is
/// cancelled after two have still cost what the server reported (issue 17: a card that spent
/// 8.4k tokens before failing reported 0). So the provider reads each call's usage into the
/// meter as soon as it has parsed a reply, and the engine stores what the meter holds with the
/// step's transition — success or failure — in the step's own transaction. Stages never pass
/// usage along themselves. Like `StepCancellation`, it needs no parameter through the stages.
public final class UsageMeter {
    /// Only ever touched by the thread whose dictionary holds it.
    public private(set) var records: [UsageRecord] = []
    /// One line per reply that was unusable and asked for again (``TextProvider/ask(_:image:schema:sampling:call:read:)``).
    public private(set) var resamples: [String] = []

    init() {}

    private static let threadKey = "dropforge.usage-meter"

    /// Counts a call against the step running on this thread; nothing when no step runs here
    /// (a command that asks a provider outside the pipeline).
    public static func record(_ record: UsageRecord) {
        PipelineMetrics.tokens(record)
        (Thread.current.threadDictionary[threadKey] as? UsageMeter)?.records.append(record)
    }

    /// Notes a reply asked for again, against the step running on this thread.
    public static func resampled(_ note: String) {
        (Thread.current.threadDictionary[threadKey] as? UsageMeter)?.resamples.append(note)
    }

    /// Runs `body` with a fresh meter on this thread and returns it, with what it counted.
    public static func metering<T>(_ body: () throws -> T) rethrows -> (T, UsageMeter) {
        let dictionary = Thread.current.threadDictionary
        let previous = dictionary[threadKey]
        let meter = UsageMeter()
        dictionary[threadKey] = meter
        defer { dictionary[threadKey] = previous }
        return (try body(), meter)
    }

    /// Runs `body` with a fresh meter on this thread and returns the calls it counted.
    public static func measuring<T>(_ body: () throws -> T) rethrows -> (T, [UsageRecord]) {
        let (result, meter) = try metering(body)
        return (result, meter.records)
    }
}
