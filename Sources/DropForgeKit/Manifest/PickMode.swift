/// How items pick their keyword/variable combination: `sequential` walks the combinations in
/// order (wrapping around), `random` draws them from a generator seeded by the job's seed, so a
/// fixed seed still gives the same items on every rerun.
public enum PickMode: String, Codable, Sendable, CaseIterable {
    case sequential, random
}
