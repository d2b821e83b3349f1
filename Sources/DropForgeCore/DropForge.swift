import Foundation

/// Facts about this build of dropforge.
public enum DropForge {
    public static let version = "0.1.0"
    /// The `Software` PNG text.
    public static var software: String { "dropforge \(version)" }

    /// Now, or `SOURCE_DATE_EPOCH` when set, so seeded runs can be reproduced byte for byte
    /// (the reproducible-builds convention for time stamps).
    public static func creationDate(environment: [String: String] = ProcessInfo.processInfo.environment) -> Date {
        if let text = environment["SOURCE_DATE_EPOCH"], let seconds = Int64(text.trimmingCharacters(in: .whitespaces)) {
            return Date(timeIntervalSince1970: TimeInterval(seconds))
        }
        return Date()
    }

    /// RFC 1123, as the PNG spec suggests for `Creation Time`: `Sat, 21 Nov 2026 22:02:12 GMT`.
    public static func rfc1123(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }
}
