import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The job log: every event goes to the store (for `jobs logs`) and, as one JSON line, to
/// `outbox/logs/<job>.jsonl` (for people and tools that tail it). Appends are single `write`
/// calls on an `O_APPEND` descriptor, so lines from several processes never interleave.
public final class EventLog: @unchecked Sendable {
    public enum Level: String, Sendable { case debug, info, warning, error }

    private let store: JobStore
    private let layout: RootLayout
    private let logger: Logger

    public init(store: JobStore, layout: RootLayout, logger: Logger = Logger(label: "dropforge")) {
        self.store = store
        self.layout = layout
        self.logger = logger
    }

    /// A line of `logs/<job>.jsonl`, keys in the documented order.
    struct Line: Encodable {
        var ts: String
        var level: String
        var job: String
        var execution: String?
        var item: Int?
        var stage: String?
        var event: String
        var message: String
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
        let line = Line(ts: Timestamp.iso8601(date), level: level.rawValue, job: job, execution: execution,
                        item: item, stage: stage?.rawValue, event: event, message: message)
        append(line, to: layout.log(job: job))
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

    private func append(_ line: Line, to file: URL) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        guard var data = try? encoder.encode(line) else { return }
        data.append(0x0A)
        let fd = open(file.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        _ = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }
}
