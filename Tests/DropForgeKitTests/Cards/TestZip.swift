import Foundation
@testable import DropForgeMedia

/// Builds zip archives byte by byte, for the reader tests that need what no zip tool writes:
/// ZIP64 records for small files, CP437 names, lying sizes, symlinks, broken deflate.
struct TestZip {
    struct Entry {
        var name: [UInt8]
        var flags: UInt16 = 0
        var method: UInt16
        /// The bytes stored in the archive (deflated for method 8).
        var payload: [UInt8]
        var crc: UInt32
        var size: UInt64
        /// Unix, version 3.0.
        var versionMadeBy: UInt16 = 0x031E
        /// A regular file, mode 644.
        var attributes: UInt32 = 0o100644 << 16

        static func stored(_ name: String, _ bytes: [UInt8]) -> Entry {
            Entry(name: Array(name.utf8), method: 0, payload: bytes, crc: CRC32.checksum(bytes), size: UInt64(bytes.count))
        }

        static func deflated(_ name: String, _ bytes: [UInt8]) -> Entry {
            Entry(name: Array(name.utf8), method: 8, payload: TestZip.rawDeflate(bytes), crc: CRC32.checksum(bytes),
                  size: UInt64(bytes.count))
        }
    }

    /// Raw deflate: a zlib stream without its 2-byte header and 4-byte Adler-32.
    static func rawDeflate(_ bytes: [UInt8]) -> [UInt8] {
        let stream = [UInt8](try! PNGZlib.deflate(Data(bytes)))
        return Array(stream[2..<(stream.count - 4)])
    }

    /// The archive; with `zip64`, every size and offset lives in ZIP64 records only.
    static func archive(_ entries: [Entry], zip64: Bool = false, comment: [UInt8] = []) -> Data {
        var out: [UInt8] = []
        var directory: [UInt8] = []
        let full32: UInt32 = 0xFFFF_FFFF
        for entry in entries {
            let offset = UInt64(out.count)
            let localExtra: [UInt8] = zip64 ? le(UInt16(1)) + le(UInt16(16)) + le(entry.size) + le(UInt64(entry.payload.count)) : []
            out += le(UInt32(0x0403_4B50)) + le(UInt16(zip64 ? 45 : 20)) + le(entry.flags) + le(entry.method)
            out += le(UInt16(0)) + le(UInt16(0x21)) + le(entry.crc)
            out += zip64 ? le(full32) + le(full32) : le(UInt32(entry.payload.count)) + le(UInt32(entry.size))
            out += le(UInt16(entry.name.count)) + le(UInt16(localExtra.count)) + entry.name + localExtra + entry.payload

            let extra: [UInt8] = zip64 ? le(UInt16(1)) + le(UInt16(24)) + le(entry.size) + le(UInt64(entry.payload.count)) + le(offset) : []
            directory += le(UInt32(0x0201_4B50)) + le(entry.versionMadeBy) + le(UInt16(zip64 ? 45 : 20))
            directory += le(entry.flags) + le(entry.method) + le(UInt16(0)) + le(UInt16(0x21)) + le(entry.crc)
            directory += zip64 ? le(full32) + le(full32) : le(UInt32(entry.payload.count)) + le(UInt32(entry.size))
            directory += le(UInt16(entry.name.count)) + le(UInt16(extra.count)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(0))
            directory += le(entry.attributes) + le(zip64 ? full32 : UInt32(offset)) + entry.name + extra
        }
        let start = UInt64(out.count)
        out += directory
        if zip64 {
            let record = UInt64(out.count)
            out += le(UInt32(0x0606_4B50)) + le(UInt64(44)) + le(UInt16(45)) + le(UInt16(45)) + le(UInt32(0)) + le(UInt32(0))
            out += le(UInt64(entries.count)) + le(UInt64(entries.count)) + le(UInt64(directory.count)) + le(start)
            out += le(UInt32(0x0706_4B50)) + le(UInt32(0)) + le(record) + le(UInt32(1))
            out += le(UInt32(0x0605_4B50)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(0xFFFF)) + le(UInt16(0xFFFF))
            out += le(full32) + le(full32)
        } else {
            out += le(UInt32(0x0605_4B50)) + le(UInt16(0)) + le(UInt16(0))
            out += le(UInt16(entries.count)) + le(UInt16(entries.count)) + le(UInt32(directory.count)) + le(UInt32(start))
        }
        out += le(UInt16(comment.count)) + comment
        return Data(out)
    }

    private static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }
}
