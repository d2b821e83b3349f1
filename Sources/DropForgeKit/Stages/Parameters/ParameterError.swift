/// A problem with a job's `params:` block (a bad template placeholder, an unreadable aspect
/// ratio, an empty variable…). Permanent: re-running the same manifest would fail the same way,
/// so the pipeline sends the job to `failures/` with this message instead of retrying.
public struct ParameterError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The `params:` key the problem is in (`template`, `negative`, `vars`, …), so a check
    /// before the run can point at the line that wrote it.
    public var field: String
    public var message: String
    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }
    public var description: String { "\(field): \(message)" }
}
