import Foundation
import Logging
import DropForgeStore

/// Everything a running dropforge process needs, wired once: config, store, log, intake and
/// the engine with its stage runners. `drain` and `watch` differ only in how they feed it.
public final class Runtime: Sendable {
    public let layout: RootLayout
    public let config: DropforgeConfig
    public let store: JobStore
    public let owner: OwnerIdentity
    public let log: EventLog
    public let intake: Intake
    public let engine: Engine
    /// This process's provider load, for `status` (``ProviderLoad``).
    let providerLoad: ProviderLoadReporter

    /// Opens the root. Throws `ManifestError` (code `config_invalid`) for a bad config — a
    /// usage error (exit 2) rather than a job failure. `stages` limits the workers started
    /// (`jobs cancel` publishes without running anything else).
    public init(layout: RootLayout, logger: Logger = Logger(label: "dropforge"),
                stages: Set<Stage> = Set(Stage.allCases)) throws {
        self.layout = layout
        config = try DropforgeConfig.load(from: layout.configFile)
        try layout.createFolders()
        store = try config.store.open(layout: layout)
        owner = try OwnerIdentity(layout: layout)
        log = EventLog(store: store, layout: layout, logger: logger)
        intake = Intake(layout: layout, config: config, store: store, log: log)
        let providers = ProviderRegistry(config: config, layout: layout)
        providerLoad = ProviderLoadReporter(owner: owner.id, layout: layout, registry: providers)
        let runners = Self.runners(config: config, layout: layout, store: store, log: log, providers: providers)
        let workers = config.workers
        engine = Engine(
            store: store, layout: layout, owner: owner, log: log, runners: runners.filter { stages.contains($0.stage) },
            options: .init(
                workers: workers.byStage,
                leaseSeconds: TimeInterval(config.leaseSeconds),
                heartbeatSeconds: TimeInterval(config.heartbeatSeconds),
                retry: RetryRules(config: config),
                batch: config.batch.byStage, carryOn: config.carryOn))
    }

    /// Starts the engine's workers, and the report of this process's provider load.
    public func startWork() {
        engine.start()
        providerLoad.start()
    }

    /// Stops the workers (see ``Engine/stop(grace:)``) and the load report.
    @discardableResult
    public func stopWork(grace: TimeInterval) -> Bool {
        defer { providerLoad.stop() }
        return engine.stop(grace: grace)
    }

    /// The stage runners for `config`: its providers (one registry, so a provider's limits hold
    /// across stages), limits and prices.
    static func runners(config: DropforgeConfig, layout: RootLayout, store: JobStore, log: EventLog,
                        providers: ProviderRegistry) -> [StageRunner] {
        let limits = config.limits
        return [
            KindRouter(images: ParametersStage(providers: providers, layout: layout),
                       card: CardParametersStage(layout: layout, limits: limits)),
            KindRouter(images: GenerateStage(layout: layout, providers: providers),
                       card: CardGenerateStage(layout: layout, providers: providers, limits: limits)),
            KindRouter(images: QualityStage(layout: layout, store: store, limits: limits.pngLimits, providers: providers),
                       card: CardQualityStage(layout: layout, limits: limits)),
            KindRouter(images: MetadataStage(layout: layout, providers: providers),
                       card: CardMetadataStage(layout: layout, limits: limits)),
            ExportStage(layout: layout, store: store, log: log, maxAttempts: config.retry.maxAttempts, limits: limits,
                        prices: config.prices),
        ]
    }

    deinit { owner.close() }
}
