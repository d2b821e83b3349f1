import Foundation

/// One zip entry as the central directory describes it: everything reading a CHARX needs.
struct CharXEntry: Equatable {
    enum Kind: Equatable { case file, directory, symlink }

    /// The entry name (see ``CharXEntryName``).
    var path: String
    var kind: Kind
    /// General-purpose flags: bit 0 encrypted, bit 3 data descriptor, bit 11 UTF-8 name.
    var flags: UInt16
    /// 0 stored, 8 deflate.
    var method: UInt16
    var crc32: UInt32
    var compressedSize: UInt64
    var uncompressedSize: UInt64
    /// Offset of the first byte of compressed data in the archive.
    var dataOffset: UInt64

    var isEncrypted: Bool { flags & 1 != 0 }

    /// What the entry is, as ZIPFoundation 0.9.20 told it: Unix and macOS archivers store the
    /// file mode in the top half of the external attributes; otherwise a trailing "/" (or the
    /// MS-DOS directory attribute) marks a directory.
    static func kind(path: String, versionMadeBy: UInt16, externalAttributes: UInt32) -> Kind {
        let isDirectory = path.hasSuffix("/")
        switch versionMadeBy >> 8 {
        case 3, 19: // Unix, macOS
            switch (externalAttributes >> 16) & 0o170000 {
            case 0o100000: return .file
            case 0o040000: return .directory
            case 0o120000: return .symlink
            default: return isDirectory ? .directory : .file
            }
        case 0: // MS-DOS
            return isDirectory || externalAttributes & 0x10 != 0 ? .directory : .file
        default:
            return isDirectory ? .directory : .file
        }
    }
}
