/// Lays out and draws the procedural renderer's background and shapes.
///
/// Sizes are relative to the shorter side so any aspect ratio composes well;
/// every random choice comes from one seeded generator, in a fixed order.
struct ProceduralPainter {
    var canvas: ProceduralCanvas
    let palette: [ProceduralColor]
    var random: ProceduralRandom
    /// Mean luminance of the background, for picking visible shape colours.
    private(set) var backgroundLuminance = 128.0

    private var w: Double { Double(canvas.width) }
    private var h: Double { Double(canvas.height) }
    private var s: Double { Double(min(canvas.width, canvas.height)) }

    init(canvas: ProceduralCanvas, palette: [ProceduralColor], random: ProceduralRandom) {
        self.canvas = canvas
        self.palette = palette
        self.random = random
    }

    // MARK: Background

    mutating func paintBackground() {
        let n = palette.count
        let start = random.int(0, n - 1)
        var stops = (palette[start], palette[(start + 1) % n], palette[(start + 2) % n])
        let lums = [stops.0.luminance, stops.1.luminance, stops.2.luminance]
        // Guarantee visible variation even for one-colour palettes such as "black".
        if (lums.max() ?? 0) - (lums.min() ?? 0) < 45 {
            stops.2 = stops.2.luminance > 128 ? stops.2.darker(0.5) : stops.2.lighter(0.5)
        }
        backgroundLuminance = (stops.0.luminance + stops.1.luminance + stops.2.luminance) / 3
        let turns = random.unit()
        canvas.fillGradient(stops, dx: ProceduralRandom.cosTurns(turns), dy: ProceduralRandom.sinTurns(turns),
                            noise: 5, noiseSeed: UInt32(truncatingIfNeeded: random.next()))
    }

    // MARK: Colours

    /// A palette colour that stands out from the background.
    mutating func shapeColor(minContrast: Double = 45) -> ProceduralColor {
        var color = palette[random.int(0, palette.count - 1)]
        if abs(color.luminance - backgroundLuminance) < minContrast {
            let best = palette.max { abs($0.luminance - backgroundLuminance) < abs($1.luminance - backgroundLuminance) }!
            color = best
        }
        if abs(color.luminance - backgroundLuminance) < minContrast {
            color = backgroundLuminance > 128 ? color.darker(0.45) : color.lighter(0.5)
        }
        return color
    }

    var lightest: ProceduralColor { palette.max { $0.luminance < $1.luminance }! }
    var darkest: ProceduralColor { palette.min { $0.luminance < $1.luminance }! }

    // MARK: Shapes

    mutating func paint(_ kind: ProceduralShapeKind, ears: ProceduralCreatureEars) {
        switch kind {
        case .stripes: paintStripes()
        case .grid: paintGrid()
        case .sun: paintSun()
        case .stars: paintStars()
        case .clouds: paintClouds()
        case .mountains: paintMountains()
        case .skyline: paintSkyline()
        case .trees: paintTrees()
        case .waves: paintWaves()
        case .circles: paintCircles()
        case .bubbles: paintBubbles()
        case .flowers: paintFlowers()
        case .creature: paintCreature(ears: ears)
        }
    }

    mutating func paintStripes() {
        let vertical = random.chance(0.5)
        for _ in 0..<random.int(5, 11) {
            let thickness = s * random.double(0.02, 0.08)
            let at = random.double(0, vertical ? w : h)
            let rect: ProceduralPiece = vertical
                ? .rect(x0: at, y0: 0, x1: at + thickness, y1: h)
                : .rect(x0: 0, y0: at, x1: w, y1: at + thickness)
            canvas.fill([rect], color: shapeColor(), opacity: random.double(0.35, 0.6))
        }
    }

    mutating func paintGrid() {
        let spacing = s / Double(random.int(6, 12))
        let thickness = max(1.5, s * 0.006)
        let color = shapeColor()
        let opacity = random.double(0.35, 0.55)
        var x = random.double(0, spacing)
        while x < w {
            canvas.fill([.rect(x0: x, y0: 0, x1: x + thickness, y1: h)], color: color, opacity: opacity)
            x += spacing
        }
        var y = random.double(0, spacing)
        while y < h {
            canvas.fill([.rect(x0: 0, y0: y, x1: w, y1: y + thickness)], color: color, opacity: opacity)
            y += spacing
        }
    }

    mutating func paintSun() {
        let cx = w * random.double(0.2, 0.8), cy = h * random.double(0.15, 0.4)
        let r = s * random.double(0.08, 0.16)
        // A sun or moon should read as light: the brightest candidate that stands out.
        let candidates = [lightest.lighter(0.45), ProceduralColor(255, 214, 90), ProceduralColor(255, 250, 235)]
        var color = candidates.max { abs($0.luminance - backgroundLuminance) < abs($1.luminance - backgroundLuminance) }!
        if abs(color.luminance - backgroundLuminance) < 30 { color = shapeColor() }
        canvas.fill([.disc(cx: cx, cy: cy, r: r * 1.7)], color: color, opacity: 0.18)
        canvas.fill([.disc(cx: cx, cy: cy, r: r * 1.3)], color: color, opacity: 0.3)
        canvas.fill([.disc(cx: cx, cy: cy, r: r)], color: color, opacity: 1)
    }

    mutating func paintStars() {
        let dotColor = lightest.lighter(0.5)
        for _ in 0..<random.int(20, 60) {
            let r = s * random.double(0.002, 0.005) + 0.6
            canvas.fill([.disc(cx: random.double(0, w), cy: random.double(0, h), r: r)],
                        color: dotColor, opacity: random.double(0.6, 1))
        }
        for _ in 0..<random.int(6, 14) {
            let cx = random.double(0, w), cy = random.double(0, h)
            let outer = s * random.double(0.015, 0.06), inner = outer * 0.42
            let rotation = random.unit()
            // Stars glow on dark skies; on light ones they take a contrasting palette colour.
            let color = backgroundLuminance < 110 ? lightest.lighter(0.55) : shapeColor()
            canvas.fill(ProceduralPainter.star(cx: cx, cy: cy, outer: outer, inner: inner, rotation: rotation),
                        color: color, opacity: random.double(0.8, 1))
        }
    }

    /// A five-pointed star as a union of its inner pentagon and five kites
    /// (centre, inner, tip, inner). The kites overlap the pentagon, so no piece
    /// edge runs through the star's interior and the union shows no seams.
    static func star(cx: Double, cy: Double, outer: Double, inner: Double, rotation: Double) -> [ProceduralPiece] {
        func point(_ turns: Double, _ radius: Double) -> (x: Double, y: Double) {
            (cx + radius * ProceduralRandom.cosTurns(turns), cy + radius * ProceduralRandom.sinTurns(turns))
        }
        let inners = (0..<5).map { point(rotation + (Double($0) + 0.5) / 5, inner) }
        var pieces: [ProceduralPiece] = [.polygon(ProceduralConvexPolygon(inners))]
        for k in 0..<5 {
            let tip = point(rotation + Double(k) / 5, outer)
            pieces.append(.polygon(ProceduralConvexPolygon([(cx, cy), inners[(k + 4) % 5], tip, inners[k]])))
        }
        return pieces
    }

    mutating func paintClouds() {
        for _ in 0..<random.int(2, 4) {
            let cx = random.double(0, w), cy = h * random.double(0.1, 0.45)
            let size = s * random.double(0.06, 0.12)
            let puffs = random.int(4, 6)
            var pieces: [ProceduralPiece] = []
            for i in 0..<puffs {
                let offset = (Double(i) - Double(puffs - 1) / 2) * size * 0.8
                pieces.append(.disc(cx: cx + offset + random.double(-0.2, 0.2) * size,
                                    cy: cy - random.double(0, 0.5) * size,
                                    r: size * random.double(0.6, 1.0)))
            }
            var color = ProceduralColor.white.mixed(with: lightest, 0.2)
            if abs(color.luminance - backgroundLuminance) < 40 { color = shapeColor() }
            canvas.fill(pieces, color: color, opacity: 0.88)
        }
    }

    mutating func paintMountains() {
        let layers = random.int(2, 3)
        for layer in 0..<layers {
            let baseline = h * (0.5 + 0.12 * Double(layer) + random.double(-0.05, 0.05))
            var xs: [Double] = []
            var ys: [Double] = []
            var x = -w * 0.1
            var peak = random.chance(0.5)
            while x < w * 1.1 + 1 {
                xs.append(x)
                ys.append(peak ? baseline - h * random.double(0.12, 0.35) : baseline - h * random.double(0, 0.08))
                peak.toggle()
                x += w * random.double(0.08, 0.2)
            }
            xs.append(x)
            ys.append(baseline)
            var top = [Double](repeating: baseline, count: canvas.width)
            var segment = 0
            for column in 0..<canvas.width {
                let px = Double(column) + 0.5
                while segment < xs.count - 2 && xs[segment + 1] < px { segment += 1 }
                let t = (px - xs[segment]) / max(1e-9, xs[segment + 1] - xs[segment])
                top[column] = ys[segment] + (ys[segment + 1] - ys[segment]) * min(1, max(0, t))
            }
            let depth = Double(layer + 1) / Double(layers)
            var color = shapeColor(minContrast: 35)
            color = color.mixed(with: darkest.darker(0.4), depth * 0.6)
            canvas.fillBelow(top: top, color: color, bottom: color.darker(0.35), opacity: 1)
        }
    }

    mutating func paintSkyline() {
        let windowColor = lightest.lighter(0.4)
        var x = -w * random.double(0, 0.03)
        while x < w {
            let bw = w * random.double(0.05, 0.12)
            let bh = h * random.double(0.15, 0.55)
            var color = darkest.darker(random.double(0.1, 0.5))
            if abs(color.luminance - backgroundLuminance) < 40 { color = color.lighter(0.6) }
            canvas.fill([.rect(x0: x, y0: h - bh, x1: x + bw, y1: h)], color: color, opacity: 1)
            if random.chance(0.7) {
                let cell = s * 0.04
                let rows = min(20, Int(bh / cell) - 1), cols = min(8, Int(bw / cell))
                if rows > 0 && cols > 0 {
                    for row in 0..<rows {
                        for col in 0..<cols where random.chance(0.45) {
                            let wx = x + (Double(col) + 0.3) * bw / Double(cols)
                            let wy = h - bh + (Double(row) + 0.6) * cell
                            canvas.fill([.rect(x0: wx, y0: wy, x1: wx + bw / Double(cols) * 0.4, y1: wy + cell * 0.45)],
                                        color: windowColor, opacity: 0.8)
                        }
                    }
                }
            }
            x += bw + w * random.double(0, 0.02)
        }
    }

    mutating func paintTrees() {
        var trees: [(x: Double, base: Double, height: Double)] = []
        for _ in 0..<random.int(4, 9) {
            trees.append((random.double(0, w), h * random.double(0.75, 0.98), h * random.double(0.15, 0.4)))
        }
        trees.sort { $0.base < $1.base }
        for tree in trees {
            let half = tree.height * random.double(0.22, 0.3)
            let trunkTop = tree.base - tree.height * 0.18
            let pieces: [ProceduralPiece] = [
                .rect(x0: tree.x - half * 0.16, y0: trunkTop - tree.height * 0.1, x1: tree.x + half * 0.16, y1: tree.base),
                .polygon(ProceduralConvexPolygon([(tree.x - half, trunkTop), (tree.x + half, trunkTop),
                                                  (tree.x, tree.base - tree.height * 0.65)])),
                .polygon(ProceduralConvexPolygon([(tree.x - half * 0.75, tree.base - tree.height * 0.5),
                                                  (tree.x + half * 0.75, tree.base - tree.height * 0.5),
                                                  (tree.x, tree.base - tree.height)])),
            ]
            canvas.fill(pieces, color: shapeColor().darker(0.25), opacity: 1)
        }
    }

    mutating func paintWaves() {
        let bands = random.int(3, 5)
        let start = h * random.double(0.5, 0.68)
        for band in 0..<bands {
            let base = start + Double(band) * (h - start) / Double(bands) * 0.9
            let amplitude = s * random.double(0.01, 0.035)
            let wavelength = w * random.double(0.15, 0.45)
            let phase = random.unit(), phase2 = random.unit()
            var top = [Double](repeating: 0, count: canvas.width)
            for column in 0..<canvas.width {
                let x = Double(column) + 0.5
                top[column] = base + amplitude * ProceduralRandom.sinTurns(x / wavelength + phase)
                    + amplitude * 0.4 * ProceduralRandom.sinTurns(x / (wavelength * 0.37) + phase2)
            }
            let color = palette[(band + 1) % palette.count].darker(0.1 + 0.12 * Double(band))
            canvas.fillBelow(top: top, color: color, bottom: color.darker(0.3), opacity: 1)
        }
    }

    mutating func paintCircles() {
        for _ in 0..<random.int(4, 9) {
            let r = s * random.double(0.03, 0.14)
            canvas.fill([.disc(cx: random.double(0, w), cy: random.double(0, h), r: r)],
                        color: shapeColor(), opacity: random.double(0.7, 0.95))
        }
    }

    mutating func paintBubbles() {
        for _ in 0..<random.int(6, 14) {
            let cx = random.double(0, w), cy = random.double(0, h)
            let r = s * random.double(0.02, 0.08)
            let color = shapeColor()
            canvas.fill([.disc(cx: cx, cy: cy, r: r)], color: color, opacity: 0.15)
            canvas.fill([.ring(cx: cx, cy: cy, r: r, halfWidth: max(0.8, r * 0.06))], color: color, opacity: 0.85)
            canvas.fill([.disc(cx: cx - r * 0.4, cy: cy - r * 0.4, r: r * 0.18)], color: .white, opacity: 0.6)
        }
    }

    mutating func paintFlowers() {
        for _ in 0..<random.int(2, 5) {
            let cx = random.double(0.1, 0.9) * w, cy = random.double(0.3, 0.85) * h
            let radius = s * random.double(0.06, 0.14)
            let count = random.int(5, 8)
            let rotation = random.unit()
            var petals: [ProceduralPiece] = []
            for k in 0..<count {
                let turns = rotation + Double(k) / Double(count)
                let c = ProceduralRandom.cosTurns(turns), sn = ProceduralRandom.sinTurns(turns)
                petals.append(.ellipse(cx: cx + c * radius * 0.55, cy: cy + sn * radius * 0.55,
                                       a: radius * 0.5, b: radius * 0.22, cos: c, sin: sn))
            }
            let petalColor = shapeColor()
            canvas.fill(petals, color: petalColor, opacity: 0.95)
            let heart = petalColor.luminance > 128 ? petalColor.darker(0.55) : petalColor.lighter(0.6)
            canvas.fill([.disc(cx: cx, cy: cy, r: radius * 0.22)], color: heart, opacity: 1)
        }
    }

    mutating func paintCreature(ears: ProceduralCreatureEars) {
        let cx = w * random.double(0.3, 0.7), cy = h * random.double(0.6, 0.72)
        let u = s * random.double(0.08, 0.12)
        let dir: Double = random.chance(0.5) ? 1 : -1
        let hx = cx + dir * 1.7 * u, hy = cy - 1.1 * u
        var pieces: [ProceduralPiece] = [
            .ellipse(cx: cx, cy: cy, a: 1.8 * u, b: 1.1 * u, cos: 1, sin: 0),
            .disc(cx: hx, cy: hy, r: 0.85 * u),
        ]
        for side in [-1.0, 1.0] {
            switch ears {
            case .pointed:
                pieces.append(.polygon(ProceduralConvexPolygon([
                    (hx + side * 0.75 * u, hy - 0.3 * u), (hx + side * 0.15 * u, hy - 0.7 * u),
                    (hx + side * 0.62 * u, hy - 1.45 * u)])))
            case .floppy:
                pieces.append(.ellipse(cx: hx + side * 0.78 * u, cy: hy + 0.15 * u, a: 0.58 * u, b: 0.24 * u,
                                       cos: 0, sin: 1))
            case .long:
                let tilt = ProceduralRandom.sinTurns(0.03 * side)
                pieces.append(.ellipse(cx: hx + side * 0.35 * u, cy: hy - 1.3 * u, a: 0.78 * u, b: 0.2 * u,
                                       cos: tilt, sin: 1))
            case .round:
                pieces.append(.disc(cx: hx + side * 0.6 * u, cy: hy - 0.65 * u, r: 0.32 * u))
            }
        }
        for legX in [-1.15, -0.55, 0.55, 1.15] {
            pieces.append(.ellipse(cx: cx + legX * u, cy: cy + 1.25 * u, a: 0.75 * u, b: 0.17 * u, cos: 0, sin: 1))
        }
        // Tail: rooted inside the rump, rising up and away from the head.
        let tailCos = -dir * 0.6, tailSin = -0.8, tailLength = 0.9 * u
        pieces.append(.ellipse(cx: cx - dir * 1.55 * u + tailCos * tailLength, cy: cy - 0.35 * u + tailSin * tailLength,
                               a: tailLength, b: 0.16 * u, cos: tailCos, sin: tailSin))
        var color = backgroundLuminance > 110 ? darkest.darker(0.35) : lightest.lighter(0.35)
        if abs(color.luminance - backgroundLuminance) < 50 { color = shapeColor(minContrast: 70) }
        canvas.fill(pieces, color: color, opacity: 1)
        let eye = backgroundLuminance > 110 ? lightest.lighter(0.6) : darkest.darker(0.6)
        canvas.fill([.disc(cx: hx + dir * 0.38 * u, cy: hy - 0.12 * u, r: 0.12 * u)], color: eye, opacity: 1)
    }
}
