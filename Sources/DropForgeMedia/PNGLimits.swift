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
    /// Per chunk as stored (its length field), checked before the chunk is read. The default
    /// (64 MiB) fits a 16 MiB card JSON in base64 (~21.4 MiB) with room to spare.
    public var maxChunkBytes: Int
    /// Decoded character-card JSON (DESIGN §9: card JSON ≤ 16 MiB).
    public var maxCardBytes: Int

    public init(maxWidth: Int = 8192,
                maxHeight: Int = 8192,
                maxDecodedBytes: Int = 256 * 1024 * 1024,
                maxTextBytes: Int = 16 * 1024 * 1024,
                maxChunkBytes: Int = 64 * 1024 * 1024,
                maxCardBytes: Int = 16 * 1024 * 1024) {
        self.maxWidth = maxWidth
        self.maxHeight = maxHeight
        self.maxDecodedBytes = maxDecodedBytes
        self.maxTextBytes = maxTextBytes
        self.maxChunkBytes = maxChunkBytes
        self.maxCardBytes = maxCardBytes
    }

    /// 8192×8192 pixels, 256 MiB decoded, 16 MiB per text chunk, 64 MiB per stored chunk,
    /// 16 MiB of card JSON.
    public static let standard = PNGLimits()
}
