import Foundation

/// Why a CHARX file could not be read or written. Every message says what is wrong and where,
/// so it can go straight into a `failures/` report.
public enum CharXError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// The bytes are not a zip archive at all.
    case notAZip
    /// A zip, but no `card.json` anywhere in it.
    case noCardJSON
    /// `card.json` is bigger than ``CharXLimits/maxCardBytes``.
    case cardTooLarge(limit: Int)
    /// One asset is bigger than ``CharXLimits/maxAssetBytes``.
    case assetTooLarge(path: String, limit: Int)
    /// Everything together is bigger than ``CharXLimits/maxTotalBytes``.
    case totalTooLarge(limit: Int)
    /// The archive lists more entries than ``CharXLimits/maxEntries``.
    case tooManyEntries(limit: Int)
    /// An entry name that would escape the folder it is extracted into (`..`, `/abs`, `C:`).
    case unsafePath(String)
    /// An entry that cannot be extracted faithfully (bad CRC, truncated, lying sizes…).
    case damagedEntry(path: String, reason: String)
    /// An asset path given to ``CharX/write(cardJSON:assets:modificationDate:)`` that cannot be
    /// stored so that reading gives it back.
    case invalidAssetPath(String, reason: String)
    /// The zip library failed while building the archive.
    case writeFailed(String)

    public var description: String {
        switch self {
        case .notAZip:
            return "not a CHARX file (not a zip archive)"
        case .noCardJSON:
            return "CHARX has no card.json"
        case .cardTooLarge(let limit):
            return "card.json in CHARX is over the \(Self.format(limit)) limit"
        case .assetTooLarge(let path, let limit):
            return "asset \(path) in CHARX is over the \(Self.format(limit)) limit"
        case .totalTooLarge(let limit):
            return "CHARX contents are over the \(Self.format(limit)) total limit"
        case .tooManyEntries(let limit):
            return "CHARX has more than \(limit) entries"
        case .unsafePath(let path):
            return "unsafe path in CHARX: \(path)"
        case .damagedEntry(let path, let reason):
            return "damaged entry \(path) in CHARX: \(reason)"
        case .invalidAssetPath(let path, let reason):
            return "invalid asset path for CHARX: \(path) (\(reason))"
        case .writeFailed(let reason):
            return "could not write CHARX: \(reason)"
        }
    }

    public var errorDescription: String? { description }

    /// "16 MiB" for whole mebibytes, "512 KiB" for whole kibibytes, else "1234 bytes".
    static func format(_ bytes: Int) -> String {
        if bytes >= 1 << 20, bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10, bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }
}
