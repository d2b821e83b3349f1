import Foundation
import Logging
import DropForgeCore
import DropForgeStore

/// The job log: every event goes to the store (for `jobs logs`) and, as one JSON line, to
/// `outbox/logs/<job>.jsonl` (for people and tools that tail it). Appends are single `write`
/// calls on an `O_APPEND` descriptor (`FileSystem.append`), so lines from several processes
/// never interleave.
public final class EventLog: Sendable {
    public enum Level: String, Sendable { case debug, info, warning, error }

    private let store: EventJournal
    private let layout: RootLayout
    private let logger: Logger

    public init(store: EventJournal, layout: RootLayout, logger: Logger = Logger(label: "dropforge")) {
        self.store = store
        self.layout = layout
        self.logger = logger
    }

    /// Records an event of the step `lease` holds: its job, execution, item (numbered like the
    /// files: 0001 is item 1) and stage.
    public func record(_ level: Level, _ lease: StepLease, event: String, message: String) {
        record(level, job: lease.job.id, execution: lease.execution.id, item: lease.item.map { $0.index + 1 },
               stage: lease.step.stage, event: event, message: message)
    }

    public func record(_ level: Level, job: String, execution: String? = nil, item: Int? = nil,
                       stage: Stage? = nil, event: String, message: String, at date: Date = Date()) {
        let record = make(level, job: job, execution: execution, item: item, stage: stage, event: event,
                          message: message, at: date)
        if let buffer = Thread.current.threadDictionary[Self.bufferKey] as? Buffer {
            buffer.records.append(record)
            return
        }
        do {
            try store.append(record)
        } catch {
            logger.error("cannot store event for \(job): \(error)")
        }
        emit(record)
    }

    /// Runs `body` (a step, on its worker thread) with the events it records held back: they
    /// are returned, for the store to insert with the step's own transition, instead of costing
    /// a transaction each.
    func collecting<T>(_ body: () -> T) -> (T, [EventRecord]) {
        let dictionary = Thread.current.threadDictionary
        let previous = dictionary[Self.bufferKey]
        let buffer = Buffer()
        dictionary[Self.bufferKey] = buffer
        defer { dictionary[Self.bufferKey] = previous }
        let result = body()
        return (result, buffer.records)
    }

    private static let bufferKey = "dropforge.event-buffer"

    /// Events that are `info` in the job log but reach the process's own output (a `watch` or
    /// `drain` terminal, cron mail) only with `--verbose`: a line per item and stage would
    /// bury the job-level lines (claimed, retry, failed, published).
    public static let stepDetail: Set<String> = ["step_done"]

    /// Only ever touched by the thread whose dictionary holds it.
    private final class Buffer {
        var records: [EventRecord] = []
    }

    /// An event for the store to insert inside another write (an admission, a step's
    /// transition), so it costs no transaction of its own. Pass it to ``emit(_:)`` once that
    /// write has committed.
    public func make(_ level: Level, job: String, execution: String? = nil, item: Int? = nil,
                     stage: Stage? = nil, event: String, message: String, at date: Date = Date()) -> EventRecord {
        EventRecord(id: nil, ts: date, level: level.rawValue, job: job, execution: execution,
                    item: item, stage: stage?.rawValue, event: event, message: message)
    }

    /// An event of the step `lease` holds, for the store to insert with the step's transition.
    public func make(_ level: Level, _ lease: StepLease, event: String, message: String) -> EventRecord {
        make(level, job: lease.job.id, execution: lease.execution.id, item: lease.item.map { $0.index + 1 },
             stage: lease.step.stage, event: event, message: message)
    }

    /// The event's line in `outbox/logs/<job>.jsonl` and the process's own log — everything but
    /// the store. After a crash between the store's commit and this, the store has the event and
    /// the file lacks its line: the file is the copy, the store the record.
    public func emit(_ record: EventRecord) {
        let stored = Level(rawValue: record.level) ?? .info
        let level = Self.stepDetail.contains(record.event) && stored == .info ? .debug : stored
        // Keys in the documented order: ts, level, job, execution, item, stage, event, message.
        let line = JSONLine.make(["ts": Timestamp.iso8601(record.ts), "level": record.level, "job": record.job,
                                  "execution": record.execution, "item": record.item, "stage": record.stage,
                                  "event": record.event, "message": record.message])
        try? FileSystem.append(line, to: layout.log(job: record.job))
        var text = "\(record.execution ?? record.job)"
        if let item = record.item { text += " #\(item)" }
        if let stage = record.stage { text += " \(stage)" }
        let metadataMessage = Logger.Message(stringLiteral: "\(text) \(record.event): \(record.message)")
        switch level {
        case .debug: logger.debug(metadataMessage)
        case .info: logger.info(metadataMessage)
        case .warning: logger.warning(metadataMessage)
        case .error: logger.error(metadataMessage)
        }
    }
}
