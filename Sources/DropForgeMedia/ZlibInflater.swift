import CLibZ
import Foundation

/// The one zlib inflate loop: PNG text chunks (zlib streams) and CHARX entries (raw deflate).
///
/// Output comes in chunks of at most `chunkSize` bytes, as zlib produces them, so the caller can
/// count each one against its limits and stop (by throwing) before keeping a byte too many.
package enum ZlibInflater {
    package enum Format: Int32, Sendable {
        /// A zlib stream (header and Adler-32), as in PNG zTXt and iTXt.
        case zlib = 15
        /// Raw deflate with no header, as in zip entries (method 8).
        case rawDeflate = -15
    }

    package enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// The input ended before the stream did.
        case truncated
        /// zlib's message for the first bad byte.
        case corrupt(String)
        case needsDictionary
        case outOfMemory

        package var description: String {
            switch self {
            case .truncated: "the stream ends early"
            case .corrupt(let reason): reason
            case .needsDictionary: "it needs a preset dictionary"
            case .outOfMemory: "out of memory"
            }
        }
    }

    /// Inflates one stream from `input`, handing `consume` each chunk of output (valid only
    /// during the call). Stops at the end of the stream and ignores any bytes after it; throws
    /// ``Failure`` for bad input, and passes on whatever `consume` throws.
    package static func inflate(_ input: Data, format: Format, chunkSize: Int = 64 << 10,
                                consume: (UnsafeRawBufferPointer) throws -> Void) throws {
        var stream = z_stream()
        guard dfz_inflate_init2(&stream, format.rawValue) == Z_OK else { throw Failure.outOfMemory }
        defer { inflateEnd(&stream) }
        let room = max(1, min(chunkSize, 1 << 30))
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: room)
        defer { buffer.deallocate() }
        try input.withUnsafeBytes { raw in
            let base = raw.bindMemory(to: UInt8.self).baseAddress
            var used = 0
            while true {
                // zlib counts in UInt32: hand large inputs over in pieces.
                if stream.avail_in == 0, used < raw.count, let base {
                    let piece = min(raw.count - used, 1 << 30)
                    stream.next_in = UnsafeMutablePointer(mutating: base + used)
                    stream.avail_in = UInt32(piece)
                    used += piece
                }
                stream.next_out = buffer
                stream.avail_out = UInt32(room)
                let status = CLibZ.inflate(&stream, Z_NO_FLUSH)
                let produced = room - Int(stream.avail_out)
                if produced > 0 { try consume(UnsafeRawBufferPointer(start: buffer, count: produced)) }
                switch status {
                case Z_STREAM_END: return
                case Z_OK: continue // progress was made
                case Z_BUF_ERROR: throw Failure.truncated // no progress possible: the input is used up
                case Z_NEED_DICT: throw Failure.needsDictionary
                case Z_MEM_ERROR: throw Failure.outOfMemory
                default: throw Failure.corrupt(stream.msg.map { String(cString: $0) } ?? "zlib error")
                }
            }
        }
    }
}
