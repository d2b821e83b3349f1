import Foundation
import Synchronization

/// Re-reads `config/dropforge.yaml` in a running `watch`: on SIGHUP, and when the file changes
/// (one `stat` a second). Profiles, templates and keyword files need nothing of this: they are
/// read again whenever they change (``FileCache``).
///
/// A new config applies to what starts after it — manifests claimed from then on, and steps
/// claimed from then on run with its providers, limits and prices. A broken one is logged and
/// the old one kept, so an edit in progress never stops the daemon. Settings that shape the
/// running process itself (watcher, workers, batches, leases, retries…) need a restart, and the
/// log says so when they change.
public final class ConfigReload: Sendable {
    private let runtime: Runtime
    private struct State {
        var config: DropforgeConfig
        var stamp: FileStamp?
    }
    private let state: Mutex<State>

    public init(runtime: Runtime) {
        self.runtime = runtime
        state = Mutex(State(config: runtime.config, stamp: FileStamp(path: runtime.layout.configFile.path)))
    }

    /// The config in use now.
    public var config: DropforgeConfig { state.withLock { $0.config } }

    /// Reloads when the file's stamp differs from the one last loaded (or last refused).
    public func reloadIfChanged() {
        let stamp = FileStamp(path: runtime.layout.configFile.path)
        guard state.withLock({ $0.stamp != stamp }) else { return }
        reload(because: "config/dropforge.yaml changed")
    }

    /// Loads the file and puts it to use, or logs why it cannot and keeps the old one.
    public func reload(because reason: String) {
        let path = runtime.layout.configFile.path
        let stamp = FileStamp(path: path)
        let log = runtime.log
        let new: DropforgeConfig
        do {
            new = try DropforgeConfig.load(from: runtime.layout.configFile)
        } catch {
            state.withLock { $0.stamp = stamp }
            log.record(.error, job: "daemon", event: "config_refused",
                       message: "\(reason); not reloaded, the running config stays: \(error)")
            return
        }
        let old = state.withLock { state in
            defer { state = State(config: new, stamp: stamp) }
            return state.config
        }
        runtime.intake.update(config: new)
        let registry = ProviderRegistry(config: new, layout: runtime.layout)
        runtime.engine.replaceRunners(Runtime.runners(config: new, layout: runtime.layout, store: runtime.store, log: log,
                                                      providers: registry))
        runtime.providerLoad.replace(registry)
        let restart = Self.restartOnly(old, new)
        let providers = new.providers.keys.sorted()
        log.record(restart.isEmpty ? .info : .warning, job: "daemon", event: "config_reloaded",
                   message: "\(reason); reloaded (providers: \(providers.isEmpty ? "none" : providers.joined(separator: ", ")))"
                       + (restart.isEmpty ? "" : "; \(restart.joined(separator: ", ")) changed and take effect at the next start"))
    }

    /// The keys whose change needs a restart: they shape the watcher and the engine's threads.
    static func restartOnly(_ old: DropforgeConfig, _ new: DropforgeConfig) -> [String] {
        var keys: [String] = []
        func check<T: Equatable>(_ key: String, _ path: KeyPath<DropforgeConfig, T>) {
            if old[keyPath: path] != new[keyPath: path] { keys.append(key) }
        }
        check("store", \.store)
        check("watcher", \.watcher)
        check("rescan_seconds", \.rescanSeconds)
        check("poll_interval_ms", \.pollIntervalMs)
        check("settle_ms", \.settleMs)
        check("workers", \.workers)
        check("batch", \.batch)
        check("carry_on", \.carryOn)
        check("lease_seconds", \.leaseSeconds)
        check("heartbeat_seconds", \.heartbeatSeconds)
        check("retry", \.retry)
        if old.providers.mapValues(\.retry) != new.providers.mapValues(\.retry) { keys.append("a provider's retry") }
        check("shutdown_grace_seconds", \.shutdownGraceSeconds)
        return keys
    }
}
