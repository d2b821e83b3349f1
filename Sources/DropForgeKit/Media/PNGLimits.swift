/// Bounds applied while decoding untrusted PNG files.
///
/// Why: a 100-byte PNG can claim to be 100000×100000 pixels, and a small zTXt
/// chunk can inflate to gigabytes. The decoder checks these limits against IHDR
/// before allocating any pixel memory, and caps every decompressed text chunk.
public struct PNGLimits: Sendable, Equatable {
    public var maxWidth: Int
    public var maxHeight: Int
    /// Size of the decoded RGBA8 buffer (`width * height * 4`).
    public var maxDecodedBytes: Int
    /// Per text chunk, after decompression.
    public var maxTextBytes: Int

    public init(maxWidth: Int = 8192,
                maxHeight: Int = 8192,
                maxDecodedBytes: Int = 256 * 1024 * 1024,
                maxTextBytes: Int = 16 * 1024 * 1024) {
        self.maxWidth = maxWidth
        self.maxHeight = maxHeight
        self.maxDecodedBytes = maxDecodedBytes
        self.maxTextBytes = maxTextBytes
    }

    /// 8192×8192 pixels, 256 MiB decoded, 16 MiB per text chunk.
    public static let standard = PNGLimits()
}
