import Foundation
import PNGShim
import Synchronization

/// PNG encode/decode through libpng (via the `PNGShim` C target, which keeps
/// libpng's longjmp-based errors out of Swift).
///
/// Encoding is deterministic: the same pixels, text and level give the same
/// bytes (no tIME chunk, fixed filter and zlib settings). Decoding checks
/// `PNGLimits` against IHDR before any pixel memory is allocated.
public enum PNGCodec {
    private static let errorCapacity = 512
    private static let decodes = Atomic<Int>(0)
    private static let encodes = Atomic<Int>(0)

    /// How many times this process called `decode` (failures included): the pipeline decodes an
    /// image once (the quality check), and tests check that nothing decodes it again.
    public static var decodeCount: Int { decodes.load(ordering: .relaxed) }
    /// How many times this process called `encode`.
    public static var encodeCount: Int { encodes.load(ordering: .relaxed) }

    /// Encodes `image` as an 8-bit RGBA PNG. Text chunks are written before the
    /// image data, in the given order.
    public static func encode(_ image: RGBAImage, text: [PNGTextChunk] = [], encoding: PNGEncoding = .standard) throws -> Data {
        encodes.add(1, ordering: .relaxed)
        guard image.width > 0, image.height > 0 else {
            throw PNGError("cannot encode an empty \(image.width)×\(image.height) image")
        }
        guard image.width <= 0x7FFF_FFFF, image.height <= 0x7FFF_FFFF else {
            throw PNGError("image is \(image.width)×\(image.height), too large for PNG")
        }
        guard image.pixels.count == image.width * image.height * 4 else {
            throw PNGError("image has \(image.pixels.count) bytes, expected \(image.width * image.height * 4)")
        }
        for chunk in text { try chunk.validate() }

        // C strings for libpng: Latin-1 bytes for tEXt/zTXt, UTF-8 for iTXt.
        var owned: [UnsafeMutablePointer<CChar>] = []
        defer { owned.forEach { $0.deallocate() } }
        func cString(_ bytes: [UInt8]) -> UnsafePointer<CChar> {
            let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
            for (i, byte) in bytes.enumerated() { pointer[i] = CChar(bitPattern: byte) }
            pointer[bytes.count] = 0
            owned.append(pointer)
            return UnsafePointer(pointer)
        }
        var entries: [dfpng_text_in] = []
        entries.reserveCapacity(text.count)
        for chunk in text {
            let keyword = cString(latin1Bytes(chunk.keyword))
            let bytes = chunk.kind == .iTXt ? Array(chunk.text.utf8) : latin1Bytes(chunk.text)
            let kind: Int32
            switch chunk.kind {
            case .tEXt: kind = Int32(DFPNG_KIND_TEXT)
            case .zTXt: kind = Int32(DFPNG_KIND_ZTXT)
            case .iTXt: kind = Int32(DFPNG_KIND_ITXT)
            }
            let compressed: Int32 = chunk.kind == .iTXt && bytes.count > PNGTextChunk.compressionThreshold ? 1 : 0
            entries.append(dfpng_text_in(kind: kind, compressed: compressed, keyword: keyword, text: cString(bytes)))
        }

        var output: UnsafeMutablePointer<UInt8>?
        var outputSize = 0
        var message = [CChar](repeating: 0, count: errorCapacity)
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            entries.withUnsafeBufferPointer { list in
                dfpng_encode_rgba8(UInt32(image.width), UInt32(image.height), pixels.baseAddress,
                                   list.baseAddress, list.count, Int32(encoding.compressionLevel), encoding.libpngFilterMask,
                                   &output, &outputSize, &message, errorCapacity)
            }
        }
        guard status == 0, let output else {
            throw PNGError.fromLibPNG(string(fromCString: message))
        }
        defer { dfpng_free(output) }
        return Data(bytes: output, count: outputSize)
    }

    /// Decodes any PNG (palette, gray, 16-bit, tRNS, interlaced) into RGBA8 and
    /// returns all its text chunks. Throws `PNGError` for files that are not PNG,
    /// are truncated or corrupt, or exceed `limits`.
    public static func decode(_ data: Data, limits: PNGLimits = .standard) throws -> DecodedPNG {
        decodes.add(1, ordering: .relaxed)
        try precheck(data, limits: limits)
        var decoded = dfpng_decoded()
        var message = [CChar](repeating: 0, count: errorCapacity)
        var cLimits = dfpng_limits(
            max_width: UInt32(clamping: max(1, limits.maxWidth)),
            max_height: UInt32(clamping: max(1, limits.maxHeight)),
            max_decoded_bytes: UInt64(max(0, limits.maxDecodedBytes)),
            max_text_bytes: UInt64(max(0, limits.maxTextBytes)))
        let status = data.withUnsafeBytes { raw in
            dfpng_decode_rgba8(raw.bindMemory(to: UInt8.self).baseAddress, raw.count, &cLimits,
                               &decoded, &message, errorCapacity)
        }
        guard status == 0 else { throw PNGError.fromLibPNG(string(fromCString: message)) }
        defer { dfpng_decoded_free(&decoded) }

        let width = Int(decoded.width), height = Int(decoded.height)
        let pixels = Array(UnsafeBufferPointer(start: decoded.pixels, count: decoded.pixels_size))
        var chunks: [PNGTextChunk] = []
        chunks.reserveCapacity(decoded.text_count)
        for i in 0..<decoded.text_count {
            let entry = decoded.texts[i]
            let keywordBytes = entry.keyword.map { bytes(of: $0, count: strlen($0)) } ?? []
            let textBytes = entry.text.map { bytes(of: $0, count: entry.text_length) } ?? []
            let keyword = latin1String(keywordBytes)
            guard textBytes.count <= limits.maxTextBytes else {
                throw PNGError("text chunk \"\(keyword)\" is \(textBytes.count) bytes, over the \(limits.maxTextBytes)-byte limit")
            }
            let kind: PNGTextChunk.Kind
            switch entry.kind {
            case Int32(DFPNG_KIND_ZTXT): kind = .zTXt
            case Int32(DFPNG_KIND_ITXT): kind = .iTXt
            default: kind = .tEXt
            }
            let text = kind == .iTXt ? String(decoding: textBytes, as: UTF8.self) : latin1String(textBytes)
            chunks.append(PNGTextChunk(keyword: keyword, text: text, kind: kind))
        }
        let warnings = decoded.warnings.map { String(cString: $0) }?
            .split(separator: "\n").map(String.init) ?? []
        // libpng drops an unreadable text chunk with only a warning. Losing
        // metadata (a character card, say) silently is worse than failing.
        for warning in warnings {
            for kind in PNGTextChunk.Kind.allCases where warning.hasPrefix("\(kind.rawValue): ") {
                let reason = warning.dropFirst(kind.rawValue.count + 2)
                if reason.contains("CRC") { throw PNGError("CRC error in \(kind.rawValue)") }
                throw PNGError("a \(kind.rawValue) chunk could not be read (\(reason)): its text is over the \(limits.maxTextBytes)-byte limit or corrupt")
            }
        }
        return DecodedPNG(image: RGBAImage(width: width, height: height, pixels: pixels),
                          text: chunks, warnings: warnings)
    }

    /// Reads IHDR through libpng without decoding pixels or inflating text.
    /// Reports any size the format allows; limits are the caller's business.
    public static func header(_ data: Data) throws -> PNGHeader {
        var header = dfpng_header()
        var message = [CChar](repeating: 0, count: errorCapacity)
        let status = data.withUnsafeBytes { raw in
            dfpng_read_header(raw.bindMemory(to: UInt8.self).baseAddress, raw.count, &header, &message, errorCapacity)
        }
        guard status == 0 else { throw PNGError.fromLibPNG(string(fromCString: message)) }
        return PNGHeader(width: Int(header.width), height: Int(header.height),
                         bitDepth: Int(header.bit_depth), colorType: Int(header.color_type),
                         interlaced: header.interlaced != 0)
    }

    // MARK: - Helpers

    /// Reads the IHDR width/height straight from the bytes so an oversized image
    /// is refused with a clear message before libpng is even started. (libpng
    /// enforces the same limits again while parsing.)
    private static func precheck(_ data: Data, limits: PNGLimits) throws {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard data.count >= 8, Array(data.prefix(8)) == signature else {
            throw PNGError("not a PNG file")
        }
        guard data.count >= 24 else { throw PNGError("truncated PNG (the file ends inside the header)") }
        let bytes = [UInt8](data[data.startIndex + 12 ..< data.startIndex + 24])
        guard bytes[0...3] == [0x49, 0x48, 0x44, 0x52] else { return } // not IHDR: let libpng explain
        func be32(_ at: Int) -> Int {
            Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
        }
        let width = be32(4), height = be32(8)
        if width > limits.maxWidth || height > limits.maxHeight {
            let limit = width > limits.maxWidth ? limits.maxWidth : limits.maxHeight
            let limitText = limits.maxWidth == limits.maxHeight ? "\(limit)-pixel" : "\(limits.maxWidth)×\(limits.maxHeight)-pixel"
            throw PNGError("PNG is \(width)×\(height), over the \(limitText) limit")
        }
        let decodedBytes = width * height * 4
        if decodedBytes > limits.maxDecodedBytes {
            throw PNGError("PNG is \(width)×\(height), which would decode to \(mebibytes(decodedBytes)), over the \(mebibytes(limits.maxDecodedBytes)) limit")
        }
        try checkChunkLengths(data)
    }

    /// Walks the chunk headers up to IEND and refuses a chunk that claims more bytes than the
    /// file has left. Why: libpng allocates an ancillary chunk's claimed length before reading
    /// it (its chunk size limit is only a warning on read), so a 500-byte file whose iTXt
    /// claims 1.9 GB made it take 1.9 GB of memory before finding the file truncated.
    private static func checkChunkLengths(_ data: Data) throws {
        try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var offset = 8
            while bytes.count - offset >= 8 {
                let length = Int(PNGChunkReader.readUInt32(bytes, offset))
                let remaining = bytes.count - offset - 8
                if length > remaining {
                    let type = bytes[(offset + 4)..<(offset + 8)].allSatisfy { (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }
                        ? String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self) : "a"
                    throw PNGError("truncated PNG: the \(type) chunk at byte \(offset) claims \(length) bytes but only \(remaining) remain")
                }
                if bytes[(offset + 4)..<(offset + 8)].elementsEqual([0x49, 0x45, 0x4E, 0x44]) { return } // IEND
                offset += 12 + length
            }
        }
    }

    private static func mebibytes(_ count: Int) -> String {
        if count % (1024 * 1024) == 0 { return "\(count / (1024 * 1024)) MiB" }
        let tenths = (count * 10 + 512 * 1024) / (1024 * 1024)
        return "\(tenths / 10).\(tenths % 10) MiB"
    }

    private static func latin1Bytes(_ string: String) -> [UInt8] {
        string.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
    }

    private static func latin1String(_ bytes: [UInt8]) -> String {
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: bytes.map { Unicode.Scalar($0) })
        return String(scalars)
    }

    private static func bytes(of pointer: UnsafePointer<CChar>, count: Int) -> [UInt8] {
        pointer.withMemoryRebound(to: UInt8.self, capacity: max(count, 1)) {
            Array(UnsafeBufferPointer(start: $0, count: count))
        }
    }

    private static func string(fromCString buffer: [CChar]) -> String {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
