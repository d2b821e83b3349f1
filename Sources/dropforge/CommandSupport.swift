import ArgumentParser
import DropForgeKit
import Foundation
import Logging
import DropForgeCore
import DropForgeMedia
import DropForgeStore
import DropForgePostgres
import DropForgePostgresStore

/// Exit code 2: a usage or config error (DESIGN §2).
let usageFailure = ExitCode(DropForgeKit.Drain.Outcome.usageError.rawValue)

/// Prints to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Opens the runtime of a root, turning a bad config into a clear message and exit 2.
func openRuntime(_ layout: RootLayout, verbose: Bool = false, quiet: Bool = false,
                 stages: Set<Stage> = Set(Stage.allCases)) throws -> Runtime {
    guard FileManager.default.fileExists(atPath: layout.root.path) else {
        printError("error: \(layout.root.path) does not exist; create a root with `dropforge init --root \(layout.root.path)`")
        throw usageFailure
    }
    // A root is what `init` makes: a folder with config/dropforge.yaml. Anywhere else a drain or
    // watch would quietly turn a folder (a home, a typo of --root) into one.
    guard FileManager.default.fileExists(atPath: layout.configFile.path) else {
        printError("error: \(layout.root.path) is not a dropforge root (it has no config/dropforge.yaml); "
                   + "make it one with `dropforge init --root \(layout.root.path)`, or pass --root")
        throw usageFailure
    }
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        // Quiet (a progress bar owns the terminal): only warnings and errors.
        handler.logLevel = verbose ? .debug : quiet ? .warning : .info
        return handler
    }
    do {
        return try Runtime(layout: layout, stages: stages)
    } catch let error as ManifestError {
        printError("error: \(error.description)")
        throw usageFailure
    } catch {
        printError("error: cannot open \(layout.root.path): \(error)")
        throw usageFailure
    }
}

/// The root's config, or a usage error (exit 2) that says where it is wrong.
func loadConfig(_ layout: RootLayout) throws -> DropforgeConfig {
    do {
        return try DropforgeConfig.load(from: layout.configFile)
    } catch {
        printError("error: \(error)")
        throw usageFailure
    }
}

/// Opens only the store (for read-only commands), without starting anything: the root's
/// SQLite file, or the shared PostgreSQL its config names.
func openStore(_ layout: RootLayout, config: DropforgeConfig? = nil) throws -> JobStore {
    let config = try config ?? loadConfig(layout)
    if config.store.type == .sqlite, !FileManager.default.fileExists(atPath: layout.database.path) {
        printError("error: \(layout.root.path) has no state yet (\(layout.database.path)); run `dropforge drain` or `dropforge watch` first")
        throw usageFailure
    }
    do {
        return try config.store.open(layout: layout)
    } catch {
        printError("error: \(error)")
        throw usageFailure
    }
}

/// Prints `value` as pretty JSON on standard output.
func printJSON<T: Encodable>(_ value: T) throws {
    let data = try JSONCoding.encode(value, pretty: true)
    print(String(decoding: data, as: UTF8.self))
}

/// A plain text table: columns padded to their widest cell.
func table(_ header: [String], _ rows: [[String]]) -> String {
    let all = [header] + rows
    let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
    return all.map { row in
        row.enumerated().map { index, cell in
            index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
        }.joined(separator: "  ")
    }.joined(separator: "\n")
}

/// True when standard error is a terminal: progress bars go there; otherwise plain log lines.
var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

/// Draws a `DrainProgress` in place on a terminal's last line.
// @unchecked Sendable: drawn only from drain's single progress callback; nothing else touches `drawn`.
final class ProgressDisplay: @unchecked Sendable {
    private var drawn = false

    func draw(_ progress: DrainProgress) {
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + progress.bar()).utf8))
        drawn = true
    }

    /// Leaves the last bar on screen and moves to a new line.
    func finish() {
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
        drawn = false
    }
}

/// Runs a drain with a progress bar on a terminal (`bar`), plain log lines otherwise.
/// `announcer` prints lines as executions end (above the bar).
func drainShowingProgress(_ runtime: Runtime, timeout: Double?, bar: Bool, announcer: EndAnnouncer? = nil,
                          _ body: (DropForgeKit.Drain) throws -> DropForgeKit.Drain.Report) throws -> DropForgeKit.Drain.Report {
    let signals = SignalTrap()
    signals.install()
    let display = ProgressDisplay()
    defer {
        announcer?.announce(display: bar ? display : nil)
        display.finish()
    }
    let showing = bar || announcer != nil
    return try body(DropForgeKit.Drain(runtime: runtime, timeout: timeout, signals: signals, onProgress: showing ? { progress in
        announcer?.announce(display: bar ? display : nil)
        if bar { display.draw(progress) }
    } : nil))
}

/// Help text as it reads in the source — paragraphs hard-wrapped at ~100 columns — made into
/// one line per paragraph, so swift-argument-parser wraps it to the terminal instead of
/// breaking every source line a second time mid-sentence. A line stays its own when it is
/// blank, indented (examples), a list item, or part of a column layout (two spaces inside),
/// and so does the line after it.
func prose(_ text: String) -> String {
    func keepsItsLine(_ line: Substring) -> Bool {
        line.isEmpty || line.first == " " || line.hasPrefix("- ") || line.trimmingCharacters(in: .whitespaces).contains("  ")
    }
    var lines: [String] = []
    var previousJoinable = false
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        let joinable = !keepsItsLine(line)
        if joinable, previousJoinable, let last = lines.popLast() {
            lines.append(last + " " + line)
        } else {
            lines.append(String(line))
        }
        previousJoinable = joinable && !line.hasSuffix(":")
    }
    return lines.joined(separator: "\n")
}

/// `error: cannot write FILE: why` for a file a command was asked to write (`-o`): what is
/// wrong with its folder when that is the cause (the usual mistake), else the system's reason —
/// never Foundation's `Error Domain=… UserInfo=…` dump.
func cannotWrite(_ file: URL, _ error: Error) -> String {
    let folder = file.deletingLastPathComponent()
    var isFolder: ObjCBool = false
    let reason: String
    if !FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder) {
        reason = "the folder \(folder.path) does not exist (create it first, or write elsewhere)"
    } else if !isFolder.boolValue {
        reason = "\(folder.path) is not a folder"
    } else if access(folder.path, W_OK) != 0 {
        reason = "no permission to write in \(folder.path)"
    } else {
        reason = (error as NSError).domain == NSPOSIXErrorDomain
            ? FileSystem.explain(Int32((error as NSError).code)) : error.localizedDescription
    }
    return "error: cannot write \(file.path): \(reason)"
}

/// With `DROPFORGE_COUNTERS_FILE` set, `drain`, `watch` and the review decisions write what they
/// counted to that file as JSON when they end: the store's write transactions, dropforge's own
/// fsync/syncfs calls, and the PNG decodes and encodes; with PostgreSQL also the requests sent to
/// the server and the claim latency (p50, p99). `make bench` reports them per job; the review
/// tests check that a decision decodes only what it changes.
func writeCounters() {
    guard let path = ProcessInfo.processInfo.environment["DROPFORGE_COUNTERS_FILE"], !path.isEmpty else { return }
    var counters: [String: Double] = [
        "write_transactions": Double(SQLiteJobStore.writeTransactions.load(ordering: .relaxed)
                                     + PostgresJobStore.writeTransactions.load(ordering: .relaxed)),
        "fsyncs": Double(IOCounters.fsyncs), "png_decodes": Double(PNGCodec.decodeCount), "png_encodes": Double(PNGCodec.encodeCount)]
    let roundTrips = PostgresConnection.roundTrips.load(ordering: .relaxed)
    if roundTrips > 0 {
        counters["store_round_trips"] = Double(roundTrips)
        let claims = PostgresJobStore.claimMilliseconds.withLock { $0 }.sorted()
        if !claims.isEmpty {
            counters["claims"] = Double(claims.count)
            counters["claim_ms_p50"] = claims[claims.count / 2]
            counters["claim_ms_p99"] = claims[min(claims.count - 1, Int(Double(claims.count) * 0.99))]
        }
    }
    try? JSONSerialization.data(withJSONObject: counters).write(to: URL(fileURLWithPath: path))
}
