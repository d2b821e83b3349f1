import Foundation
import DropForgeMedia

/// Character cards in PNG text chunks (DESIGN §6), read and written without decoding pixels.
///
/// Reading: every tEXt, zTXt and iTXt chunk is looked at; keywords `chara` and `ccv3` match
/// case-insensitively; `ccv3` wins over `chara`; the first chunk of a keyword wins. The
/// winner must decode — a broken winner is an error, never a silent fall-back to an older
/// card. Writing: only the old card's chunks (its JSON and its RisuAI asset chunks) are
/// removed, every other chunk keeps its bytes, and the new asset chunks, `chara` and `ccv3` go
/// just before IEND as tEXt holding base64.
public enum CardPNG {
    /// The winning card's JSON bytes (not parsed) and every card chunk found.
    public static func readCardText(from png: Data, limits: PNGLimits = .standard) throws -> CardChunkPayload {
        let frames = try PNGChunkReader.frames(in: png, limits: limits)
        var candidates: [(frame: PNGChunkReader.Frame, keyword: String, kind: PNGTextChunk.Kind)] = []
        png.withUnsafeBytes { bytes in
            for frame in frames {
                guard let kind = PNGTextChunk.Kind(rawValue: frame.type),
                      let keyword = PNGTextDecoder.keyword(in: UnsafeRawBufferPointer(rebasing: bytes[frame.dataRange])),
                      isCardKeyword(keyword) else { continue }
                candidates.append((frame, keyword, kind))
            }
        }
        let winner = candidates.firstIndex { $0.keyword.lowercased() == "ccv3" }
            ?? candidates.firstIndex { $0.keyword.lowercased() == "chara" }
        guard let winner else {
            throw PNGError("no character card in this PNG (no chara or ccv3 text chunk)")
        }

        var found: [FoundCardChunk] = []
        var winning: Result<Data, Error> = .failure(PNGError("unreachable"))
        for (index, candidate) in candidates.enumerated() {
            let chunk = PNGChunk(type: candidate.frame.type, data: PNGChunkReader.slice(png, candidate.frame.dataRange),
                                 offset: candidate.frame.offset)
            // Only the winner is decoded; the others are checked and measured (a shadowed
            // card must not cost a second 16 MiB buffer).
            let result = Result { try json(of: chunk, keyword: candidate.keyword, limits: limits, decode: index == winner) }
            var entry = FoundCardChunk(keyword: candidate.keyword, chunkType: candidate.kind,
                                       offset: candidate.frame.offset, decodedByteCount: nil)
            switch result {
            case .success(let (json, size)):
                entry.decodedByteCount = size
                if index == winner { winning = .success(json ?? Data()) }
            case .failure(let error):
                entry.problem = String(describing: error)
                if index == winner { winning = .failure(error) }
            }
            found.append(entry)
        }
        return CardChunkPayload(json: try winning.get(), keyword: candidates[winner].keyword,
                                chunkType: candidates[winner].kind, found: found)
    }

    /// Removes every tEXt/zTXt/iTXt chunk keyed `chara` or `ccv3` (any case) or
    /// `chara-ext-asset_…` (the old card's files), keeps all other chunks byte for byte and in
    /// place, and writes the `assets` as `tEXt chara-ext-asset_:<key>`, then `tEXt chara` and
    /// `tEXt ccv3` (standard base64 with padding), just before IEND — RisuAI's order. A nil
    /// payload is not written, so `embed(chara: nil, ccv3: nil, into:)` strips the card and
    /// its files. Bytes after IEND are dropped.
    public static func embed(chara: Data?, ccv3: Data?, assets: [(key: String, data: Data)] = [],
                             into png: Data) throws -> Data {
        let frames = try PNGChunkReader.frames(in: png)
        var out = Data()
        let payload = (chara?.count ?? 0) + (ccv3?.count ?? 0) + assets.reduce(0) { $0 + $1.data.count }
        out.reserveCapacity(png.count + payload * 4 / 3 + 64 * (assets.count + 2))
        out.append(contentsOf: PNGChunkReader.signature)
        let start = png.startIndex
        png.withUnsafeBytes { bytes in
            for frame in frames where frame.type != "IEND" {
                if PNGTextChunk.Kind(rawValue: frame.type) != nil,
                   let keyword = PNGTextDecoder.keyword(in: UnsafeRawBufferPointer(rebasing: bytes[frame.dataRange])),
                   isCardKeyword(keyword) || assetKey(keyword) != nil {
                    continue
                }
                out.append(png[(start + frame.frameRange.lowerBound)..<(start + frame.frameRange.upperBound)])
            }
        }
        let texts = assets.map { (assetChunkKeyword + $0.key, Optional($0.data)) } + [("chara", chara), ("ccv3", ccv3)]
        for (keyword, json) in texts {
            guard let json else { continue }
            var body = Data(keyword.utf8)
            body.append(0)
            body.append(json.base64EncodedData())
            try PNGChunkWriter.append(PNGChunk(type: "tEXt", data: body), to: &out)
        }
        let iend = frames[frames.count - 1].frameRange
        out.append(png[(start + iend.lowerBound)..<(start + iend.upperBound)])
        return out
    }

    /// Lenient base64: ASCII whitespace anywhere is ignored, `=` padding may be missing, and
    /// the URL-safe `-` and `_` are accepted. Errors say "not valid base64 (…)" with a position.
    public static func base64Decode(lenient text: some Collection<UInt8>) throws -> Data {
        do {
            if let data = try text.withContiguousStorageIfAvailable({ try CardBase64.decode(UnsafeRawBufferPointer($0)) }) {
                return data
            }
            return try Array(text).withUnsafeBytes { try CardBase64.decode($0) }
        } catch CardBase64.Problem.invalid(let why) {
            throw PNGError("not valid base64 (\(why))")
        }
    }

    /// The keyword RisuAI's exporters give an asset chunk, before its key: `chara-ext-asset_:1`.
    public static let assetChunkKeyword = "chara-ext-asset_:"

    /// The files RisuAI stores beside the card: every text chunk whose keyword starts with
    /// `chara-ext-asset_` (its importer's test, so `chara-ext-asset_1` counts too), keyed by
    /// what follows the prefix and an optional `:`, holding base64. The first chunk of a key
    /// wins; a chunk that does not decode is listed in `brokenChunks` instead of failing the card.
    public static func readAssets(from png: Data, limits: PNGLimits = .standard) throws -> CardAssets {
        var assets = CardAssets()
        for frame in try PNGChunkReader.frames(in: png, limits: limits) where PNGTextChunk.Kind(rawValue: frame.type) != nil {
            let chunk = PNGChunk(type: frame.type, data: PNGChunkReader.slice(png, frame.dataRange), offset: frame.offset)
            guard let keyword = PNGTextDecoder.keyword(of: chunk), let key = assetKey(keyword),
                  assets.chunks[key] == nil, assets.brokenChunks[key] == nil else { continue }
            do {
                let body = try PNGTextDecoder.body(of: chunk, maxTextBytes: limits.maxChunkBytes)
                assets.chunks[key] = try base64Decode(lenient: body.text)
            } catch {
                assets.brokenChunks[key] = "the \(keyword) chunk at byte \(frame.offset): \(error)"
            }
        }
        return assets
    }

    /// `1` for `chara-ext-asset_:1` (and `chara-ext-asset_1`), nil for other keywords.
    static func assetKey(_ keyword: String) -> String? {
        guard keyword.hasPrefix("chara-ext-asset_") else { return nil }
        let rest = keyword.dropFirst("chara-ext-asset_".count)
        return String(rest.first == ":" ? rest.dropFirst() : rest)
    }

    static func isCardKeyword(_ keyword: String) -> Bool {
        let lower = keyword.lowercased()
        return lower == "chara" || lower == "ccv3"
    }

    /// The JSON bytes one card chunk holds: raw JSON when its text starts with `{` (after
    /// whitespace), else lenient base64, capped at `limits.maxCardBytes`. With `decode` false
    /// the text is only validated and its decoded size returned (json is nil).
    static func json(of chunk: PNGChunk, keyword: String, limits: PNGLimits,
                     decode: Bool = true) throws -> (json: Data?, size: Int) {
        // Compressed card text may be base64 of a maxCardBytes JSON (4/3 larger, plus line
        // breaks), which can exceed the general per-text cap; allow half as much again.
        let textCap = max(limits.maxTextBytes, limits.maxCardBytes + limits.maxCardBytes / 2)
        let body = try PNGTextDecoder.body(of: chunk, maxTextBytes: textCap)
        let text = body.text
        func tooLarge(_ size: Int) -> PNGError {
            PNGError("the \(keyword) card is \(size) bytes of JSON, over the \(limits.maxCardBytes)-byte limit")
        }
        let firstSignificant = text.first { !isASCIISpace($0) }
        if firstSignificant == UInt8(ascii: "{") {
            // tEXt/zTXt are Latin-1 by the spec, but tools often put UTF-8 there: keep valid
            // UTF-8 as it is, and convert anything else from Latin-1.
            let json = body.kind == .iTXt || String(validating: text, as: UTF8.self) != nil
                ? text : Data(PNGTextDecoder.latin1String(text).utf8)
            guard json.count <= limits.maxCardBytes else { throw tooLarge(json.count) }
            return (json, json.count)
        }
        do {
            return try text.withUnsafeBytes { bytes in
                if decode {
                    let json = try CardBase64.decode(bytes, maxBytes: limits.maxCardBytes)
                    return (json, json.count)
                }
                let size = try CardBase64.decodedSize(bytes)
                guard size <= limits.maxCardBytes else { throw CardBase64.Problem.tooLarge(size) }
                return (nil, size)
            }
        } catch CardBase64.Problem.invalid(let why) {
            throw PNGError("the \(keyword) chunk is not valid base64 (\(why))")
        } catch CardBase64.Problem.tooLarge(let size) {
            throw tooLarge(size)
        }
    }

    private static func isASCIISpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }
}
