/// The result of `PNGCodec.decode`: RGBA8 pixels plus every text chunk.
public struct DecodedPNG: Sendable, Equatable {
    public var image: RGBAImage
    /// tEXt, zTXt and iTXt chunks in file order (before and after IDAT).
    public var text: [PNGTextChunk]
    /// Non-fatal libpng warnings, e.g. an ancillary chunk with a bad CRC or a
    /// text chunk dropped for exceeding `PNGLimits.maxTextBytes`.
    public var warnings: [String]

    public init(image: RGBAImage, text: [PNGTextChunk], warnings: [String] = []) {
        self.image = image
        self.text = text
        self.warnings = warnings
    }
}
