import Foundation
import PNGShim

/// zlib for PNG text chunks, through the C shim.
///
/// Why here and not libpng: reading a card must not decode pixels, so text chunks are
/// inflated on their own — and with a hard output cap, because a few kilobytes of
/// zTXt can inflate to gigabytes.
enum PNGZlib {
    /// Inflates one zlib stream; fails as soon as the output would pass `maxOutput` bytes,
    /// having allocated at most `maxOutput` bytes.
    static func inflate(_ data: Data, maxOutput: Int) throws -> Data {
        try data.withUnsafeBytes { raw -> Data in
            var out: UnsafeMutablePointer<UInt8>?
            var size = 0
            var message = [CChar](repeating: 0, count: 256)
            let base = raw.bindMemory(to: UInt8.self).baseAddress
            let status = dfz_inflate(base, raw.count, max(0, maxOutput), &out, &size, &message, message.count)
            return try take(status, out, size, message)
        }
    }

    /// Deflates `data` into one zlib stream (level 9 unless told otherwise).
    static func deflate(_ data: Data, level: Int32 = 9) throws -> Data {
        try data.withUnsafeBytes { raw -> Data in
            var out: UnsafeMutablePointer<UInt8>?
            var size = 0
            var message = [CChar](repeating: 0, count: 256)
            let base = raw.bindMemory(to: UInt8.self).baseAddress
            let status = dfz_deflate(base, raw.count, level, &out, &size, &message, message.count)
            return try take(status, out, size, message)
        }
    }

    /// Hands the malloc'd buffer to `Data` without copying it.
    private static func take(_ status: Int32, _ out: UnsafeMutablePointer<UInt8>?, _ size: Int,
                             _ message: [CChar]) throws -> Data {
        guard status == 0 else {
            throw PNGError(String(cString: message))
        }
        guard let out, size > 0 else {
            dfpng_free(out)
            return Data()
        }
        return Data(bytesNoCopy: out, count: size, deallocator: .custom { pointer, _ in dfpng_free(pointer) })
    }
}
