import DropForgeKit
import Foundation
import DropForgeMedia

/// Rewrites the CRC of every complete chunk of a PNG-looking input so it is right, leaving all
/// other bytes alone; nil when the input does not start with the PNG signature. Only the fuzz
/// targets use this: it lets mutated inputs reach the code behind the CRC check.
enum PNGCRCRepair {
    /// `read` of the input as given and, when repairing its CRCs changes it, of the repaired copy.
    static func asGivenAndRepaired(_ data: Data, _ read: (Data) -> String) -> String {
        var outcome = read(data)
        if let repaired = repaired(data), repaired != data {
            outcome += "; with CRCs repaired: " + read(repaired)
        }
        return outcome
    }

    static func repaired(_ data: Data) -> Data? {
        var bytes = [UInt8](data)
        guard bytes.count >= 8, Array(bytes[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { return nil }
        var offset = 8
        while bytes.count - offset >= 12 {
            let length = bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
            guard length <= bytes.count - offset - 12 else { break }
            let crcOffset = offset + 8 + length
            let crc = CRC32.checksum(bytes[(offset + 4)..<crcOffset])
            bytes[crcOffset] = UInt8(crc >> 24)
            bytes[crcOffset + 1] = UInt8((crc >> 16) & 0xFF)
            bytes[crcOffset + 2] = UInt8((crc >> 8) & 0xFF)
            bytes[crcOffset + 3] = UInt8(crc & 0xFF)
            offset = crcOffset + 4
        }
        return Data(bytes)
    }
}
