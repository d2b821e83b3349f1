import Foundation
import DropForgeCore
import DropForgeStore

/// Everything `jobs show` tells about a job, read from the store.
public struct JobDetail: Encodable, Sendable {
    public struct Execution: Encodable, Sendable {
        public var id: String
        public var number: Int
        public var parent: String?
        public var status: JobStatus
        public var outbox: String?
        public var failure: StageFailure?
        public var cancelled: Date?
        public var settings: JobSettings?
        /// Seconds per stage, summed over its steps.
        public var stages: [String: Double]
        /// Text-provider tokens of the execution's own calls (a retry's, not its parent's), with
        /// failed attempts, and their cost at the config's prices.
        public var usage: TokenUsage
        public var cost: Double
        /// How many calls were answered, and the models that answered them (each reply's `model`).
        public var calls: Int
        public var models: [String]
        public var steps: [Step]
        public var items: [Item]
    }

    public struct Step: Encodable, Sendable {
        public var stage: Stage
        public var item: Int?
        public var status: StepStatus
        public var attempts: Int
        public var error: String?
    }

    public struct Item: Encodable, Sendable {
        public var item: Int
        public var status: ItemStatus
        public var prompt: String
        public var seed: UInt32
        public var size: String
        public var qc: QCStatus?
        public var reason: String?
        /// Where the item is published, relative to the root (`results/…/images/NNNN.png`, or
        /// `review/…` for a rejected one); nil while it is not in the outbox.
        public var path: String?
        public var attempts: Int
        public var error: String?
    }

    public var job: String
    public var name: String
    public var manifest: String
    public var manifestID: String?
    public var status: JobStatus
    public var created: Date
    public var finished: Date?
    public var executions: [Execution]

    enum CodingKeys: String, CodingKey {
        case job, name, manifest, manifestID = "manifest_id", status, created, finished, executions
    }

    public static func load(_ job: JobRecord, from store: JobReader, prices: [String: ModelPrice] = [:]) throws -> JobDetail {
        let executions = try store.executions(jobID: job.id).map { execution -> Execution in
            let items = try store.items(executionID: execution.id)
            let steps = try store.steps(executionID: execution.id)
            let calls = steps.flatMap(\.usageRecords)
            let total = JobSummary.Usage(calls, prices: prices)
            let indexByItem = Dictionary(uniqueKeysWithValues: items.compactMap { item in item.id.map { ($0, item.index + 1) } })
            let settings = try execution.settings.map { try JSONCoding.decodeSettings(JobSettings.self, from: $0) }
            let formats = settings?.export.formats ?? JobSettings.Export().formats
            return Execution(
                id: execution.id, number: execution.number, parent: execution.parentID, status: execution.status,
                outbox: execution.outboxPath,
                failure: try execution.failure.map { try JSONCoding.decode(StageFailure.self, from: $0) },
                cancelled: execution.cancelledAt,
                settings: settings,
                stages: StepRecord.secondsByStage(steps),
                usage: TokenUsage(promptTokens: total.promptTokens, completionTokens: total.completionTokens),
                cost: total.cost, calls: calls.count, models: total.models ?? [],
                steps: steps.map {
                    Step(stage: $0.stage, item: $0.itemID.flatMap { indexByItem[$0] }, status: $0.status,
                         attempts: $0.attempts, error: $0.lastError)
                },
                items: try items.map { item in
                    let plan = try JSONCoding.decode(ItemPlan.self, from: item.plan)
                    return Item(item: item.index + 1, status: item.status, prompt: plan.prompt, seed: plan.seed,
                                size: "\(plan.width)x\(plan.height)", qc: item.qcStatus, reason: item.qcReason,
                                path: try JobExport.publishedPath(of: item, in: execution, formats: formats), attempts: item.attempts, error: item.lastError)
                })
        }
        return JobDetail(job: job.id, name: job.name, manifest: job.sourceName, manifestID: job.manifestID,
                         status: job.status, created: job.createdAt, finished: job.finishedAt, executions: executions)
    }

    /// The human-readable form.
    public var text: String {
        var lines = ["job:      \(job)", "name:     \(name)", "manifest: \(manifest)" + (manifestID.map { " (id \($0))" } ?? ""),
                     "status:   \(status.rawValue)", "created:  \(Timestamp.iso8601(created))"]
        if let finished { lines.append("finished: \(Timestamp.iso8601(finished))") }
        for execution in executions {
            lines.append("")
            lines.append("execution \(execution.number): \(execution.id) — \(execution.status.rawValue)"
                         + (execution.outbox.map { " → \($0)" } ?? ""))
            if let cancelled = execution.cancelled {
                lines.append("  cancelled at \(Timestamp.iso8601(cancelled))")
            }
            if let failure = execution.failure {
                lines.append("  error: \(failure.stage) \(failure.code): \(failure.message)")
            }
            if let settings = execution.settings, let card = settings.card {
                lines.append("  settings: card \(card.spec.rawValue), writer \(card.writer), avatar "
                             + (card.avatar.image.map { "from \($0)" } ?? "by \(card.avatar.provider) at \(card.avatar.size) px")
                             + ", seed \(card.avatar.seed.map(String.init) ?? "random"), quality \(settings.quality.enabled ? "on" : "off")")
            } else if let settings = execution.settings {
                lines.append("  settings: profile \(settings.profileName ?? "-"), provider \(settings.generate.provider), "
                             + "size \(settings.params.size), seed \(settings.params.seed.map(String.init) ?? "random"), "
                             + "quality \(settings.quality.enabled ? settings.quality.checks.map(\.rawValue).joined(separator: "+") : "off")")
            }
            if execution.calls > 0 {
                lines.append("  tokens: \(execution.usage.promptTokens) prompt + \(execution.usage.completionTokens) completion in "
                             + "\(execution.calls) call(s), cost \(CostText.dollars(execution.cost)); answered by "
                             + execution.models.joined(separator: ", "))
            }
            if !execution.stages.isEmpty {
                lines.append("  stages: " + Stage.allCases.compactMap { stage in
                    execution.stages[stage.rawValue].map { "\(stage.rawValue) " + String(format: "%.3f s", $0) }
                }.joined(separator: ", "))
            }
            for step in execution.steps where step.error != nil {
                lines.append("  step \(step.stage.rawValue)\(step.item.map { " #\($0)" } ?? ""): \(step.status.rawValue) after \(step.attempts) attempt(s): \(step.error!)")
            }
            for item in execution.items {
                var line = "  #\(itemFileStem(item.item - 1)) \(item.status.rawValue) \(item.size) seed \(item.seed)"
                if let qc = item.qc { line += " qc \(qc.rawValue)" + (item.reason.map { " (\($0))" } ?? "") }
                if let error = item.error, item.status == .failed { line += " — \(error)" }
                lines.append(line)
                lines.append("        \(item.prompt)")
                if let path = item.path { lines.append("        → \(path)") }
            }
        }
        return lines.joined(separator: "\n")
    }
}
