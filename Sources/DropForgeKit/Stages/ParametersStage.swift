import Foundation

/// Stage 1: expands the manifest's template × keywords × vars into item plans (prompt, seed,
/// size per item). The plans are stored with the items, so retries and reruns reuse them.
public struct ParametersStage: StageRunner {
    public let stage = Stage.parameters
    let providers: ProviderRegistry

    public init(providers: ProviderRegistry) {
        self.providers = providers
    }

    public func run(_ lease: StepLease) throws -> StepOutcome {
        let settings = try lease.settings()
        try providers.requireLocalWriter(named: settings.params.writer)
        let params = settings.params
        let spec = ParameterSpec(
            template: params.template, keywords: params.keywords, vars: params.vars, pick: params.pick,
            count: params.count, aspectRatios: params.aspectRatios, size: params.size, seed: params.seed,
            negative: params.negative)
        let plans: [ItemPlan]
        do {
            plans = try ParameterExpander.expand(spec, baseSeed: UInt32(truncatingIfNeeded: lease.execution.baseSeed))
        } catch let error as ParameterError {
            throw StepError.permanent("parameters_invalid", error.message)
        }
        return .expanded(try plans.map { try JSONCoding.encode($0) })
    }
}
