import Foundation
import DropForgeCore
import DropForgeStore

/// Stage 1: expands the manifest's template × keywords × vars into item plans (prompt, seed,
/// size per item). The plans are stored with the items, so retries and reruns reuse them.
public struct ParametersStage: StageRunner {
    public let stage = Stage.parameters
    let providers: ProviderRegistry
    let writers: RemoteWriters

    public init(providers: ProviderRegistry, layout: RootLayout) {
        self.providers = providers
        writers = RemoteWriters(templates: PromptTemplates(layout: layout))
    }

    public func run(_ lease: StepLease) throws -> StepOutcome {
        let settings = try lease.settings()
        let writer = try providers.textProvider(named: settings.params.writer)
        let params = settings.params
        let spec = ParameterSpec(
            template: params.template, keywords: params.keywords, vars: params.vars, pick: params.pick,
            count: params.count, aspectRatios: params.aspectRatios, size: params.size, seed: params.seed,
            negative: params.negative)
        var plans: [ItemPlan]
        do {
            plans = try ParameterExpander.expand(spec, baseSeed: UInt32(truncatingIfNeeded: lease.execution.baseSeed))
        } catch let error as ParameterError {
            throw StepError.permanent(.parametersInvalid, error.description)
        }
        if let writer {
            // The template's prompt is the draft; the provider writes the final one.
            plans = try plans.map {
                try writers.writePrompt($0, template: params.template, provider: writer, sampling: settings.text ?? TextSampling())
            }
        }
        return .expanded(try plans.map { try JSONCoding.encode($0) })
    }
}
