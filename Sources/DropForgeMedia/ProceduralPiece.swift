/// One anti-aliased primitive the procedural renderer can draw. Shapes that
/// must look like one silhouette (a star, a creature, a cloud) are unions of
/// pieces, filled in one pass so overlaps do not show seams.
///
/// `coverage(x:y:)` takes a pixel centre and returns how much of that pixel the
/// piece covers (0...1), from an approximate signed distance to its edge.
enum ProceduralPiece {
    case disc(cx: Double, cy: Double, r: Double)
    case ring(cx: Double, cy: Double, r: Double, halfWidth: Double)
    /// Rotated ellipse with semi-axes a (along the angle) and b; cos/sin of the angle.
    case ellipse(cx: Double, cy: Double, a: Double, b: Double, cos: Double, sin: Double)
    case polygon(ProceduralConvexPolygon)
    case rect(x0: Double, y0: Double, x1: Double, y1: Double)

    /// Axis-aligned bounds (minX, minY, maxX, maxY), padded by one pixel for the soft edge.
    var bounds: (Double, Double, Double, Double) {
        switch self {
        case let .disc(cx, cy, r):
            return (cx - r - 1, cy - r - 1, cx + r + 1, cy + r + 1)
        case let .ring(cx, cy, r, w):
            return (cx - r - w - 1, cy - r - w - 1, cx + r + w + 1, cy + r + w + 1)
        case let .ellipse(cx, cy, a, b, _, _):
            let m = max(a, b) + 1
            return (cx - m, cy - m, cx + m, cy + m)
        case let .polygon(p):
            return (p.minX - 1, p.minY - 1, p.maxX + 1, p.maxY + 1)
        case let .rect(x0, y0, x1, y1):
            return (x0 - 1, y0 - 1, x1 + 1, y1 + 1)
        }
    }

    @inline(__always)
    func coverage(x: Double, y: Double) -> Double {
        switch self {
        case let .disc(cx, cy, r):
            let dx = x - cx, dy = y - cy
            let d2 = dx * dx + dy * dy
            let inner = r - 0.5, outer = r + 0.5
            if inner > 0 && d2 <= inner * inner { return 1 }
            if d2 >= outer * outer { return 0 }
            return ProceduralPiece.clamp01(r - d2.squareRoot() + 0.5)
        case let .ring(cx, cy, r, w):
            let dx = x - cx, dy = y - cy
            let d = (dx * dx + dy * dy).squareRoot()
            return ProceduralPiece.clamp01(w - abs(d - r) + 0.5)
        case let .ellipse(cx, cy, a, b, c, s):
            let dx = x - cx, dy = y - cy
            let u = dx * c + dy * s
            let v = dy * c - dx * s
            let a2 = a * a, b2 = b * b
            let f = u * u / a2 + v * v / b2 - 1
            let gu = 2 * u / a2, gv = 2 * v / b2
            let g = (gu * gu + gv * gv).squareRoot()
            if g == 0 { return f < 0 ? 1 : 0 }
            return ProceduralPiece.clamp01(0.5 - f / g)
        case let .polygon(p):
            return ProceduralPiece.clamp01(0.5 - p.signedDistance(x: x, y: y))
        case let .rect(x0, y0, x1, y1):
            let cx = min(x + 0.5, x1) - max(x - 0.5, x0)
            let cy = min(y + 0.5, y1) - max(y - 0.5, y0)
            if cx <= 0 || cy <= 0 { return 0 }
            return min(1, cx) * min(1, cy)
        }
    }

    @inline(__always)
    static func clamp01(_ v: Double) -> Double {
        v < 0 ? 0 : (v > 1 ? 1 : v)
    }
}

/// A convex polygon stored as its edge lines (outward unit normals), so the
/// signed distance of a point is the largest of its distances to the edges.
struct ProceduralConvexPolygon {
    private var nx: [Double] = []
    private var ny: [Double] = []
    private var offset: [Double] = []
    private(set) var minX = Double.infinity, minY = Double.infinity
    private(set) var maxX = -Double.infinity, maxY = -Double.infinity

    init(_ points: [(x: Double, y: Double)]) {
        precondition(points.count >= 3, "a polygon needs three points")
        var area = 0.0
        for i in 0..<points.count {
            let p = points[i], q = points[(i + 1) % points.count]
            area += p.x * q.y - q.x * p.y
            minX = min(minX, p.x); maxX = max(maxX, p.x)
            minY = min(minY, p.y); maxY = max(maxY, p.y)
        }
        let orientation: Double = area >= 0 ? 1 : -1
        for i in 0..<points.count {
            let p = points[i], q = points[(i + 1) % points.count]
            let ex = q.x - p.x, ey = q.y - p.y
            let length = (ex * ex + ey * ey).squareRoot()
            guard length > 0 else { continue }
            // For counter-clockwise order (positive area, y down) the outward normal is (ey, -ex).
            let nxi = orientation * ey / length, nyi = -orientation * ex / length
            nx.append(nxi)
            ny.append(nyi)
            offset.append(nxi * p.x + nyi * p.y)
        }
    }

    @inline(__always)
    func signedDistance(x: Double, y: Double) -> Double {
        var d = -Double.infinity
        for i in 0..<nx.count {
            let e = nx[i] * x + ny[i] * y - offset[i]
            if e > d { d = e }
        }
        return d
    }
}
