import Foundation
import Logging
import DropForgeCore
import DropForgeStore

/// The job log: every event goes to the store (for `jobs logs`) and, as one JSON line, to
/// `outbox/logs/<job>.jsonl` (for people and tools that tail it). Appends are single `write`
/// calls on an `O_APPEND` descriptor (`FileSystem.append`), so lines from several processes
/// never interleave.
// @unchecked Sendable: immutable after init; appends are single O_APPEND writes and the store is thread-safe.
public final class EventLog: @unchecked Sendable {
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
        let record = EventRecord(id: nil, ts: date, level: level.rawValue, job: job, execution: execution,
                                 item: item, stage: stage?.rawValue, event: event, message: message)
        do {
            try store.append(record)
        } catch {
            logger.error("cannot store event for \(job): \(error)")
        }
        // Keys in the documented order: ts, level, job, execution, item, stage, event, message.
        let line = JSONLine.make(["ts": Timestamp.iso8601(date), "level": level.rawValue, "job": job,
                                  "execution": execution, "item": item, "stage": stage?.rawValue,
                                  "event": event, "message": message])
        try? FileSystem.append(line, to: layout.log(job: job))
        var text = "\(execution ?? job)"
        if let item { text += " #\(item)" }
        if let stage { text += " \(stage.rawValue)" }
        let metadataMessage = Logger.Message(stringLiteral: "\(text) \(event): \(message)")
        switch level {
        case .debug: logger.debug(metadataMessage)
        case .info: logger.info(metadataMessage)
        case .warning: logger.warning(metadataMessage)
        case .error: logger.error(metadataMessage)
        }
    }
}
