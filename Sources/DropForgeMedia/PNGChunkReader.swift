import Foundation

/// Walks the chunks of a PNG file without decoding any pixels.
///
/// Why: character cards and image metadata live in text chunks, and reading them must be
/// cheap and safe on hostile files. Every frame is checked — signature, IHDR first, length
/// within limits, enough bytes left, CRC — and the walk stops at IEND (anything after it is
/// ignored, as libpng does). Errors say which chunk and which byte offset.
public enum PNGChunkReader {
    /// The eight bytes every PNG starts with.
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Where one chunk sits in the file; offsets count from the first byte of the file.
    package struct Frame: Sendable, Equatable {
        package var type: String
        /// Offset of the length field.
        package var offset: Int
        /// The chunk data.
        package var dataRange: Range<Int>
        /// The whole frame: length, type, data and CRC.
        package var frameRange: Range<Int> { offset..<(dataRange.upperBound + 4) }
    }

    /// Every chunk from IHDR to IEND inclusive, in file order.
    public static func chunks(in png: Data, limits: PNGLimits = .standard) throws -> [PNGChunk] {
        let frames = try self.frames(in: png, limits: limits)
        return frames.map { frame in
            PNGChunk(type: frame.type, data: slice(png, frame.dataRange), offset: frame.offset)
        }
    }

    /// A fresh, zero-indexed copy of `range` (offsets from the file's first byte).
    package static func slice(_ png: Data, _ range: Range<Int>) -> Data {
        Data(png[(png.startIndex + range.lowerBound)..<(png.startIndex + range.upperBound)])
    }

    /// The frames from IHDR to IEND inclusive, checked, without copying any chunk data.
    package static func frames(in png: Data, limits: PNGLimits = .standard) throws -> [Frame] {
        try png.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> [Frame] in
            let count = bytes.count
            guard count >= 8, signature.withUnsafeBytes({ memcmp($0.baseAddress!, bytes.baseAddress!, 8) == 0 }) else {
                throw PNGError("not a PNG file (bad signature)")
            }
            var frames: [Frame] = []
            var offset = 8
            while true {
                guard count - offset >= 8 else {
                    if offset == count {
                        throw PNGError("truncated PNG: the file ends at byte \(count) without an IEND chunk")
                    }
                    throw PNGError("truncated PNG: the file ends inside the chunk header at byte \(offset)")
                }
                let length = Int(readUInt32(bytes, offset))
                let type = try chunkType(bytes, offset)
                guard length <= 0x7FFF_FFFF else {
                    throw PNGError("invalid PNG: the \(type) chunk at byte \(offset) claims \(length) bytes (over 2^31-1)")
                }
                guard length <= limits.maxChunkBytes else {
                    throw PNGError("the \(type) chunk at byte \(offset) is \(length) bytes, over the \(limits.maxChunkBytes)-byte limit")
                }
                let remaining = count - offset - 8
                guard remaining >= length + 4 else {
                    if remaining >= length {
                        throw PNGError("truncated PNG: the \(type) chunk at byte \(offset) is cut off in its CRC")
                    }
                    throw PNGError("truncated PNG: the \(type) chunk at byte \(offset) claims \(length) bytes but only \(remaining) remain")
                }
                if frames.isEmpty {
                    guard type == "IHDR" else {
                        throw PNGError("invalid PNG: the first chunk is \(type), not IHDR")
                    }
                    guard length == 13 else {
                        throw PNGError("invalid PNG: IHDR is \(length) bytes, not 13")
                    }
                }
                let stored = readUInt32(bytes, offset + 8 + length)
                let computed = CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[(offset + 4)..<(offset + 8 + length)]))
                guard stored == computed else {
                    throw PNGError("CRC error in \(type) chunk at byte \(offset)")
                }
                frames.append(Frame(type: type, offset: offset, dataRange: (offset + 8)..<(offset + 8 + length)))
                offset += 12 + length
                if type == "IEND" { return frames }
            }
        }
    }

    static func readUInt32(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }

    /// The type at `offset + 4`: four ASCII letters, or an error that shows the bytes.
    private static func chunkType(_ bytes: UnsafeRawBufferPointer, _ offset: Int) throws -> String {
        let raw = bytes[(offset + 4)..<(offset + 8)]
        guard raw.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else {
            let hex = raw.map { String(format: "%02X", $0) }.joined(separator: " ")
            throw PNGError("invalid PNG: the chunk at byte \(offset) has an invalid type (bytes \(hex))")
        }
        return String(decoding: raw, as: UTF8.self)
    }
}
