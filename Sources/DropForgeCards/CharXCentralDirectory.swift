import Foundation

/// A minimal read of a zip's central directory: where each entry's data starts and how it is
/// compressed.
///
/// Why not leave this to ZIPFoundation: on Linux its 0.9.20 inflate loop reads from the archive
/// until the deflate stream ends, past the entry's compressed size, and spins forever when it
/// reaches the end of the file first (a non-final stored block is enough). A hostile CHARX must
/// not hang the daemon, so ``CharX`` inflates each entry from exactly its own compressed bytes,
/// and needs their offsets, which ZIPFoundation does not make public. ZIPFoundation still parses
/// names, types, sizes and checksums; this type only adds the offsets, matched by index.
struct CharXCentralDirectory {
    struct Record {
        var flags: UInt16
        var method: UInt16
        /// Offset of the first byte of compressed data in the archive.
        var dataOffset: UInt64
    }

    var records: [Record]

    /// The byte ranges zip records live in; every read is bounds-checked against the input.
    private struct Reader {
        let bytes: Data
        func u16(_ at: UInt64) -> UInt16? {
            guard at <= UInt64(bytes.count), UInt64(bytes.count) - at >= 2 else { return nil }
            let i = bytes.startIndex + Int(at)
            return UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8
        }
        func u32(_ at: UInt64) -> UInt32? {
            guard let lo = u16(at), let hi = u16(at + 2) else { return nil }
            return UInt32(lo) | UInt32(hi) << 16
        }
        func u64(_ at: UInt64) -> UInt64? {
            guard let lo = u32(at), let hi = u32(at + 4) else { return nil }
            return UInt64(lo) | UInt64(hi) << 32
        }
    }

    /// Finds the end-of-central-directory record within the last 64 KiB + 22 bytes, where the
    /// format requires it to be; nil means "not a zip". This is also a fast pre-check: ZIPFoundation
    /// scans the whole file byte by byte backwards when there is no record.
    static func endRecordOffset(in data: Data) -> UInt64? {
        let count = data.count
        guard count >= 22 else { return nil }
        let lowest = max(0, count - 22 - 0xFFFF)
        var index = count - 22
        let base = data.startIndex
        while index >= lowest {
            if data[base + index] == 0x50, data[base + index + 1] == 0x4B,
               data[base + index + 2] == 0x05, data[base + index + 3] == 0x06 {
                return UInt64(index)
            }
            index -= 1
        }
        return nil
    }

    /// Parses the directory; throws ``CharXError/notAZip`` when the structure is unreadable.
    init(data: Data, maxEntries: Int) throws {
        let reader = Reader(bytes: data)
        guard let eocd = Self.endRecordOffset(in: data),
              let count16 = reader.u16(eocd + 10), let start32 = reader.u32(eocd + 16) else {
            throw CharXError.notAZip
        }
        var entryCount = UInt64(count16)
        var start = UInt64(start32)
        if count16 == 0xFFFF || start32 == 0xFFFF_FFFF {
            // ZIP64: the locator sits just before the classic record.
            guard eocd >= 20, reader.u32(eocd - 20) == 0x0706_4B50,
                  let zip64Offset = reader.u64(eocd - 12), reader.u32(zip64Offset) == 0x0606_4B50,
                  let count64 = reader.u64(zip64Offset + 32), let start64 = reader.u64(zip64Offset + 48) else {
                throw CharXError.notAZip
            }
            entryCount = count64
            start = start64
        }
        guard entryCount <= UInt64(maxEntries) else { throw CharXError.tooManyEntries(limit: maxEntries) }

        var records: [Record] = []
        var cursor = start
        for _ in 0..<entryCount {
            guard reader.u32(cursor) == 0x0201_4B50,
                  let flags = reader.u16(cursor + 8), let method = reader.u16(cursor + 10),
                  let compressed32 = reader.u32(cursor + 20), let uncompressed32 = reader.u32(cursor + 24),
                  let nameLength = reader.u16(cursor + 28), let extraLength = reader.u16(cursor + 30),
                  let commentLength = reader.u16(cursor + 32), let header32 = reader.u32(cursor + 42) else {
                throw CharXError.notAZip
            }
            var header = UInt64(header32)
            if header32 == 0xFFFF_FFFF {
                // The ZIP64 extra field lists, in order, only the values whose 32-bit slot is full.
                let extraStart = cursor + 46 + UInt64(nameLength)
                header = try Self.zip64HeaderOffset(reader: reader, extraStart: extraStart,
                                                    extraLength: UInt64(extraLength),
                                                    skip: (uncompressed32 == 0xFFFF_FFFF ? 1 : 0)
                                                        + (compressed32 == 0xFFFF_FFFF ? 1 : 0))
            }
            guard reader.u32(header) == 0x0403_4B50,
                  let localName = reader.u16(header + 26), let localExtra = reader.u16(header + 28) else {
                throw CharXError.notAZip
            }
            records.append(Record(flags: flags, method: method,
                                  dataOffset: header + 30 + UInt64(localName) + UInt64(localExtra)))
            cursor += 46 + UInt64(nameLength) + UInt64(extraLength) + UInt64(commentLength)
        }
        self.records = records
    }

    private static func zip64HeaderOffset(reader: Reader, extraStart: UInt64, extraLength: UInt64,
                                          skip: UInt64) throws -> UInt64 {
        var field = extraStart
        while field + 4 <= extraStart + extraLength {
            guard let id = reader.u16(field), let size = reader.u16(field + 2) else { break }
            if id == 0x0001, UInt64(size) >= (skip + 1) * 8, let value = reader.u64(field + 4 + skip * 8) {
                return value
            }
            field += 4 + UInt64(size)
        }
        throw CharXError.notAZip
    }
}
