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
    /// `qc_rejected_all` when some failed QC, `items_failed` when none could be made; nil when
    /// at least one item was approved (DESIGN §1: no approved item at all is a failure).
    public static func noApprovedItem(counts: JobSummary.Counts, items: [ItemRecord], executionID: String,
                                      at date: Date = Date()) -> StageFailure? {
        guard counts.approved == 0 else { return nil }
        if counts.rejected > 0 {
            return StageFailure(stage: "quality", code: .qcRejectedAll,
                                message: "all \(counts.rejected) item(s) failed quality checks; they wait in review/\(executionID)/",
                                attempts: 1, at: date)
        }
        return StageFailure(stage: "generate", code: .itemsFailed,
                            message: "no item could be made: " + (items.compactMap(\.lastError).first ?? "unknown error"),
                            attempts: items.map(\.attempts).max() ?? 1, at: date)
    }
}
