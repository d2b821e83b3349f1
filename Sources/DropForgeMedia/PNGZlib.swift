import Foundation
import PNGShim

/// zlib for PNG text chunks: inflating through ``ZlibInflater``, deflating through the C shim.
///
/// Why here and not libpng: reading a card must not decode pixels, so text chunks are
/// inflated on their own — and with a hard output cap, because a few kilobytes of
/// zTXt can inflate to gigabytes.
enum PNGZlib {
    /// Inflates one zlib stream; fails as soon as the output would pass `maxOutput` bytes,
    /// having kept at most `maxOutput` bytes of it.
    static func inflate(_ data: Data, maxOutput: Int) throws -> Data {
        let limit = max(0, maxOutput)
        var output = Data()
        do {
            try ZlibInflater.inflate(data, format: .zlib) { chunk in
                guard chunk.count <= limit - output.count else {
                    throw PNGError("decompressed text is over the \(limit)-byte limit")
                }
                output.append(contentsOf: chunk)
            }
        } catch let failure as ZlibInflater.Failure {
            switch failure {
            case .truncated: throw PNGError("compressed text is truncated (the zlib stream ends early)")
            case .corrupt(let reason): throw PNGError("compressed text is corrupt (\(reason))")
            case .needsDictionary: throw PNGError("compressed text needs a preset zlib dictionary, which PNG does not allow")
            case .outOfMemory: throw PNGError("out of memory while inflating text")
            }
        }
        return output
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
