/// Cheap image statistics behind the QC checks `blank` (near-uniform image:
/// low luminance standard deviation) and `duplicate` (a perceptual hash of the
/// shape within a small Hamming distance, and a colour signature that agrees).
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

    /// Colour signature: the mean red, green and blue of each quadrant of the image
    /// (top-left, top-right, bottom-left, bottom-right), 5 bits a channel (steps of ~8 of 255),
    /// packed in the low 60 bits, quadrant by quadrant, red first. The difference hash sees only
    /// luminance gradients, so a dark-blue and a yellow picture of the same shape hash alike;
    /// this is what tells them apart. Quadrants rather than one mean, so a picture whose colours
    /// are swapped between sky and ground does not match either.
    public static func colorSignature(_ image: RGBAImage) -> UInt64 {
        guard image.width > 0, image.height > 0 else { return 0 }
        var sums = [Int](repeating: 0, count: 12)
        var counts = [Int](repeating: 0, count: 4)
        let halfWidth = max(1, image.width / 2), halfHeight = max(1, image.height / 2)
        image.pixels.withUnsafeBufferPointer { p in
            var i = 0
            for y in 0..<image.height {
                let row = min(1, y / halfHeight) * 2
                for x in 0..<image.width {
                    let quadrant = row + min(1, x / halfWidth)
                    sums[quadrant * 3] += Int(p[i])
                    sums[quadrant * 3 + 1] += Int(p[i + 1])
                    sums[quadrant * 3 + 2] += Int(p[i + 2])
                    counts[quadrant] += 1
                    i += 4
                }
            }
        }
        var signature: UInt64 = 0
        for channel in 0..<12 {
            let count = max(1, counts[channel / 3])
            let mean = (sums[channel] + count / 2) / count
            signature = signature << 5 | UInt64(mean >> 3)
        }
        return signature
    }

    /// How far apart two colour signatures are: the largest difference of one quadrant's one
    /// channel, in 5-bit steps (0...31). A re-encode or a small edit moves a mean by a step at
    /// most; another colour moves it by many.
    public static func colorDistance(_ a: UInt64, _ b: UInt64) -> Int {
        (0..<12).map { field in
            let shift = UInt64(field * 5)
            return abs(Int((a >> shift) & 31) - Int((b >> shift) & 31))
        }.max() ?? 0
    }

    /// Number of differing bits.
    public static func hammingDistance(_ a: UInt64, _ b: UInt64) -> Int {
        (a ^ b).nonzeroBitCount
    }
}
