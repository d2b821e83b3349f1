/// A small, seedable random number generator (SplitMix64).
///
/// The standard library's `SystemRandomNumberGenerator` cannot be seeded, and the algorithms behind
/// `Int.random(in:using:)` / `shuffle(using:)` are not promised to stay the same across Swift
/// releases. A fixed manifest `seed` must give the same items on every machine and toolchain, so
/// this type supplies both the bits (SplitMix64, fully specified) and its own bounded-integer and
/// shuffle helpers.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { self.state = seed }

    /// The next 64 random bits (SplitMix64, Steele/Lea/Flood 2014).
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniformly distributed integer in `0..<bound` (Lemire's multiply-and-reject method).
    /// Written out here so the sequence never depends on the standard library's implementation.
    public mutating func nextIndex(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold {
                product = next().multipliedFullWidth(by: range)
            }
        }
        return Int(product.high)
    }

    /// Fisher–Yates shuffle driven by `nextIndex(below:)`, deterministic for a given seed.
    public mutating func shuffled<T>(_ elements: [T]) -> [T] {
        var result = elements
        guard result.count > 1 else { return result }
        for i in stride(from: result.count - 1, to: 0, by: -1) {
            let j = nextIndex(below: i + 1)
            if i != j { result.swapAt(i, j) }
        }
        return result
    }
}
