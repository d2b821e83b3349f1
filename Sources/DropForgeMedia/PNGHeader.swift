/// The IHDR facts of a PNG, read without decoding any pixels (cheap enough to
/// call on every dropped file before deciding whether to decode it).
public struct PNGHeader: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// Bits per sample as stored: 1, 2, 4, 8 or 16.
    public var bitDepth: Int
    /// PNG colour type as stored: 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA.
    public var colorType: Int
    /// Adam7 interlacing.
    public var interlaced: Bool

    public init(width: Int, height: Int, bitDepth: Int, colorType: Int, interlaced: Bool = false) {
        self.width = width
        self.height = height
        self.bitDepth = bitDepth
        self.colorType = colorType
        self.interlaced = interlaced
    }
}
