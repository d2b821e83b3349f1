/// How many items of a job's newest execution are done (terminal) of how many it has:
/// the `134/600` of `status` and `jobs list`.
public struct ItemProgress: Sendable, Codable, Equatable {
    public var done: Int
    public var total: Int

    public init(done: Int, total: Int) {
        self.done = done
        self.total = total
    }

    public var description: String { "\(done)/\(total)" }
}
