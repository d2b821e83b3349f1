import Foundation

/// What decides the pixels of a PNG file, read from its chunk frames without inflating or
/// checking anything: IHDR's 13 bytes, and the type, length and stored CRC of every chunk but
/// the text chunks (`tEXt`, `zTXt`, `iTXt`), folded into one 64-bit FNV-1a digest.
///
/// Two files with the same key decode to the same pixels (short of a CRC-32 collision in every
/// chunk at once). It survives what dropforge does to a file between the quality check and the
/// export: text spliced in by the metadata stage (`PNGTextEmbedder` adds chunks, the IDAT stays),
/// a hard link or a copy into the outbox, a rename into `review/`. A file rewritten with other
/// pixels has another key — whatever its path, size, mtime or inode — so an `ImageCache` keyed
/// by it needs no invalidation: a stale entry can only be unused until it is evicted.
/// It costs one pass over the chunk headers: microseconds, against milliseconds for a decode.
public struct PNGPixelKey: Hashable, Sendable, CustomStringConvertible {
    /// IHDR's body: width, height, bit depth, colour type, compression, filter, interlace.
    public let header: [UInt8]
    /// Bytes of chunk data (text chunks aside) the digest covers.
    public let byteCount: Int
    public let digest: UInt64

    /// Nil when `png` is not a PNG whose frames can be walked from the signature to IEND.
    public init?(png: Data) {
        guard let key = png.withUnsafeBytes({ Self.walk($0) }) else { return nil }
        self = key
    }

    private init(header: [UInt8], byteCount: Int, digest: UInt64) {
        self.header = header
        self.byteCount = byteCount
        self.digest = digest
    }

    public var width: Int { Int(header[0]) << 24 | Int(header[1]) << 16 | Int(header[2]) << 8 | Int(header[3]) }
    public var height: Int { Int(header[4]) << 24 | Int(header[5]) << 16 | Int(header[6]) << 8 | Int(header[7]) }

    /// Whether `limits` let a decode of this file allocate its pixels (the size checks a decode
    /// makes first), so a cached result is used only where a decode would have been allowed.
    public func fits(_ limits: PNGLimits) -> Bool {
        width <= limits.maxWidth && height <= limits.maxHeight && width * height * 4 <= limits.maxDecodedBytes
    }

    public var description: String {
        String(format: "png-%016llx-%d", digest, byteCount)
    }

    private static let textTypes: Set<UInt32> = [0x7445_5874, 0x7A54_5874, 0x6954_5874]  // tEXt zTXt iTXt
    private static let ihdr: UInt32 = 0x4948_4452
    private static let iend: UInt32 = 0x4945_4E44

    private static func walk(_ bytes: UnsafeRawBufferPointer) -> PNGPixelKey? {
        let count = bytes.count
        guard count >= 8, zip(bytes.prefix(8), PNGChunkReader.signature).allSatisfy({ $0 == $1 }) else { return nil }
        var digest: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ value: UInt32) {
            for shift in stride(from: 24, through: 0, by: -8) {
                digest ^= UInt64((value >> UInt32(shift)) & 0xFF)
                digest &*= 0x0000_0100_0000_01B3
            }
        }
        var header: [UInt8] = []
        var covered = 0
        var offset = 8
        while count - offset >= 12 {
            let length = Int(PNGChunkReader.readUInt32(bytes, offset))
            let type = PNGChunkReader.readUInt32(bytes, offset + 4)
            guard length <= 0x7FFF_FFFF, count - offset - 12 >= length else { return nil }
            if header.isEmpty {
                guard type == ihdr, length == 13 else { return nil }
                header = Array(bytes[(offset + 8)..<(offset + 21)])
            }
            if !textTypes.contains(type) {
                mix(type)
                mix(UInt32(length))
                mix(PNGChunkReader.readUInt32(bytes, offset + 8 + length))
                covered += length
            }
            if type == iend { return PNGPixelKey(header: header, byteCount: covered, digest: digest) }
            offset += 12 + length
        }
        return nil
    }
}
