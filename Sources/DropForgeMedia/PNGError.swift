import Foundation

/// A PNG could not be read or written; `message` says what is wrong in words a
/// user can act on ("not a PNG file", "truncated", "CRC error in IDAT",
/// "PNG is 100000×100000, over the 8192-pixel limit").
public struct PNGError: Error, CustomStringConvertible, LocalizedError, Equatable, Sendable {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
    public var errorDescription: String? { message }

    /// Turns libpng's terse wording into the messages above.
    static func fromLibPNG(_ raw: String) -> PNGError {
        // libpng prefixes chunk errors with the chunk name: "IDAT: CRC error".
        if raw.hasSuffix(": CRC error") {
            let chunk = raw.dropLast(": CRC error".count)
            return PNGError("CRC error in \(chunk)")
        }
        if raw == "truncated" || raw.hasSuffix("Not enough image data") || raw.hasSuffix("Read Error") {
            return PNGError("truncated PNG (the file ends before the image data does)")
        }
        if raw.contains("exceeds user limit") {
            return PNGError("PNG is over the size limit (\(raw))")
        }
        return PNGError(raw.isEmpty ? "unknown PNG error" : raw)
    }
}
