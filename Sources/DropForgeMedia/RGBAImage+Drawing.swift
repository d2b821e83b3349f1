/// The few raster operations the contact sheet needs, on opaque RGBA canvases.
///
/// Why here and this small: the sheet is a grid of downscaled images with rectangles, crosses
/// and digits drawn on it — nothing a drawing library would add value to — and integer (or
/// plain IEEE) arithmetic keeps every pixel the same on every machine, so sheets are
/// reproducible.
extension RGBAImage {
    public typealias Color = (r: UInt8, g: UInt8, b: UInt8, a: UInt8)

    /// Fills the rectangle, clipped to the image.
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, _ color: Color) {
        let x0 = max(0, x), y0 = max(0, y), x1 = min(width, x + w), y1 = min(height, y + h)
        guard x0 < x1, y0 < y1 else { return }
        let stride = width
        pixels.withUnsafeMutableBufferPointer { buffer in
            for row in y0..<y1 {
                var i = (row * stride + x0) * 4
                for _ in x0..<x1 {
                    buffer[i] = color.r; buffer[i + 1] = color.g; buffer[i + 2] = color.b; buffer[i + 3] = color.a
                    i += 4
                }
            }
        }
    }

    /// A frame `thickness` pixels wide just inside the rectangle.
    public mutating func frame(x: Int, y: Int, width w: Int, height h: Int, thickness: Int, _ color: Color) {
        fill(x: x, y: y, width: w, height: thickness, color)
        fill(x: x, y: y + h - thickness, width: w, height: thickness, color)
        fill(x: x, y: y, width: thickness, height: h, color)
        fill(x: x + w - thickness, y: y, width: thickness, height: h, color)
    }

    /// Both diagonals of the rectangle, `thickness` pixels wide.
    public mutating func cross(x: Int, y: Int, width w: Int, height h: Int, thickness: Int, _ color: Color) {
        guard w > 0, h > 0 else { return }
        let length = Double(w * w + h * h).squareRoot()
        let half = Double(thickness) / 2
        for row in max(0, y)..<min(height, y + h) {
            for column in max(0, x)..<min(width, x + w) {
                // Distance of the pixel centre from each diagonal of the w×h box.
                let px = Double(column - x) + 0.5, py = Double(row - y) + 0.5
                let down = abs(px * Double(h) - py * Double(w)) / length
                let up = abs(px * Double(h) + py * Double(w) - Double(w * h)) / length
                if down <= half || up <= half { setPixel(x: column, y: row, color) }
            }
        }
    }

    /// Draws `source` scaled to `w`×`h` at (x, y), composited over `background`. Each target pixel
    /// is the average of up to 4×4 samples spread over the source pixels it covers (an area
    /// average when shrinking, nearest neighbour when enlarging): smooth thumbnails at a cost
    /// bounded by the target size, not by the source's, so a huge source stays cheap.
    public mutating func draw(_ source: RGBAImage, x: Int, y: Int, width w: Int, height h: Int, over background: Color) {
        guard w > 0, h > 0, source.width > 0, source.height > 0 else { return }
        if w == source.width && h == source.height {
            return copy(source, x: x, y: y, over: background)
        }
        func spans(_ target: Int, _ size: Int) -> [(start: Int, step: Int, count: Int)] {
            (0..<target).map { t in
                let start = t * size / target
                let end = max(start + 1, ((t + 1) * size + target - 1) / target)
                let step = max(1, (end - start + 3) / 4)
                return (start, step, (end - start + step - 1) / step)
            }
        }
        let columns = spans(w, source.width), rows = spans(h, source.height)
        let sourceWidth = source.width, canvasWidth = width
        source.pixels.withUnsafeBufferPointer { src in
            pixels.withUnsafeMutableBufferPointer { dst in
                for (ty, row) in rows.enumerated() where y + ty >= 0 && y + ty < height {
                    for (tx, column) in columns.enumerated() where x + tx >= 0 && x + tx < canvasWidth {
                        var r = 0, g = 0, b = 0, a = 0
                        for sy in 0..<row.count {
                            var i = ((row.start + sy * row.step) * sourceWidth + column.start) * 4
                            for _ in 0..<column.count {
                                let alpha = Int(src[i + 3])
                                r += Int(src[i]) * alpha; g += Int(src[i + 1]) * alpha; b += Int(src[i + 2]) * alpha
                                a += alpha
                                i += column.step * 4
                            }
                        }
                        // Premultiplied average, then "over" the background: transparent edges do not darken.
                        let full = row.count * column.count * 255
                        let uncovered = full - a
                        let o = ((y + ty) * canvasWidth + x + tx) * 4
                        dst[o] = UInt8((r + Int(background.r) * uncovered + full / 2) / full)
                        dst[o + 1] = UInt8((g + Int(background.g) * uncovered + full / 2) / full)
                        dst[o + 2] = UInt8((b + Int(background.b) * uncovered + full / 2) / full)
                        dst[o + 3] = 255
                    }
                }
            }
        }
    }

    /// `draw` at 1:1 (a one-item contact sheet): each pixel "over" the background, no averaging.
    private mutating func copy(_ source: RGBAImage, x: Int, y: Int, over background: Color) {
        let canvasWidth = width, canvasHeight = height
        source.pixels.withUnsafeBufferPointer { src in
            pixels.withUnsafeMutableBufferPointer { dst in
                for sy in 0..<source.height where y + sy >= 0 && y + sy < canvasHeight {
                    for sx in 0..<source.width where x + sx >= 0 && x + sx < canvasWidth {
                        let i = (sy * source.width + sx) * 4, o = ((y + sy) * canvasWidth + x + sx) * 4
                        let alpha = Int(src[i + 3]), uncovered = 255 - alpha
                        dst[o] = UInt8((Int(src[i]) * alpha + Int(background.r) * uncovered + 127) / 255)
                        dst[o + 1] = UInt8((Int(src[i + 1]) * alpha + Int(background.g) * uncovered + 127) / 255)
                        dst[o + 2] = UInt8((Int(src[i + 2]) * alpha + Int(background.b) * uncovered + 127) / 255)
                        dst[o + 3] = 255
                    }
                }
            }
        }
    }
}
