import Foundation
import Synchronization
import DropForgeCore
import DropForgeHTTP

/// One provider's limits and, from the processes that call it, its load: what `status` shows
/// under `providers`. `concurrency` caps calls in flight to the provider across every stage and
/// worker of a process (one limiter per entry, ``ProviderRegistry``), apart from the stage's
/// `workers`; `requests_per_minute` caps how many start in any minute.
public struct ProviderLoad: Codable, Sendable, Equatable {
    public var name: String
    public var type: String
    public var concurrency: Int
    public var requestsPerMinute: Int?
    /// Calls holding a permit now (sending, or waiting for their slot in the minute), summed
    /// over the running processes; nil when none runs.
    public var inFlight: Int?
    /// Calls waiting for a permit.
    public var waiting: Int?
    /// Calls started in the last minute (kept only with `requests_per_minute`).
    public var startedLastMinute: Int?

    enum CodingKeys: String, CodingKey {
        case name, type, concurrency, requestsPerMinute = "requests_per_minute", inFlight = "in_flight", waiting
        case startedLastMinute = "started_last_minute"
    }

    /// The configured limits of every provider entry, by name, with no load.
    static func limits(_ config: DropforgeConfig) -> [ProviderLoad] {
        config.providers.sorted { $0.key < $1.key }.map { name, entry in
            ProviderLoad(name: name, type: entry.type.rawValue, concurrency: entry.concurrency ?? ProviderConfig.defaultConcurrency,
                         requestsPerMinute: entry.requestsPerMinute)
        }
    }

    /// `limits` with the load each running owner last reported (`<owner>.providers.json` beside
    /// its lock), summed by provider; an owner that reported nothing adds nothing.
    static func current(_ config: DropforgeConfig, layout: RootLayout, owners: [String]) -> [ProviderLoad] {
        let reports = owners.compactMap { owner -> [ProviderLoad]? in
            guard let data = try? Data(contentsOf: reportFile(owner: owner, layout: layout)) else { return nil }
            return try? JSONCoding.decode([ProviderLoad].self, from: data)
        }
        return limits(config).map { limit in
            var load = limit
            for entry in reports.joined() where entry.name == limit.name {
                load.inFlight = (load.inFlight ?? 0) + (entry.inFlight ?? 0)
                load.waiting = (load.waiting ?? 0) + (entry.waiting ?? 0)
                if let started = entry.startedLastMinute { load.startedLastMinute = (load.startedLastMinute ?? 0) + started }
            }
            return load
        }
    }

    static func reportFile(owner: String, layout: RootLayout) -> URL {
        layout.owners.appendingPathComponent("\(owner).providers.json")
    }
}

/// Writes what this process's provider limiters hold to `<owner>.providers.json` once a second,
/// when it changed, so `dropforge status` in another process can show it; removes the file when
/// the work stops. A process killed leaves its file behind, which `status` ignores with the dead
/// owner's lock.
final class ProviderLoadReporter: Sendable {
    private let file: URL
    private let registry: Mutex<ProviderRegistry>
    /// Each start begins a generation; its thread writes only while it is the current one, and
    /// the write and `stop()`'s removal take the same lock, so a stopped reporter leaves no file.
    private let generation = Mutex(0)

    init(owner: String, layout: RootLayout, registry: ProviderRegistry) {
        file = ProviderLoad.reportFile(owner: owner, layout: layout)
        self.registry = Mutex(registry)
    }

    /// The registry a config reload made; its limiters are the ones in use from now on.
    func replace(_ registry: ProviderRegistry) {
        self.registry.withLock { $0 = registry }
    }

    func start() {
        let mine = generation.withLock { $0 += 1; return $0 }
        let thread = Thread { [self] in loop(mine) }
        thread.name = "provider-load"
        thread.start()
    }

    func stop() {
        generation.withLock { generation in
            generation += 1
            try? FileManager.default.removeItem(at: file)
        }
    }

    private func loop(_ mine: Int) {
        var last: Data?
        while true {
            let loads = registry.withLock { $0.loads() }
            let data = loads.isEmpty ? nil : try? JSONCoding.encode(loads)
            let current = generation.withLock { generation -> Bool in
                guard generation == mine else { return false }
                if let data, data != last { try? FileSystem.writeAtomically(data, to: file) }
                return true
            }
            guard current else { return }
            last = data
            Thread.sleep(forTimeInterval: 1)
        }
    }
}
