/// Cheap image statistics behind the QC checks `blank` (near-uniform image:
/// low luminance standard deviation) and `duplicate` (perceptual hashes within
/// a small Hamming distance).
public enum ImageAnalysis {
    /// Mean and population standard deviation of Rec. 601 luma (0...255) over
    /// all pixels; alpha is ignored. An empty image gives (0, 0).
    public static func luminanceStats(_ image: RGBAImage) -> (mean: Double, standardDeviation: Double) {
        let count = image.width * image.height
        guard count > 0 else { return (0, 0) }
        var sum = 0.0, sumSquares = 0.0
        image.pixels.withUnsafeBufferPointer { p in
            var i = 0
            // Integer luma ×1000 per pixel, accumulated per row to keep Double error small.
            for _ in 0..<image.height {
                var rowSum = 0, rowSquares = 0.0
                for _ in 0..<image.width {
                    let y = 299 * Int(p[i]) + 587 * Int(p[i + 1]) + 114 * Int(p[i + 2])
                    rowSum += y
                    let yd = Double(y)
                    rowSquares += yd * yd
                    i += 4
                }
                sum += Double(rowSum)
                sumSquares += rowSquares
            }
        }
        let n = Double(count)
        let mean = sum / n / 1000
        let variance = max(0, sumSquares / n / 1_000_000 - mean * mean)
        return (mean, variance.squareRoot())
    }

    /// 64-bit difference hash: luminance box-averaged down to 9×8 cells, then
    /// one bit per horizontally adjacent pair (bit set when the right cell is
    /// brighter than the left by more than one luma level), row by row, most
    /// significant bit first. Robust to scaling, small edits and
    /// re-encoding; different pictures land far apart.
    public static func differenceHash(_ image: RGBAImage) -> UInt64 {
        let columns = 9, rows = 8
        guard image.width > 0, image.height > 0 else { return 0 }
        var sums = [Int](repeating: 0, count: columns * rows)
        var counts = [Int](repeating: 0, count: columns * rows)
        let cellOfColumn = (0..<image.width).map { $0 * columns / image.width }
        image.pixels.withUnsafeBufferPointer { p in
            var i = 0
            for y in 0..<image.height {
                let rowBase = (y * rows / image.height) * columns
                for x in 0..<image.width {
                    let cell = rowBase + cellOfColumn[x]
                    sums[cell] += 299 * Int(p[i]) + 587 * Int(p[i + 1]) + 114 * Int(p[i + 2])
                    counts[cell] += 1
                    i += 4
                }
            }
        }
        // Images narrower than 9 or shorter than 8 pixels leave cells empty:
        // sample the nearest pixel for those.
        var cells = [Double](repeating: 0, count: columns * rows)
        for r in 0..<rows {
            for c in 0..<columns {
                let k = r * columns + c
                if counts[k] > 0 {
                    cells[k] = Double(sums[k]) / Double(counts[k])
                } else {
                    let px = min(image.width - 1, (2 * c + 1) * image.width / (2 * columns))
                    let py = min(image.height - 1, (2 * r + 1) * image.height / (2 * rows))
                    let i = (py * image.width + px) * 4
                    let p = image.pixels
                    cells[k] = Double(299 * Int(p[i]) + 587 * Int(p[i + 1]) + 114 * Int(p[i + 2]))
                }
            }
        }
        // Cells are luma ×1000. Flat areas give near-equal neighbours whose
        // order is decided by noise; a one-level dead band keeps those bits
        // stable (0) so re-encoding or a small edit does not flip them.
        let tieTolerance = 1000.0
        var hash: UInt64 = 0
        for r in 0..<rows {
            for c in 0..<(columns - 1) {
                hash <<= 1
                if cells[r * columns + c + 1] - cells[r * columns + c] > tieTolerance { hash |= 1 }
            }
        }
        return hash
    }

    /// Number of differing bits.
    public static func hammingDistance(_ a: UInt64, _ b: UInt64) -> Int {
        (a ^ b).nonzeroBitCount
    }
}
