/// A problem with a job's `params:` block (a bad template placeholder, an unreadable aspect
/// ratio, an empty variable…). Permanent: re-running the same manifest would fail the same way,
/// so the pipeline sends the job to `failures/` with this message instead of retrying.
public struct ParameterError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
