import Foundation

/// Decodes the body of a `tEXt`, `zTXt` or `iTXt` chunk, without libpng.
///
/// Why: card and metadata readers need the text of one or two chunks, not the pixels, and
/// they must survive hostile input — compressed text is inflated with a hard cap, and every
/// failure names the chunk, its keyword and its offset.
///
/// Layouts (PNG 1.2 §11.3.4):
/// - tEXt: keyword NUL Latin-1 text
/// - zTXt: keyword NUL method(0) zlib(Latin-1 text)
/// - iTXt: keyword NUL flag method language NUL translated-keyword NUL UTF-8 text (zlib when flag = 1)
public enum PNGTextDecoder {
    /// A text chunk's fields, with the text still as bytes (decompressed).
    public struct Body: Sendable, Equatable {
        public var keyword: String
        public var kind: PNGTextChunk.Kind
        /// Latin-1 bytes for tEXt and zTXt; UTF-8 bytes (already validated) for iTXt.
        public var text: Data
        /// iTXt only, else false: whether the text was stored deflated.
        public var compressed: Bool
        /// iTXt only, else empty.
        public var languageTag: String
        /// iTXt only, else empty.
        public var translatedKeyword: String
    }

    /// The chunk as a `PNGTextChunk`; `limits.maxTextBytes` caps decompressed text.
    public static func decode(_ chunk: PNGChunk, limits: PNGLimits = .standard) throws -> PNGTextChunk {
        let body = try self.body(of: chunk, maxTextBytes: limits.maxTextBytes)
        let text: String
        if body.kind == .iTXt {
            text = String(decoding: body.text, as: UTF8.self)   // validated in body(of:)
        } else {
            text = latin1String(body.text)
        }
        return PNGTextChunk(keyword: body.keyword, text: text, kind: body.kind)
    }

    /// The keyword of a text chunk without touching (or inflating) its text; nil when the
    /// chunk is not a text chunk or has no NUL within the first 80 bytes.
    public static func keyword(of chunk: PNGChunk) -> String? {
        guard chunk.isText else { return nil }
        return chunk.data.withUnsafeBytes { keyword(in: $0) }
    }

    /// The keyword (Latin-1) before the first NUL, looked for in the first 80 bytes.
    package static func keyword(in bytes: UnsafeRawBufferPointer) -> String? {
        guard let nul = bytes.prefix(80).firstIndex(of: 0), nul > 0 else { return nil }
        return latin1String(bytes[..<nul])
    }

    /// Splits and, when needed, inflates the chunk (at most `maxTextBytes` of text).
    public static func body(of chunk: PNGChunk, maxTextBytes: Int) throws -> Body {
        guard let kind = PNGTextChunk.Kind(rawValue: chunk.type) else {
            throw PNGError("the \(chunk.type) chunk at byte \(chunk.offset) is not a text chunk")
        }
        let data = chunk.data
        let start = data.startIndex
        let bytes = [UInt8](data.prefix(1024))   // header fields only; the text is sliced from `data`
        let place = "the \(kind.rawValue) chunk at byte \(chunk.offset)"
        guard let nul = bytes.prefix(80).firstIndex(of: 0) else {
            throw PNGError("\(place) has no NUL after its keyword (or the keyword is over 79 bytes)")
        }
        guard nul > 0 else {
            throw PNGError("\(place) has an empty keyword")
        }
        let keyword = latin1String(bytes[..<nul])
        let named = "the \(kind.rawValue) chunk '\(keyword)' at byte \(chunk.offset)"
        func inflate(from index: Int) throws -> Data {
            do {
                return try PNGZlib.inflate(Data(data[(start + index)...]), maxOutput: maxTextBytes)
            } catch let error as PNGError {
                throw PNGError("\(named): \(error.message)")
            }
        }
        func checkSize(_ count: Int) throws {
            guard count <= maxTextBytes else {
                throw PNGError("\(named): text is \(count) bytes, over the \(maxTextBytes)-byte limit")
            }
        }

        switch kind {
        case .tEXt:
            let text = Data(data[(start + nul + 1)...])
            try checkSize(text.count)
            return Body(keyword: keyword, kind: kind, text: text, compressed: false, languageTag: "", translatedKeyword: "")
        case .zTXt:
            guard bytes.count > nul + 1 else { throw PNGError("\(named) has no compression method") }
            guard bytes[nul + 1] == 0 else {
                throw PNGError("\(named) uses unknown compression method \(bytes[nul + 1])")
            }
            let text = try inflate(from: nul + 2)
            return Body(keyword: keyword, kind: kind, text: text, compressed: true, languageTag: "", translatedKeyword: "")
        case .iTXt:
            guard bytes.count >= nul + 3 else { throw PNGError("\(named) is cut short after its keyword") }
            let flag = bytes[nul + 1], method = bytes[nul + 2]
            guard flag <= 1 else { throw PNGError("\(named) has an invalid compression flag \(flag)") }
            guard flag == 0 || method == 0 else {
                throw PNGError("\(named) uses unknown compression method \(method)")
            }
            // Language tag and translated keyword are each NUL-terminated; they can be long, so
            // search the whole chunk rather than the header prefix.
            let languageStart = start + nul + 3
            guard let languageEnd = data[languageStart...].firstIndex(of: 0),
                  let translatedEnd = data[(languageEnd + 1)...].firstIndex(of: 0) else {
                throw PNGError("\(named) is missing the NUL after its language tag or translated keyword")
            }
            let language = String(decoding: data[languageStart..<languageEnd], as: UTF8.self)
            let translated = String(decoding: data[(languageEnd + 1)..<translatedEnd], as: UTF8.self)
            let textStart = translatedEnd + 1 - start
            let text: Data
            if flag == 1 {
                text = try inflate(from: textStart)
            } else {
                text = Data(data[(start + textStart)...])
                try checkSize(text.count)
            }
            guard String(validating: text, as: UTF8.self) != nil else {
                throw PNGError("\(named): the text is not valid UTF-8")
            }
            return Body(keyword: keyword, kind: kind, text: text, compressed: flag == 1,
                        languageTag: language, translatedKeyword: translated)
        }
    }

    /// Latin-1 bytes as a String (every byte is the code point of the same value).
    package static func latin1String<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: bytes.map { Unicode.Scalar($0) })
        return String(scalars)
    }
}
