import Foundation

/// An image aspect ratio such as `16:9`, as written in `params.aspect_ratios`.
///
/// Sizing rule (`size(longSide:)`): the longer side of the ratio gets exactly `longSide` pixels
/// and the shorter side is `longSide × short / long` rounded to the nearest integer (halves round
/// up), never less than 1. So `16:9` at 768 is 768×432 and `2:3` at 768 is 512×768. No rounding to
/// multiples of 8/64 happens here: providers that need it (a1111, comfyui) adjust on their side.
///
/// Encodes as its text form (`"16:9"`); decodes from that text or from `{width, height}`.
public struct AspectRatio: Codable, Sendable, Equatable, CustomStringConvertible {
    public var width: Int
    public var height: Int

    public init?(width: Int, height: Int) {
        guard width > 0, height > 0 else { return nil }
        self.width = width
        self.height = height
    }

    /// Parses `"W:H"` (also `"WxH"`), both positive integers; surrounding spaces are allowed.
    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let separator: Character = trimmed.contains(":") ? ":" : "x"
        let parts = trimmed.lowercased().split(separator: separator, omittingEmptySubsequences: false)
        guard parts.count == 2,
              let w = Int(parts[0].trimmingCharacters(in: .whitespaces)),
              let h = Int(parts[1].trimmingCharacters(in: .whitespaces)) else { return nil }
        self.init(width: w, height: h)
    }

    public var description: String { "\(width):\(height)" }

    /// Pixel size for a given long side; see the type's documentation for the rounding rule.
    public func size(longSide: Int) -> (width: Int, height: Int) {
        let long = max(width, height), short = min(width, height)
        // Integer arithmetic: round(longSide * short / long) without floating-point drift.
        let other = max(1, (2 * longSide * short + long) / (2 * long))
        return width >= height ? (longSide, other) : (other, longSide)
    }

    /// Whether an actual image of `width`×`height` has this ratio. Accepted when the relative
    /// difference of the ratios is within `tolerance` (0.01 = 1 %), or when the image is exactly
    /// what `size(longSide:)` makes for its long side (rounding on small images can exceed 1 %).
    public func matches(width actualWidth: Int, height actualHeight: Int, tolerance: Double = 0.01) -> Bool {
        guard actualWidth > 0, actualHeight > 0 else { return false }
        let expected = size(longSide: max(actualWidth, actualHeight))
        if expected.width == actualWidth && expected.height == actualHeight { return true }
        let target = Double(width) / Double(height)
        let actual = Double(actualWidth) / Double(actualHeight)
        return abs(actual - target) / target <= tolerance
    }

    public init(from decoder: Decoder) throws {
        if let container = try? decoder.singleValueContainer(), let text = try? container.decode(String.self) {
            guard let ratio = AspectRatio(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "aspect ratio must look like \"16:9\", got \"\(text)\"")
            }
            self = ratio
            return
        }
        let keyed = try decoder.container(keyedBy: CodingKeys.self)
        let w = try keyed.decode(Int.self, forKey: .width), h = try keyed.decode(Int.self, forKey: .height)
        guard let ratio = AspectRatio(width: w, height: h) else {
            throw DecodingError.dataCorruptedError(forKey: .width, in: keyed, debugDescription: "aspect ratio sides must be positive")
        }
        self = ratio
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    private enum CodingKeys: String, CodingKey { case width, height }
}
