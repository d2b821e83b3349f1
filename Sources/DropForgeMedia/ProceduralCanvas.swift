/// The procedural renderer's RGBA8 drawing surface.
///
/// Everything writes straight into one `[UInt8]` through an unsafe buffer
/// pointer, with no per-pixel allocation, so a 768×768 render stays fast even
/// in a debug build. All output pixels are opaque.
struct ProceduralCanvas {
    let width: Int
    let height: Int
    var pixels: [UInt8]

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 255, count: width * height * 4)
    }

    var image: RGBAImage { RGBAImage(width: width, height: height, pixels: pixels) }

    /// One colour everywhere (used for blank prompts).
    mutating func fillFlat(_ color: ProceduralColor) {
        let r = UInt8(color.r.rounded()), g = UInt8(color.g.rounded()), b = UInt8(color.b.rounded())
        pixels.withUnsafeMutableBufferPointer { p in
            var i = 0
            while i < p.count {
                p[i] = r; p[i + 1] = g; p[i + 2] = b; p[i + 3] = 255
                i += 4
            }
        }
    }

    /// A linear three-stop gradient along the unit direction (dx, dy) with
    /// per-pixel hashed noise of ±`noise` levels (same offset on R, G and B).
    mutating func fillGradient(_ stops: (ProceduralColor, ProceduralColor, ProceduralColor),
                               dx: Double, dy: Double, noise: Int, noiseSeed: UInt32) {
        // 1024-entry lookup table: per pixel work is then integer only.
        let steps = 1024
        var lut = [Int](repeating: 0, count: steps * 3)
        for i in 0..<steps {
            let t = Double(i) / Double(steps - 1)
            let c = t < 0.5 ? stops.0.mixed(with: stops.1, t * 2) : stops.1.mixed(with: stops.2, (t - 0.5) * 2)
            lut[i * 3] = Int(c.r.rounded()); lut[i * 3 + 1] = Int(c.g.rounded()); lut[i * 3 + 2] = Int(c.b.rounded())
        }
        let w = Double(width), h = Double(height)
        let extent = max(1, abs(w * dx) + abs(h * dy))
        // t = ((x + 0.5 - w/2)·dx + (y + 0.5 - h/2)·dy) / extent + 0.5, in 20-bit fixed point of LUT index.
        let scale = Double(steps - 1) * Double(1 << 20)
        let stepX = Int((dx / extent * scale).rounded())
        let span = 2 * noise + 1
        let width = self.width, height = self.height
        lut.withUnsafeBufferPointer { table in
            pixels.withUnsafeMutableBufferPointer { p in
                var i = 0
                for y in 0..<height {
                    let t0 = ((0.5 - w / 2) * dx + (Double(y) + 0.5 - h / 2) * dy) / extent + 0.5
                    var fixed = Int((t0 * scale).rounded())
                    let yHash = UInt32(truncatingIfNeeded: y) &* 0x85EB_CA77 ^ noiseSeed
                    for x in 0..<width {
                        var index = fixed >> 20
                        if index < 0 { index = 0 } else if index >= steps { index = steps - 1 }
                        var n = 0
                        if span > 1 {
                            var hash = UInt32(truncatingIfNeeded: x) &* 0x9E37_79B1 ^ yHash
                            hash ^= hash >> 15
                            hash &*= 0x2C1B_3C6D
                            hash ^= hash >> 12
                            n = Int(hash % UInt32(span)) - noise
                        }
                        let base = index * 3
                        var r = table[base] + n, g = table[base + 1] + n, b = table[base + 2] + n
                        if r < 0 { r = 0 } else if r > 255 { r = 255 }
                        if g < 0 { g = 0 } else if g > 255 { g = 255 }
                        if b < 0 { b = 0 } else if b > 255 { b = 255 }
                        p[i] = UInt8(r); p[i + 1] = UInt8(g); p[i + 2] = UInt8(b); p[i + 3] = 255
                        i += 4
                        fixed += stepX
                    }
                }
            }
        }
    }

    /// Fills the union of `pieces` (coverage = max over pieces) with `color` at `opacity`.
    mutating func fill(_ pieces: [ProceduralPiece], color: ProceduralColor, opacity: Double) {
        guard !pieces.isEmpty, opacity > 0 else { return }
        let boxes = pieces.map { $0.bounds }
        var minX = Double.infinity, minY = Double.infinity, maxX = -Double.infinity, maxY = -Double.infinity
        for b in boxes {
            minX = min(minX, b.0); minY = min(minY, b.1); maxX = max(maxX, b.2); maxY = max(maxY, b.3)
        }
        let x0 = max(0, Int(minX.rounded(.down))), x1 = min(width - 1, Int(maxX.rounded(.up)))
        let y0 = max(0, Int(minY.rounded(.down))), y1 = min(height - 1, Int(maxY.rounded(.up)))
        guard x0 <= x1, y0 <= y1 else { return }
        let cr = color.r, cg = color.g, cb = color.b
        let width = self.width
        let count = pieces.count
        pieces.withUnsafeBufferPointer { list in
            boxes.withUnsafeBufferPointer { box in
                pixels.withUnsafeMutableBufferPointer { p in
                    for y in y0...y1 {
                        let py = Double(y) + 0.5
                        var i = (y * width + x0) * 4
                        for x in x0...x1 {
                            let px = Double(x) + 0.5
                            var cover = 0.0
                            var k = 0
                            while k < count {
                                let b = box[k]
                                if px >= b.0 && px <= b.2 && py >= b.1 && py <= b.3 {
                                    let c = list[k].coverage(x: px, y: py)
                                    if c > cover {
                                        cover = c
                                        if cover >= 1 { break }
                                    }
                                }
                                k += 1
                            }
                            if cover > 0 {
                                let a = cover * opacity
                                let r0 = Double(p[i]), g0 = Double(p[i + 1]), b0 = Double(p[i + 2])
                                p[i] = UInt8(r0 + (cr - r0) * a + 0.5)
                                p[i + 1] = UInt8(g0 + (cg - g0) * a + 0.5)
                                p[i + 2] = UInt8(b0 + (cb - b0) * a + 0.5)
                            }
                            i += 4
                        }
                    }
                }
            }
        }
    }

    /// Fills everything below a per-column edge `top[x]` (a silhouette such as
    /// mountains or a wave band), shading from `color` at the top to `bottom`.
    mutating func fillBelow(top: [Double], color: ProceduralColor, bottom: ProceduralColor, opacity: Double) {
        precondition(top.count == width)
        guard opacity > 0 else { return }
        // Distance to a sloped edge ≈ vertical distance / √(1 + slope²).
        var factor = [Double](repeating: 1, count: width)
        var highest = Double.infinity
        for x in 0..<width {
            let left = top[max(0, x - 1)], right = top[min(width - 1, x + 1)]
            let slope = (right - left) / Double(max(1, min(width - 1, x + 1) - max(0, x - 1)))
            factor[x] = 1 / (1 + slope * slope).squareRoot()
            highest = min(highest, top[x])
        }
        let y0 = max(0, Int(highest.rounded(.down)) - 1)
        guard y0 < height else { return }
        let span = Double(max(1, height - y0))
        let width = self.width, height = self.height
        top.withUnsafeBufferPointer { edge in
            factor.withUnsafeBufferPointer { k in
                pixels.withUnsafeMutableBufferPointer { p in
                    for y in y0..<height {
                        let py = Double(y) + 0.5
                        let c = color.mixed(with: bottom, Double(y - y0) / span)
                        let cr = c.r, cg = c.g, cb = c.b
                        var i = y * width * 4
                        for x in 0..<width {
                            let d = (py - edge[x]) * k[x]
                            if d > -0.5 {
                                let a = (d >= 0.5 ? 1 : d + 0.5) * opacity
                                let r0 = Double(p[i]), g0 = Double(p[i + 1]), b0 = Double(p[i + 2])
                                p[i] = UInt8(r0 + (cr - r0) * a + 0.5)
                                p[i + 1] = UInt8(g0 + (cg - g0) * a + 0.5)
                                p[i + 2] = UInt8(b0 + (cb - b0) * a + 0.5)
                            }
                            i += 4
                        }
                    }
                }
            }
        }
    }
}
