/// Deterministic randomness and maths for the procedural renderer.
///
/// Why not `SystemRandomNumberGenerator`, `Hasher` or `sin`: the first two are
/// seeded per process and libm's trigonometry may differ in the last bit
/// between platforms. Everything here is integer arithmetic or IEEE-754 basic
/// operations (+ − × ÷ √, rounding), so a seed gives the same picture anywhere.
struct ProceduralRandom {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    /// SplitMix64.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Uniform in [low, high).
    mutating func double(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * unit()
    }

    /// Uniform in low...high.
    mutating func int(_ low: Int, _ high: Int) -> Int {
        precondition(high >= low)
        return low + Int(next() % UInt64(high - low + 1))
    }

    mutating func chance(_ probability: Double) -> Bool {
        unit() < probability
    }

    /// FNV-1a over UTF-8, stable across runs and platforms (unlike `Hasher`).
    static func hash(_ text: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            h ^= UInt64(byte)
            h &*= 0x0000_0100_0000_01B3
        }
        return h
    }

    /// Mixes two 64-bit values into one well-spread value.
    static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var r = ProceduralRandom(seed: a ^ (b &* 0x9E37_79B9_7F4A_7C15))
        return r.next()
    }

    /// sin(2π·turns) with a polynomial: deterministic, error < 1e-7.
    static func sinTurns(_ turns: Double) -> Double {
        var t = turns - turns.rounded(.down)          // [0, 1)
        if t > 0.5 { t -= 1 }                          // (-0.5, 0.5]
        var x = t * 2 * Double.pi                      // (-π, π]
        if x > Double.pi / 2 { x = Double.pi - x }
        if x < -Double.pi / 2 { x = -Double.pi - x }
        let x2 = x * x
        // Taylor series to x^13 on [-π/2, π/2].
        var term = x
        var sum = x
        var n = 1.0
        for _ in 0..<6 {
            term = -term * x2 / ((n + 1) * (n + 2))
            sum += term
            n += 2
        }
        return sum
    }

    /// cos(2π·turns).
    static func cosTurns(_ turns: Double) -> Double {
        sinTurns(turns + 0.25)
    }
}
