import Foundation

/// Records in and out of rows by their `Codable` conformance, so a record's `CodingKeys` — its
/// column names — are the one list of its columns for both stores (GRDB reads the same keys).
///
/// Values travel as the server's text format (``PostgresValue``): `Date` as `timestamptz`,
/// `Data` as `bytea`, `Bool` as `t`/`f`, enums by their raw values.
public enum PostgresRowCoding {
    /// Every row of `rows` as a `T`.
    public static func decode<T: Decodable>(_ type: T.Type, from rows: PostgresRows) throws -> [T] {
        let index = Dictionary(uniqueKeysWithValues: rows.columns.enumerated().map { ($1, $0) })
        return try rows.rows.map { try T(from: RowDecoder(index: index, row: $0)) }
    }

    /// The record's columns and values in `CodingKeys` order, nil ones included.
    public static func encode<T: Encodable>(_ value: T) throws -> [(column: String, value: String?)] {
        let encoder = RowEncoder()
        try value.encode(to: encoder)
        return encoder.fields.fields
    }

    static func text(_ value: Any) throws -> String {
        switch value {
        case let value as PostgresValue: return value.postgresText
        default: throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "no PostgreSQL text for \(type(of: value))"))
        }
    }
}

// MARK: Decoding

private struct RowDecoder: Decoder {
    let index: [String: Int]
    let row: [String?]
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(RowContainer<Key>(decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch([Any].self, .init(codingPath: codingPath, debugDescription: "a row is keyed by column"))
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        throw DecodingError.typeMismatch(Any.self, .init(codingPath: codingPath, debugDescription: "a row is keyed by column"))
    }
}

private struct RowContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: RowDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }
    var allKeys: [Key] { decoder.index.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { decoder.index[key.stringValue] != nil }

    private func text(_ key: Key) throws -> String? {
        guard let column = decoder.index[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "no column \(key.stringValue)"))
        }
        return decoder.row[column]
    }

    private func required(_ key: Key) throws -> String {
        guard let text = try text(key) else {
            throw DecodingError.valueNotFound(String.self, .init(codingPath: codingPath + [key], debugDescription: "NULL in \(key.stringValue)"))
        }
        return text
    }

    private func mismatch<T>(_ type: T.Type, _ key: Key, _ text: String) -> DecodingError {
        .typeMismatch(type, .init(codingPath: codingPath + [key], debugDescription: "\(key.stringValue) = \(text.prefix(40))"))
    }

    func decodeNil(forKey key: Key) throws -> Bool { try text(key) == nil }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try required(key) == "t" }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try required(key) }

    func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
        let text = try required(key)
        guard let value = Double(text) else { throw mismatch(type, key, text) }
        return value
    }

    func decode(_ type: Int.Type, forKey key: Key) throws -> Int {
        let text = try required(key)
        guard let value = Int(text) else { throw mismatch(type, key, text) }
        return value
    }

    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 {
        let text = try required(key)
        guard let value = Int64(text) else { throw mismatch(type, key, text) }
        return value
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let text = try required(key)
        if type == Date.self {
            guard let date = Date(postgresText: text) else { throw mismatch(type, key, text) }
            return date as! T
        }
        if type == Data.self {
            guard let data = Data(postgresText: text) else { throw mismatch(type, key, text) }
            return data as! T
        }
        return try T(from: ValueDecoder(text: text, codingPath: codingPath + [key]))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        throw DecodingError.typeMismatch(type, .init(codingPath: codingPath + [key], debugDescription: "columns are not nested"))
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch([Any].self, .init(codingPath: codingPath + [key], debugDescription: "columns are not nested"))
    }

    func superDecoder() throws -> any Decoder { decoder }
    func superDecoder(forKey key: Key) throws -> any Decoder { decoder }
}

/// One column's text, for values that decode themselves from a single value (`String` enums).
private struct ValueDecoder: Decoder, SingleValueDecodingContainer {
    let text: String
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        throw DecodingError.typeMismatch(type, .init(codingPath: codingPath, debugDescription: "a column is one value"))
    }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch([Any].self, .init(codingPath: codingPath, debugDescription: "a column is one value"))
    }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { false }
    func decode(_ type: String.Type) throws -> String { text }
    func decode(_ type: Bool.Type) throws -> Bool { text == "t" }
    func decode(_ type: Int.Type) throws -> Int { try number(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try number(type) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: self) }

    private func number<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        guard let value = T(text) else {
            throw DecodingError.typeMismatch(type, .init(codingPath: codingPath, debugDescription: "not a number: \(text.prefix(40))"))
        }
        return value
    }
}

// MARK: Encoding

private final class RowFields {
    var fields: [(column: String, value: String?)] = []
}

private struct RowEncoder: Encoder {
    let fields = RowFields()
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(RowEncodingContainer<Key>(fields: fields))
    }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { fatalError("a row is keyed by column") }
    func singleValueContainer() -> any SingleValueEncodingContainer { ValueEncoder(fields: fields, column: nil) }
}

private struct RowEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let fields: RowFields
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil(forKey key: Key) { fields.fields.append((key.stringValue, nil)) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        if let value = value as? PostgresValue {
            fields.fields.append((key.stringValue, value.postgresText))
        } else {
            // A `String` enum: it encodes its raw value through a single-value container.
            try value.encode(to: ValueEncoder(fields: fields, column: key.stringValue))
        }
    }

    // Synthesized `encode(to:)` skips nil optionals with `encodeIfPresent`; a row keeps them as NULL.
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { encodeNil(forKey: key) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        fatalError("columns are not nested")
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { fatalError("columns are not nested") }
    mutating func superEncoder() -> any Encoder { RowEncoder() }
    mutating func superEncoder(forKey key: Key) -> any Encoder { RowEncoder() }
}

private struct ValueEncoder: Encoder, SingleValueEncodingContainer {
    let fields: RowFields
    let column: String?
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> { fatalError("a column is one value") }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { fatalError("a column is one value") }
    func singleValueContainer() -> any SingleValueEncodingContainer { self }

    mutating func encodeNil() throws { fields.fields.append((column ?? "", nil)) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        fields.fields.append((column ?? "", try PostgresRowCoding.text(value)))
    }
}
