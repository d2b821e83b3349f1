/// The five stages every job moves through, in order (DESIGN §4).
///
/// `parameters` and `export` run once per execution; `generate`, `quality` and `metadata`
/// run once per item — and so does `parameters` when a text provider writes each item's prompt.
public enum Stage: String, Codable, Sendable, CaseIterable {
    case parameters, generate, quality, metadata, export
}

/// Where a job stands. `completed` and `failed` are published; `cancelled` too (under `failures/`).
public enum JobStatus: String, Codable, Sendable, CaseIterable {
    case queued, running, completed, failed, cancelled

    public var isFinished: Bool { self == .completed || self == .failed || self == .cancelled }
}

/// Where an item stands. `approved`, `rejected` and `failed` are terminal.
public enum ItemStatus: String, Codable, Sendable, CaseIterable {
    case pending, generated, checked, approved, rejected, failed
}

/// An item's quality verdict (`qc_status`): what QC said, or what review decided since.
public enum QCStatus: String, Codable, Sendable, CaseIterable {
    case passed, rejected
    /// Published by `review approve` although QC rejected it.
    case approved
    /// Taken out of review for good by `review reject`; the item stays rejected.
    case dismissed
}

/// Where a step stands in the queue.
public enum StepStatus: String, Codable, Sendable {
    case pending, leased, done, failed
}
