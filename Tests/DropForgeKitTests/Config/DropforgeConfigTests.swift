import Foundation
import XCTest
@testable import DropForgeKit

final class DropforgeConfigTests: XCTestCase {
    private func configError(_ yaml: String, line: UInt = #line) -> ManifestError? {
        do {
            _ = try DropforgeConfig.parse(Data(yaml.utf8), file: "config/dropforge.yaml")
            XCTFail("expected an error", line: line)
        } catch let error as ManifestError {
            XCTAssertEqual(error.code, "config_invalid", line: line)
            XCTAssertEqual(error.file, "config/dropforge.yaml", line: line)
            return error
        } catch {
            XCTFail("unexpected \(error)", line: line)
        }
        return nil
    }

    func testMissingFileGivesDefaults() throws {
        let config = try DropforgeConfig.load(from: URL(fileURLWithPath: "/nonexistent/config/dropforge.yaml"))
        XCTAssertEqual(config, DropforgeConfig())
        XCTAssertEqual(config.watcher, .inotify)
        XCTAssertEqual(config.rescanSeconds, 30)
        XCTAssertEqual(config.pollIntervalMs, 1000)
        XCTAssertEqual(config.settleMs, 500)
        XCTAssertEqual(config.workers.generate, 2)
        XCTAssertEqual(config.workers.export, 2)
        XCTAssertEqual(config.leaseSeconds, 30)
        XCTAssertEqual(config.heartbeatSeconds, 10)
        XCTAssertEqual(config.retry.maxAttempts, 3)
        XCTAssertEqual(config.retry.maxDelayMs, 60_000)
        XCTAssertEqual(config.shutdownGraceSeconds, 30)
        XCTAssertEqual(config.limits, Limits())
        XCTAssertEqual(config.limits.manifestBytes, 1_048_576)
        XCTAssertEqual(config.limits.cardJSONBytes, 16_777_216)
        XCTAssertEqual(config.defaults.profile, "default")
        XCTAssertTrue(config.providers.isEmpty)
    }

    func testFullConfigParses() throws {
        let yaml = """
        version: 1
        watcher: poll
        rescan_seconds: 10
        poll_interval_ms: 250
        workers: {generate: 4}
        retry: {max_attempts: 5}
        limits: {count: 50, image_side: 2048}
        defaults: {profile: studio}
        providers:
          gpu-box:   {type: a1111, base_url: "http://127.0.0.1:7860", concurrency: 1}
          comfy:     {type: comfyui, base_url: "http://127.0.0.1:8188", workflow: templates/comfy-txt2img.json}
          openai:    {type: openai-chat, base_url: "https://api.openai.com/v1", model: gpt-4o-mini,
                      api_key_env: OPENAI_API_KEY, requests_per_minute: 60}
        """
        let config = try DropforgeConfig.parse(Data(yaml.utf8), file: "config/dropforge.yaml")
        XCTAssertEqual(config.watcher, .poll)
        XCTAssertEqual(config.rescanSeconds, 10)
        XCTAssertEqual(config.pollIntervalMs, 250)
        XCTAssertEqual(config.settleMs, 500)
        XCTAssertEqual(config.workers.generate, 4)
        XCTAssertEqual(config.workers.quality, 2)
        XCTAssertEqual(config.retry.maxAttempts, 5)
        XCTAssertEqual(config.retry.baseDelayMs, 500)
        XCTAssertEqual(config.limits.count, 50)
        XCTAssertEqual(config.limits.imageSide, 2048)
        XCTAssertEqual(config.limits.decodedBytes, 268_435_456)
        XCTAssertEqual(config.defaults.profile, "studio")
        XCTAssertEqual(config.providers["gpu-box"], ProviderConfig(type: .a1111, baseURL: "http://127.0.0.1:7860", concurrency: 1))
        XCTAssertEqual(config.providers["comfy"]?.workflow, "templates/comfy-txt2img.json")
        XCTAssertEqual(config.providers["openai"]?.apiKeyEnv, "OPENAI_API_KEY")
        XCTAssertEqual(config.providers["openai"]?.requestsPerMinute, 60)
        XCTAssertEqual(config.providers["openai"]?.model, "gpt-4o-mini")

        // Config limits apply to manifests.
        let error = ManifestFixtures.parseError(ManifestFixtures.withParams("  count: 51\n"), limits: config.limits)
        XCTAssertEqual(error?.message, "51 is over the limit of 50")
    }

    func testLoadFromFile() throws {
        let root = try ManifestFixtures.makeRoot(["config/dropforge.yaml": "watcher: poll\n"])
        defer { try? FileManager.default.removeItem(at: root) }
        let config = try DropforgeConfig.load(from: root.appendingPathComponent("config/dropforge.yaml"))
        XCTAssertEqual(config.watcher, .poll)
    }

    func testStrictErrors() {
        XCTAssertManifestError(configError("version: 1\nworkers:\n  genrate: 3\n"),
                               line: 3, column: 3, field: "workers.genrate", contains: "unknown key 'genrate' (did you mean 'generate'?)")
        XCTAssertManifestError(configError("watcher: fanotify\n"),
                               line: 1, column: 10, field: "watcher", contains: "'fanotify' is not one of inotify, poll")
        XCTAssertManifestError(configError("limits:\n  count: lots\n"),
                               line: 2, column: 10, field: "limits.count", contains: "expected an integer, found a string ('lots')")
        XCTAssertManifestError(configError("limits: {manifest_byte: 10}\n"),
                               line: 1, column: 10, field: "limits.manifest_byte", contains: "did you mean 'manifest_bytes'?")
        XCTAssertManifestError(configError("providers:\n  box: {base_url: \"http://x\"}\n"),
                               line: 2, column: 8, field: "providers.box.type", contains: "missing required field 'type'")
        XCTAssertManifestError(configError("providers:\n  box: {type: a1111, base_url: \"ftp://x\"}\n"),
                               line: 2, column: 32, field: "providers.box.base_url", contains: "is not an http:// or https:// URL")
        XCTAssertManifestError(configError("providers:\n  box: {type: stable-diffusion, base_url: \"http://x\"}\n"),
                               line: 2, column: 15, field: "providers.box.type", contains: "is not one of openai-chat, openai-images, a1111, comfyui")
        XCTAssertManifestError(configError("providers:\n  local: {type: a1111, base_url: \"http://x\"}\n"),
                               line: 2, column: 3, field: "providers.local", contains: "built in")
        XCTAssertManifestError(configError("providers:\n  o: {type: openai-chat, base_url: \"http://x\", api_key_env: sk-123}\n"),
                               line: 2, column: 61, field: "providers.o.api_key_env", contains: "not an environment variable name")
        XCTAssertManifestError(configError("lease_seconds: 10\nheartbeat_seconds: 10\n"),
                               line: 2, column: 20, field: "heartbeat_seconds", contains: "must be shorter than lease_seconds")
        XCTAssertManifestError(configError("retry: {base_delay_ms: 500, max_delay_ms: 100}\n"),
                               line: 1, column: 43, field: "retry.max_delay_ms", contains: "shorter than base_delay_ms")
    }

    func testConfigErrorDescription() {
        let error = configError("rescan_seconds: 0\n")
        XCTAssertEqual(error?.description, "config/dropforge.yaml:1:17: rescan_seconds: 0 is below the minimum of 1")
    }
}

/// `store:` (issue 14): the type, and the URL only by the name of its environment variable.
final class StoreConfigTests: XCTestCase {
    private func parse(_ yaml: String) throws -> DropforgeConfig {
        try DropforgeConfig.parse(Data(yaml.utf8), file: "config/dropforge.yaml")
    }

    func testSQLiteIsTheDefaultAndPostgresNamesItsVariable() throws {
        XCTAssertEqual(try parse("version: 1\n").store, StoreConfig())
        XCTAssertFalse(try parse("version: 1\n").store.isShared)
        let shared = try parse("store: {type: postgres, url_env: QUEUE_DB}\n").store
        XCTAssertEqual(shared, StoreConfig(type: .postgres, urlEnv: "QUEUE_DB"))
        XCTAssertTrue(shared.isShared)
    }

    func testAURLInTheConfigIsRefusedWithWhereToPutIt() {
        XCTAssertThrowsError(try parse("store:\n  type: postgres\n  url: postgres://u:secret@db/q\n")) { error in
            let error = error as? ManifestError
            XCTAssertEqual(error?.line, 3)
            XCTAssertTrue(error?.message.contains("url_env") ?? false, "\(String(describing: error))")
        }
        XCTAssertThrowsError(try parse("store: {type: postgres, url_env: \"postgres://u:secret@db/q\"}\n")) { error in
            XCTAssertTrue((error as? ManifestError)?.message.contains("not an environment variable name") ?? false)
        }
        XCTAssertThrowsError(try parse("store: {type: mysql}\n"))
    }

    func testAMissingVariableIsAConfigErrorAndTheShownURLHasNoPassword() throws {
        let layout = RootLayout(root: FileManager.default.temporaryDirectory.appendingPathComponent("no-root-\(UUID().uuidString)"))
        let store = StoreConfig(type: .postgres, urlEnv: "QUEUE_DB")
        XCTAssertThrowsError(try store.open(layout: layout, environment: [:])) { error in
            XCTAssertEqual((error as? ManifestError)?.code, "config_invalid")
            XCTAssertTrue("\(error)".contains("QUEUE_DB"))
        }
        XCTAssertEqual(store.description(environment: ["QUEUE_DB": "postgres://u:secret@db/q"]), "postgres postgres://u:***@db/q")
        XCTAssertEqual(store.description(environment: [:]), "postgres ($QUEUE_DB not set)")
        XCTAssertThrowsError(try store.open(layout: layout, environment: ["QUEUE_DB": "postgresql:///q?host=/nonexistent&password=secret"])) { error in
            XCTAssertTrue("\(error)".hasPrefix("cannot open the store (postgres "), "\(error)")
            XCTAssertFalse("\(error)".contains("secret"), "\(error)")
        }
    }
}
