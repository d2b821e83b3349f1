import Foundation
import DropForgeStore

/// `config/dropforge.yaml`, read strictly: unknown keys and wrong types are errors with a
/// position (code `config_invalid`), every key is optional and falls back to the defaults below.
public struct DropforgeConfig: Codable, Sendable, Equatable {
    /// How the inbox is watched.
    public enum Watcher: String, Codable, Sendable, CaseIterable {
        case inotify
        case poll
    }

    /// Workers per pipeline stage.
    public struct Workers: Codable, Sendable, Equatable {
        public var parameters = 1
        public var generate = 2
        public var quality = 2
        public var metadata = 2
        public var export = 2
        public init() {}

        init(parameters: Int, generate: Int, quality: Int, metadata: Int, export: Int) {
            self.parameters = parameters
            self.generate = generate
            self.quality = quality
            self.metadata = metadata
            self.export = export
        }

        var byStage: [Stage: Int] {
            [.parameters: parameters, .generate: generate, .quality: quality, .metadata: metadata, .export: export]
        }
    }

    /// Attempts and back-off delays of one retry policy (exponential between the two delays).
    public struct Backoff: Codable, Sendable, Equatable {
        public var maxAttempts: Int
        public var baseDelayMs: Int
        public var maxDelayMs: Int

        public init(maxAttempts: Int, baseDelayMs: Int, maxDelayMs: Int) {
            self.maxAttempts = maxAttempts
            self.baseDelayMs = baseDelayMs
            self.maxDelayMs = maxDelayMs
        }
    }

    /// Retry policy for failed steps (exponential back-off between the delays), and the longer
    /// one for a provider call whose connection failed (refused, reset, timed out): a server
    /// that restarts — a llama.cpp server loading its model — is gone for tens of seconds,
    /// which three attempts over ~1.5 s never cover. The connection default (9 attempts, 0.5 s
    /// doubling to 8 s) waits ~30 s in all (20–40 s with jitter) before an item fails.
    public struct Retry: Codable, Sendable, Equatable {
        public var maxAttempts = 3
        public var baseDelayMs = 500
        public var maxDelayMs = 60_000
        public var connection = Backoff(maxAttempts: 9, baseDelayMs: 500, maxDelayMs: 8_000)
        public init() {}
    }

    /// Defaults applied when a manifest leaves something out.
    public struct Defaults: Codable, Sendable, Equatable {
        /// Profile used when a manifest names none; a missing default profile is not an error.
        public var profile = "default"
        public init() {}
    }

    public var version = 1
    /// Where the state is kept (``StoreConfig``): SQLite, or a PostgreSQL shared by several hosts.
    public var store = StoreConfig()
    public var watcher = Watcher.inotify
    public var rescanSeconds = 30
    public var pollIntervalMs = 1000
    public var settleMs = 500
    public var workers = Workers()
    /// Steps a worker leases at once, by stage (`batch:`): a few where steps are small.
    public var batch = Workers(parameters: 8, generate: 2, quality: 1, metadata: 1, export: 4)
    /// A worker that finishes an item's step runs its next step itself when it can (`carry_on:`).
    public var carryOn = true
    public var leaseSeconds = 30
    public var heartbeatSeconds = 10
    public var retry = Retry()
    public var shutdownGraceSeconds = 30
    public var limits = Limits()
    public var defaults = Defaults()
    public var providers: [String: ProviderConfig] = [:]
    /// Model name → price in US dollars per million tokens, for the cost in `job.json`.
    public var prices: [String: ModelPrice] = [:]

    public init() {}

    /// Loads the config file; a missing file means all defaults.
    public static func load(from url: URL) throws -> DropforgeConfig {
        let file = url.pathComponents.suffix(2).joined(separator: "/")
        guard FileManager.default.fileExists(atPath: url.path) else { return DropforgeConfig() }
        let data: Data
        do {
            data = try SafePath.readFile(url, maxBytes: Limits().manifestBytes)
        } catch let rejection as SafePath.Rejection {
            throw ManifestError(file: file, message: rejection.message, code: ManifestError.configInvalid)
        }
        return try parse(data, file: file)
    }

    /// Parses config text (YAML, or JSON when `file` ends in `.json`).
    public static func parse(_ data: Data, file: String) throws -> DropforgeConfig {
        let reader = DocumentReader(file: file, code: ManifestError.configInvalid, maxBytes: Limits().manifestBytes)
        let root = try reader.read(data, format: DocumentFormat(fileName: file) ?? .yaml)
        let map = try root.mapping(allowed: [
            "version", "store", "watcher", "rescan_seconds", "poll_interval_ms", "settle_ms", "workers", "batch", "carry_on", "lease_seconds",
            "heartbeat_seconds", "retry", "shutdown_grace_seconds", "limits", "defaults", "providers", "prices",
        ])
        var config = DropforgeConfig()
        if let node = map.value("version") {
            let version = try node.int()
            guard version == 1 else { throw node.error("unsupported config version \(version) (expected 1)") }
        }
        if let node = map.value("store") { config.store = try StoreConfig.parse(node) }
        config.watcher = try map.oneOf("watcher", Watcher.self) ?? config.watcher
        config.rescanSeconds = try map.int("rescan_seconds", in: 1...86_400) ?? config.rescanSeconds
        config.pollIntervalMs = try map.int("poll_interval_ms", in: 10...3_600_000) ?? config.pollIntervalMs
        config.settleMs = try map.int("settle_ms", in: 0...3_600_000) ?? config.settleMs
        if let node = map.value("workers") { config.workers = try parseWorkers(node, into: config.workers) }
        if let node = map.value("batch") { config.batch = try parseWorkers(node, into: config.batch) }
        config.carryOn = try map.bool("carry_on") ?? config.carryOn
        config.leaseSeconds = try map.int("lease_seconds", in: 2...86_400) ?? config.leaseSeconds
        config.heartbeatSeconds = try map.int("heartbeat_seconds", in: 1...86_400) ?? config.heartbeatSeconds
        if config.heartbeatSeconds >= config.leaseSeconds {
            let node = map.value("heartbeat_seconds") ?? map.value("lease_seconds") ?? root
            throw node.error("heartbeat_seconds (\(config.heartbeatSeconds)) must be shorter than lease_seconds (\(config.leaseSeconds))")
        }
        if let node = map.value("retry") { config.retry = try parseRetry(node, over: config.retry) }
        config.shutdownGraceSeconds = try map.int("shutdown_grace_seconds", in: 0...86_400) ?? config.shutdownGraceSeconds
        if let node = map.value("limits") { config.limits = try Limits.parse(node) }
        if let node = map.value("defaults") {
            let defaults = try node.mapping(allowed: ["profile"])
            if let profile = try defaults.value("profile")?.profileName() { config.defaults.profile = profile }
        }
        if let node = map.value("providers") {
            for entry in try node.freeMapping() {
                guard entry.key.range(of: #"^[A-Za-z0-9._-]+$"#, options: .regularExpression) != nil else {
                    throw entry.keyNode.error("provider name '\(entry.key)' may only use letters, digits, '.', '_' and '-'")
                }
                if entry.key == "local" {
                    throw entry.keyNode.error("'local' is built in and cannot be redefined")
                }
                config.providers[entry.key] = try ProviderConfig.parse(entry.value, retry: config.retry)
            }
        }
        if let node = map.value("prices") {
            for entry in try node.freeMapping() {
                let price = try entry.value.mapping(allowed: ["input", "output"])
                config.prices[entry.key] = ModelPrice(input: try price.value("input").map { try $0.number(in: 0...1_000_000) } ?? 0,
                                                      output: try price.value("output").map { try $0.number(in: 0...1_000_000) } ?? 0)
            }
        }
        return config
    }

    /// `{parameters: n, generate: n, …}` over `defaults`.
    private static func parseWorkers(_ node: DocumentNode, into defaults: Workers) throws -> Workers {
        let map = try node.mapping(allowed: ["parameters", "generate", "quality", "metadata", "export"])
        var workers = defaults
        let range = 1...64
        workers.parameters = try map.int("parameters", in: range) ?? workers.parameters
        workers.generate = try map.int("generate", in: range) ?? workers.generate
        workers.quality = try map.int("quality", in: range) ?? workers.quality
        workers.metadata = try map.int("metadata", in: range) ?? workers.metadata
        workers.export = try map.int("export", in: range) ?? workers.export
        return workers
    }

    /// `{max_attempts, base_delay_ms, max_delay_ms, connection: {…}}` over `defaults`: the
    /// top-level `retry:` over the built-in policy, and a provider entry's over the top-level one.
    static func parseRetry(_ node: DocumentNode, over defaults: Retry) throws -> Retry {
        let map = try node.mapping(allowed: ["max_attempts", "base_delay_ms", "max_delay_ms", "connection"])
        var retry = defaults
        let backoff = try parseBackoff(map, node, over: Backoff(maxAttempts: retry.maxAttempts, baseDelayMs: retry.baseDelayMs,
                                                                  maxDelayMs: retry.maxDelayMs))
        (retry.maxAttempts, retry.baseDelayMs, retry.maxDelayMs) = (backoff.maxAttempts, backoff.baseDelayMs, backoff.maxDelayMs)
        if let connection = map.value("connection") {
            let inner = try connection.mapping(allowed: ["max_attempts", "base_delay_ms", "max_delay_ms"])
            retry.connection = try parseBackoff(inner, connection, over: retry.connection)
        }
        return retry
    }

    private static func parseBackoff(_ map: DocumentMapping, _ node: DocumentNode, over defaults: Backoff) throws -> Backoff {
        var backoff = defaults
        backoff.maxAttempts = try map.int("max_attempts", in: 1...100) ?? backoff.maxAttempts
        backoff.baseDelayMs = try map.int("base_delay_ms", in: 0...86_400_000) ?? backoff.baseDelayMs
        backoff.maxDelayMs = try map.int("max_delay_ms", in: 0...86_400_000) ?? backoff.maxDelayMs
        if backoff.maxDelayMs < backoff.baseDelayMs {
            throw (map.value("max_delay_ms") ?? node).error("max_delay_ms (\(backoff.maxDelayMs)) is shorter than base_delay_ms (\(backoff.baseDelayMs))")
        }
        return backoff
    }
}
