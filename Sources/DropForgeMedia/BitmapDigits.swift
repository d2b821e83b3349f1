/// A 3×5 pixel font for the digits 0–9, scaled up by whole pixels.
///
/// Why not a real font: the contact sheet only labels cells with item numbers, and a built-in
/// bitmap needs no font files or FreeType on the machine and draws the same pixels everywhere.
package enum BitmapDigits {
    /// Each digit: five rows of three bits, most significant bit on the left.
    private static let glyphs: [[UInt8]] = [
        [0b111, 0b101, 0b101, 0b101, 0b111], // 0
        [0b010, 0b110, 0b010, 0b010, 0b111], // 1
        [0b111, 0b001, 0b111, 0b100, 0b111], // 2
        [0b111, 0b001, 0b111, 0b001, 0b111], // 3
        [0b101, 0b101, 0b111, 0b001, 0b001], // 4
        [0b111, 0b100, 0b111, 0b001, 0b111], // 5
        [0b111, 0b100, 0b111, 0b101, 0b111], // 6
        [0b111, 0b001, 0b010, 0b010, 0b010], // 7
        [0b111, 0b101, 0b111, 0b101, 0b111], // 8
        [0b111, 0b101, 0b111, 0b001, 0b111], // 9
    ]

    /// Width of `text` drawn at `scale`: 3 pixels a digit plus 1 between digits.
    package static func width(of text: String, scale: Int) -> Int {
        text.isEmpty ? 0 : (text.count * 4 - 1) * scale
    }

    package static let height = 5

    /// Draws the digits of `text` with their top-left corner at (x, y); other characters are skipped.
    package static func draw(_ text: String, into image: inout RGBAImage, x: Int, y: Int, scale: Int, color: RGBAImage.Color) {
        var left = x
        for character in text {
            guard let digit = character.wholeNumberValue, (0...9).contains(digit) else { continue }
            for (row, bits) in glyphs[digit].enumerated() {
                for column in 0..<3 where bits & (0b100 >> column) != 0 {
                    image.fill(x: left + column * scale, y: y + row * scale, width: scale, height: scale, color)
                }
            }
            left += 4 * scale
        }
    }
}
