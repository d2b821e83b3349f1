import Foundation

/// One JSON style for everything dropforge writes: sorted keys where order carries no meaning,
/// ISO 8601 dates, `/` unescaped. Stable output keeps seeded runs byte-for-byte reproducible.
public enum JSONCoding {
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty
            ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            : [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.iso8601(date))
        }
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = Timestamp.parse(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a date: \(text)"))
            }
            return date
        }
        return decoder
    }

    public static func encode<T: Encodable>(_ value: T, pretty: Bool = false) throws -> Data {
        try encoder(pretty: pretty).encode(value)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try decoder().decode(type, from: data)
    }
}

/// Time stamps as dropforge writes them: ISO 8601, UTC, milliseconds (`2026-11-21T22:02:12.123Z`).
public enum Timestamp {
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// Rounded to the nearest millisecond by hand, so that formatting what `parse` read gives
    /// the same text back (the formatter truncates, and a parsed `.810` is `.80999…`).
    public static func iso8601(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (seconds, fraction) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        let whole = fraction < 0 ? (seconds - 1, fraction + 1000) : (seconds, fraction)
        let text = wholeSeconds.format(Date(timeIntervalSince1970: TimeInterval(whole.0)))
        return text.dropLast() + String(format: ".%03dZ", whole.1)
    }

    private static let wholeSeconds = Date.ISO8601FormatStyle()

    public static func parse(_ text: String) -> Date? {
        (try? style.parse(text)) ?? (try? Date.ISO8601FormatStyle().parse(text))
    }

    /// A moment as people type it for `--since`: a duration back from `now` (`90s`, `30m`, `2h`,
    /// `7d`), a day (`2026-11-21`, midnight UTC) or an ISO 8601 time.
    public static func since(_ text: String, now: Date = Date()) -> Date? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604_800]
        if let unit = text.last.flatMap({ units[$0] }), let amount = Double(text.dropLast()), amount >= 0 {
            return now.addingTimeInterval(-amount * unit)
        }
        if text.count == 10, let day = try? Date.ISO8601FormatStyle().year().month().day().parse(text) { return day }
        return parse(text)
    }
}
