import Foundation
import DropForgeStore

// How an execution's items decide its outcome, shared by the export stage (which publishes it)
// and `jobs export` (which reads it back): the store records the status of a published
// execution but not the failure the export stage derived from its items.

extension JobSummary.Counts {
    /// The items of one execution, counted by terminal status.
    public init(items: [ItemRecord]) {
        self.init(total: items.count,
                  approved: items.filter { $0.status == .approved }.count,
                  rejected: items.filter { $0.status == .rejected }.count,
                  failed: items.filter { $0.status == .failed }.count)
    }
}

extension StageFailure {
    /// Why an execution whose items are all terminal has nothing to publish in `results/`:
    /// `qc_rejected_all` when some failed QC, `items_failed` when none could be finished; nil
    /// when at least one item was approved (DESIGN §1: no approved item at all is a failure).
    ///
    /// `items_failed` names the stage most of the items failed in (the later stage on a tie: the
    /// one reached), read from the execution's failed `steps`, and quotes the first of those
    /// items' errors — items that failed in metadata were made, so "generate" would mislead.
    public static func noApprovedItem(counts: JobSummary.Counts, items: [ItemRecord], steps: [StepRecord],
                                      executionID: String, at date: Date = Date()) -> StageFailure? {
        guard counts.approved == 0 else { return nil }
        if counts.rejected > 0 {
            return StageFailure(stage: "quality", code: .qcRejectedAll,
                                message: "all \(counts.rejected) item(s) failed quality checks; they wait in review/\(executionID)/",
                                attempts: 1, at: date)
        }
        var failedIn: [Int64: Stage] = [:]
        for step in steps where step.status == .failed { if let id = step.itemID { failedIn[id] = step.stage } }
        let failed = items.filter { $0.status == .failed }
        var tally: [Stage: Int] = [:]
        for item in failed { tally[item.id.flatMap { failedIn[$0] } ?? .generate, default: 0] += 1 }
        let order = { (stage: Stage) in Stage.allCases.firstIndex(of: stage) ?? 0 }
        let stage = tally.max { ($0.value, order($0.key)) < ($1.value, order($1.key)) }?.key ?? .generate
        let inStage = failed.filter { (item: ItemRecord) in (item.id.flatMap { failedIn[$0] } ?? .generate) == stage }
        let breakdown = Stage.allCases.compactMap { stage in tally[stage].map { "\($0) in \(stage.rawValue)" } }
        return StageFailure(stage: stage.rawValue, code: .itemsFailed,
                            message: "no item could be finished (\(breakdown.joined(separator: ", "))): "
                                + (inStage.compactMap(\.lastError).first ?? "unknown error"),
                            attempts: inStage.map(\.attempts).max() ?? 1, at: date)
    }
}
