/// An RGB colour with channels in 0...255 (as Double) for the procedural
/// renderer's blending and palette arithmetic.
struct ProceduralColor: Equatable {
    var r: Double
    var g: Double
    var b: Double

    init(_ r: Double, _ g: Double, _ b: Double) {
        self.r = min(255, max(0, r))
        self.g = min(255, max(0, g))
        self.b = min(255, max(0, b))
    }

    /// Rec. 601 luma, 0...255.
    var luminance: Double { 0.299 * r + 0.587 * g + 0.114 * b }

    /// Linear mix: 0 gives self, 1 gives `other`.
    func mixed(with other: ProceduralColor, _ amount: Double) -> ProceduralColor {
        ProceduralColor(r + (other.r - r) * amount, g + (other.g - g) * amount, b + (other.b - b) * amount)
    }

    func lighter(_ amount: Double) -> ProceduralColor { mixed(with: .white, amount) }
    func darker(_ amount: Double) -> ProceduralColor { mixed(with: .black, amount) }

    static let white = ProceduralColor(255, 255, 255)
    static let black = ProceduralColor(0, 0, 0)

    /// Hue in degrees [0, 360), saturation and value in [0, 1].
    var hsv: (h: Double, s: Double, v: Double) {
        let maxC = max(r, g, b), minC = min(r, g, b)
        let delta = maxC - minC
        let v = maxC / 255
        let s = maxC == 0 ? 0 : delta / maxC
        var h = 0.0
        if delta > 0 {
            if maxC == r { h = 60 * ((g - b) / delta) }
            else if maxC == g { h = 60 * ((b - r) / delta + 2) }
            else { h = 60 * ((r - g) / delta + 4) }
        }
        if h < 0 { h += 360 }
        return (h, s, v)
    }

    static func fromHSV(_ hue: Double, _ s: Double, _ v: Double) -> ProceduralColor {
        var h = hue - 360 * (hue / 360).rounded(.down)
        if h >= 360 { h -= 360 }
        let sat = min(1, max(0, s)), val = min(1, max(0, v))
        let c = val * sat
        let hp = h / 60
        let sector = Int(hp)
        let frac = hp - Double(sector)
        let x = c * (sector % 2 == 0 ? frac : 1 - frac)
        let m = val - c
        let (r1, g1, b1): (Double, Double, Double)
        switch sector {
        case 0: (r1, g1, b1) = (c, x, 0)
        case 1: (r1, g1, b1) = (x, c, 0)
        case 2: (r1, g1, b1) = (0, c, x)
        case 3: (r1, g1, b1) = (0, x, c)
        case 4: (r1, g1, b1) = (x, 0, c)
        default: (r1, g1, b1) = (c, 0, x)
        }
        return ProceduralColor((r1 + m) * 255, (g1 + m) * 255, (b1 + m) * 255)
    }

    /// Circular distance between two hues in degrees (0...180).
    static func hueDistance(_ a: Double, _ b: Double) -> Double {
        var d = abs(a - b)
        d -= 360 * (d / 360).rounded(.down)
        return d > 180 ? 360 - d : d
    }
}
