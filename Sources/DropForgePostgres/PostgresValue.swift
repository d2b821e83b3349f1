import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A Swift value as a query parameter in the server's text format: what `psql` would print
/// for it, so the server parses it by the column's own type.
public protocol PostgresValue {
    var postgresText: String { get }
}

extension String: PostgresValue { public var postgresText: String { self } }
extension Int: PostgresValue { public var postgresText: String { String(self) } }
extension Int64: PostgresValue { public var postgresText: String { String(self) } }
extension Double: PostgresValue { public var postgresText: String { String(self) } }
extension Bool: PostgresValue { public var postgresText: String { self ? "t" : "f" } }

/// `bytea` in hex (`\x0a1b…`), the server's default output format too.
extension Data: PostgresValue {
    public var postgresText: String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8](repeating: 0, count: 2 + count * 2)
        text[0] = UInt8(ascii: "\\")
        text[1] = UInt8(ascii: "x")
        for (index, byte) in enumerated() {
            text[2 + index * 2] = digits[Int(byte >> 4)]
            text[3 + index * 2] = digits[Int(byte & 0x0f)]
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// A `bytea` value as the server sends it (hex format); nil when it is not one.
    public init?(postgresText text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count >= 2, bytes.count % 2 == 0, bytes[0] == UInt8(ascii: "\\"), bytes[1] == UInt8(ascii: "x") else { return nil }
        var data = Data(capacity: (bytes.count - 2) / 2)
        var index = 2
        while index < bytes.count {
            guard let high = Self.nibble(bytes[index]), let low = Self.nibble(bytes[index + 1]) else { return nil }
            data.append(high << 4 | low)
            index += 2
        }
        self = data
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// `timestamptz` in UTC to the microsecond (`2026-12-03 18:27:58.123456+00`), the format the
/// server prints with `TimeZone` UTC and `DateStyle` ISO, which every connection sets.
extension Date: PostgresValue {
    public var postgresText: String {
        let micros = (timeIntervalSince1970 * 1_000_000).rounded()
        var seconds = time_t((micros / 1_000_000).rounded(.down))
        let fraction = Int(micros - Double(seconds) * 1_000_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d.%06d+00", parts.tm_year + 1900, parts.tm_mon + 1,
                      parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec, fraction)
    }

    /// A `timestamptz` as the server prints it in UTC; nil when it is not one.
    public init?(postgresText text: String) {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int32? {
            guard range.upperBound <= bytes.count else { return nil }
            var value: Int32 = 0
            for c in bytes[range] {
                guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int32(c - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19)
        else { return nil }
        var index = 19
        var fraction = 0.0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            var scale = 0.1
            index += 1
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                fraction += Double(bytes[index] - UInt8(ascii: "0")) * scale
                scale /= 10
                index += 1
            }
        }
        // Only UTC is printed (each connection sets it); anything else is not read as a time.
        guard Array(bytes[index...]) == Array("+00".utf8) else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        let whole = timegm(&parts)
        self = Date(timeIntervalSince1970: Double(whole) + (fraction * 1_000_000).rounded() / 1_000_000)
    }
}
