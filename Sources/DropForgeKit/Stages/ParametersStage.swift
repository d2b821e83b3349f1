import Foundation
import DropForgeCore
import DropForgeStore

/// Stage 1: expands the manifest's template × keywords × vars into item plans (prompt, seed,
/// size per item). The plans are stored with the items, so retries and reruns reuse them.
///
/// With a text provider as `params.writer`, the expansion only drafts each prompt (the filled
/// template) and every item then gets a parameters step of its own that asks the provider for
/// its final prompt: one unusable reply or a server outage fails, and retries, only that item,
/// never the whole job (issue 17).
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
        if let item = lease.item {
            // The template's prompt is the draft; the provider writes the final one (with no
            // writer any more, the draft stands).
            guard let writer else { return .prompted(plan: item.plan) }
            let plan = try writers.writePrompt(try lease.plan(), template: params.template, provider: writer,
                                               sampling: settings.text ?? TextSampling())
            return .prompted(plan: try JSONCoding.encode(plan))
        }
        let spec = ParameterSpec(
            template: params.template, keywords: params.keywords, vars: params.vars, pick: params.pick,
            count: params.count, aspectRatios: params.aspectRatios, size: params.size, seed: params.seed,
            negative: params.negative)
        let plans: [ItemPlan]
        do {
            plans = try ParameterExpander.expand(spec, baseSeed: UInt32(truncatingIfNeeded: lease.execution.baseSeed))
        } catch let error as ParameterError {
            throw StepError.permanent(.parametersInvalid, error.description)
        }
        return .expanded(try plans.map { try JSONCoding.encode($0) }, next: writer == nil ? .generate : .parameters)
    }
}
