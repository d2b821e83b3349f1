import DropForgeKit
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The built `dropforge` binary: `$DROPFORGE_BIN`, else beside the test runner in `.build/…/debug/`.
let dropforgeBinary: URL = {
    if let path = ProcessInfo.processInfo.environment["DROPFORGE_BIN"] { return URL(fileURLWithPath: path) }
    var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = folder.appendingPathComponent("dropforge")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        folder.deleteLastPathComponent()
    }
    return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/debug/dropforge")
}()

struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// A fresh root in a temporary folder, made by the real `dropforge init`.
final class TestRoot {
    let url: URL
    var layout: RootLayout { RootLayout(root: url) }

    init(examples: Bool = false, file: StaticString = #filePath, line: UInt = #line) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("dropforge-e2e-\(UUID().uuidString)")
        let result = try run(["init"] + (examples ? ["--examples"] : []))
        XCTAssertEqual(result.status, 0, "init failed: \(result.stderr)", file: file, line: line)
        // Tests want quick settling and quick rescans.
        try setConfig("settle_ms: 500", "settle_ms: 300")
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func setConfig(_ old: String, _ new: String) throws {
        let text = try String(contentsOf: layout.configFile, encoding: .utf8)
        precondition(text.contains(old), "config has no '\(old)'")
        try text.replacingOccurrences(of: old, with: new).write(to: layout.configFile, atomically: true, encoding: .utf8)
    }

    /// Runs `dropforge ARGS --root ROOT` and waits for it.
    @discardableResult
    func run(_ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 120) throws -> CommandResult {
        let process = try start(arguments, environment: environment)
        let deadline = Date().addingTimeInterval(timeout)
        while process.process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.process.isRunning {
            process.process.terminate()
            XCTFail("dropforge \(arguments.joined(separator: " ")) did not finish in \(timeout) s")
        }
        process.process.waitUntilExit()
        return process.result()
    }

    /// Starts `dropforge ARGS --root ROOT` in the background. With `fileSizeLimitBlocks`, under
    /// that file-size limit (`ulimit -f`, 512-byte blocks in POSIX sh): the shell execs dropforge,
    /// so the process id is dropforge's.
    /// With `wrapper`, dropforge is run by that command (`ip netns exec NS`), which execs it.
    func start(_ arguments: [String], environment: [String: String] = [:], fileSizeLimitBlocks: Int? = nil,
               wrapper: [String] = []) throws -> RunningCommand {
        let process = Process()
        process.executableURL = dropforgeBinary
        process.arguments = arguments + ["--root", url.path]
        if let command = wrapper.first {
            process.executableURL = URL(fileURLWithPath: command)
            process.arguments = Array(wrapper.dropFirst()) + [dropforgeBinary.path] + arguments + ["--root", url.path]
        }
        if let blocks = fileSizeLimitBlocks {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -f \(blocks) && exec \"$0\" \"$@\"", dropforgeBinary.path] + arguments + ["--root", url.path]
        }
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "DROPFORGE_ROOT")
        env.removeValue(forKey: "SOURCE_DATE_EPOCH")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let running = RunningCommand(process: process)
        try process.run()
        return running
    }

    /// Drops a manifest the safe way (write in inbox/.tmp, rename into inbox/).
    func drop(_ name: String, _ text: String) throws {
        let temp = layout.inboxTemp.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: layout.inboxTemp, withIntermediateDirectories: true)
        try text.write(to: temp, atomically: false, encoding: .utf8)
        XCTAssertEqual(rename(temp.path, layout.inbox.appendingPathComponent(name).path), 0)
    }

    func folders(_ parent: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    var results: [String] { folders(layout.results) }
    var failures: [String] { folders(layout.failures) }
    var processing: [String] { folders(layout.processing) }

    func json(_ url: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
    }

    /// The `job.json` of every published folder, by the manifest file it came from.
    func publishedManifests() throws -> [String] {
        var names: [String] = []
        for (parent, folders) in [(layout.results, results), (layout.failures, failures)] {
            for folder in folders {
                let summary = try json(parent.appendingPathComponent(folder).appendingPathComponent("job.json"))
                names.append(summary["manifest"] as? String ?? "?")
            }
        }
        return names.sorted()
    }

    /// Waits until `condition` holds, polling; false on timeout.
    func wait(_ timeout: TimeInterval, for condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return condition()
    }
}

/// A started command whose output is collected in temporary files (no pipe can fill up).
final class RunningCommand {
    let process: Process
    private let out: URL
    private let err: URL

    init(process: Process) {
        self.process = process
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("dropforge-out-\(UUID().uuidString)")
        out = base.appendingPathExtension("out")
        err = base.appendingPathExtension("err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try? FileHandle(forWritingTo: out)
        process.standardError = try? FileHandle(forWritingTo: err)
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: out)
        try? FileManager.default.removeItem(at: err)
    }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    func result() -> CommandResult {
        CommandResult(status: process.isRunning ? -1 : process.terminationStatus,
                      stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    /// Waits for exit; false on timeout.
    func waitForExit(_ timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        return !process.isRunning
    }
}

/// A simple images manifest with `count` items.
func imagesManifest(name: String, count: Int = 1, size: Int = 64, seed: Int = 1, prompt: String = "a {keyword} in red and blue circles",
                    keywords: [String] = ["cat"], extra: String = "") -> String {
    """
    version: 1
    kind: images
    name: \(name)
    params:
      template: "\(prompt)"
      keywords: [\(keywords.map { "\"\($0)\"" }.joined(separator: ", "))]
      count: \(count)
      size: \(size)
      seed: \(seed)
    \(extra)
    """
}

/// The PNG chunks of a file, in order: (type, data).
func pngChunks(_ data: Data) -> [(type: String, data: Data)] {
    let bytes = [UInt8](data)
    var chunks: [(String, Data)] = []
    var offset = 8
    while offset + 12 <= bytes.count {
        let length = Int(UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3]))
        let type = String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self)
        chunks.append((type, Data(bytes[offset + 8..<min(bytes.count, offset + 8 + length)])))
        offset += 12 + length
    }
    return chunks
}
