import Foundation

/// Lenient base64 for card chunks.
///
/// Why lenient: real cards come from many tools. Some wrap lines, drop the `=` padding or
/// use the URL-safe alphabet; all of that is unambiguous, so it is accepted. Anything else
/// (a stray character, data after padding) is an error with its position.
enum CardBase64 {
    enum Problem: Error, Equatable {
        /// Words for "not valid base64 (…)".
        case invalid(String)
        /// The decoded size, when it is over the cap.
        case tooLarge(Int)
    }

    /// 0–63 for the standard and URL-safe alphabets, 0xFE for ASCII whitespace, 0xFF otherwise.
    private static let table: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, char) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(char)] = UInt8(value)
        }
        table[Int(UInt8(ascii: "-"))] = 62
        table[Int(UInt8(ascii: "_"))] = 63
        for space in [0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D] { table[space] = 0xFE }
        return table
    }()

    /// Decodes `bytes`; checks the decoded size against `maxBytes` before allocating it.
    static func decode(_ bytes: UnsafeRawBufferPointer, maxBytes: Int = .max) throws -> Data {
        let size = try decodedSize(bytes)
        guard size <= maxBytes else { throw Problem.tooLarge(size) }
        guard size > 0, let input = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return Data() }
        let count = bytes.count
        // Pass 2: decode 6 bits at a time straight into the output (raw pointers: no per-byte
        // bounds checks, which matters for 20 MiB cards in debug builds).
        var out = Data(count: size)
        out.withUnsafeMutableBytes { (buffer: UnsafeMutableRawBufferPointer) in
            let output = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            table.withUnsafeBufferPointer { table in
                let table = table.baseAddress!
                var accumulator: UInt32 = 0
                var bits: UInt32 = 0
                var written = 0
                var index = 0
                while index < count && written < size {
                    let value = table[Int(input[index])]
                    index += 1
                    if value >= 64 { continue }   // whitespace or padding
                    accumulator = (accumulator << 6) | UInt32(value)
                    bits += 6
                    if bits >= 8 {
                        bits -= 8
                        output[written] = UInt8(truncatingIfNeeded: accumulator >> bits)
                        written += 1
                    }
                }
            }
        }
        return out
    }

    /// Pass 1: validates every character and returns the number of bytes it decodes to.
    static func decodedSize(_ bytes: UnsafeRawBufferPointer) throws -> Int {
        guard let input = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return 0 }
        let count = bytes.count
        let equals = UInt8(ascii: "=")
        return try table.withUnsafeBufferPointer { table -> Int in
            let table = table.baseAddress!
            var digits = 0
            var padding = 0
            var position = 0
            while position < count {
                let byte = input[position]
                let value = table[Int(byte)]
                if value < 64 {
                    if padding > 0 { throw Problem.invalid("data after '=' padding at position \(position)") }
                    digits += 1
                } else if byte == equals {
                    padding += 1
                    if padding > 2 { throw Problem.invalid("too much '=' padding at position \(position)") }
                } else if value == 0xFF {
                    throw Problem.invalid("invalid character at position \(position)")
                }
                position += 1
            }
            if digits % 4 == 1 {
                throw Problem.invalid("it ends with a single leftover character")
            }
            return digits / 4 * 3 + [0, 0, 1, 2][digits % 4]
        }
    }
}
