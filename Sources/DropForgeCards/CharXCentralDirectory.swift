import Foundation

/// Reads a zip's central directory into ``CharXEntry`` values: the one source of entry facts
/// for reading a CHARX.
///
/// Why not ZIPFoundation: on Linux its 0.9.20 inflate loop reads past an entry's compressed size
/// and spins forever at the end of the file (a non-final stored block is enough), and its
/// `Archive(data:)` leaks a copy of the file when it throws. A hostile CHARX must not hang or
/// bloat the daemon, so every read here is bounds-checked and every entry is inflated from
/// exactly its own bytes (``CharXInflater``).
struct CharXCentralDirectory {
    var entries: [CharXEntry]

    /// Finds the end-of-central-directory record within the last 64 KiB + 22 bytes, where the
    /// format requires it to be; nil means "not a zip".
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
        let reader = CharXByteReader(data: data)
        guard let eocd = Self.endRecordOffset(in: data),
              let count16 = reader.u16(eocd + 10), let start32 = reader.u32(eocd + 16),
              let commentLength = reader.u16(eocd + 20) else {
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
        // A file cut short inside the end record's comment is not read (as with ZIPFoundation;
        // Fuzz/Regressions/card/charx-comment-past-end).
        guard eocd + 22 + UInt64(commentLength) <= UInt64(data.count) else { throw CharXError.notAZip }

        var entries: [CharXEntry] = []
        var cursor = start
        for _ in 0..<entryCount {
            let (entry, size) = try Self.entry(at: cursor, reader: reader)
            entries.append(entry)
            cursor += size
        }
        self.entries = entries
    }

    /// The central directory record at `cursor` and its size.
    private static func entry(at cursor: UInt64, reader: CharXByteReader) throws -> (CharXEntry, UInt64) {
        guard reader.u32(cursor) == 0x0201_4B50, let versionMadeBy = reader.u16(cursor + 4),
              let flags = reader.u16(cursor + 8), let method = reader.u16(cursor + 10),
              let crc32 = reader.u32(cursor + 16),
              let compressed32 = reader.u32(cursor + 20), let uncompressed32 = reader.u32(cursor + 24),
              let nameLength = reader.u16(cursor + 28), let extraLength = reader.u16(cursor + 30),
              let commentLength = reader.u16(cursor + 32), let attributes = reader.u32(cursor + 38),
              let header32 = reader.u32(cursor + 42),
              let name = reader.bytes(cursor + 46, count: UInt64(nameLength)),
              let extra = reader.bytes(cursor + 46 + UInt64(nameLength), count: UInt64(extraLength)),
              reader.bytes(cursor + 46 + UInt64(nameLength) + UInt64(extraLength), count: UInt64(commentLength)) != nil
        else {
            throw CharXError.notAZip
        }
        // ZIP64: the extra field holds, in this order, only the values whose 32-bit slot is full.
        var wide = zip64Values(in: extra)[...]
        func widened(_ value: UInt32) -> UInt64? {
            value == 0xFFFF_FFFF ? wide.popFirst() : UInt64(value)
        }
        // Sizes without their ZIP64 value stay 0xFFFF_FFFF (over every limit); an offset cannot.
        let uncompressed = widened(uncompressed32) ?? UInt64(uncompressed32)
        let compressed = widened(compressed32) ?? UInt64(compressed32)
        guard let header = widened(header32), reader.u32(header) == 0x0403_4B50,
              let localName = reader.u16(header + 26), let localExtra = reader.u16(header + 28) else {
            throw CharXError.notAZip
        }
        let path = CharXEntryName.decode(name, flags: flags)
        let entry = CharXEntry(path: path,
                               kind: CharXEntry.kind(path: path, versionMadeBy: versionMadeBy,
                                                     externalAttributes: attributes),
                               flags: flags, method: method, crc32: crc32,
                               compressedSize: compressed, uncompressedSize: uncompressed,
                               dataOffset: header + 30 + UInt64(localName) + UInt64(localExtra))
        return (entry, 46 + UInt64(nameLength) + UInt64(extraLength) + UInt64(commentLength))
    }

    /// The 64-bit values of the ZIP64 extra field (id 1), or none.
    private static func zip64Values(in extra: Data) -> [UInt64] {
        let reader = CharXByteReader(data: extra)
        var field: UInt64 = 0
        while let id = reader.u16(field), let size = reader.u16(field + 2) {
            if id == 0x0001 {
                return (0..<UInt64(size) / 8).compactMap { reader.u64(field + 4 + $0 * 8) }
            }
            field += 4 + UInt64(size)
        }
        return []
    }
}
