import Foundation
import DropForgeJSON
import DropForgeMedia
import DropForgeHTTP
import DropForgeCore

/// What the remote image providers (`a1111`, `openai-images`, `comfyui`) share: turning a base64
/// field into bytes, checking that the bytes are a PNG within the configured limits, and the
/// errors a malformed reply produces.
enum RemoteImageSupport {
    /// The PNG a provider returned, checked and ready for `GeneratedImage`.
    struct CheckedPNG {
        var png: Data
        var pixels: RGBAImage
    }

    /// Decodes `png` within `limits` (a non-PNG, corrupt, truncated or oversized image is a
    /// permanent `invalid_output`: asking again gives the same kind of answer) and drops its text
    /// chunks.
    ///
    /// Why drop text chunks: generators write their own (`parameters` from A1111, `prompt` and
    /// `workflow` from ComfyUI's SaveImage). The generate stage adds dropforge's `parameters`
    /// afterwards, and two `parameters` chunks would leave readers to guess which one counts;
    /// ComfyUI's workflow JSON would also be shipped with every published image. Only
    /// `tEXt`/`zTXt`/`iTXt` frames are removed, byte for byte: IDAT and every other chunk (for
    /// example OpenAI's C2PA provenance) stay as the generator wrote them.
    static func checkPNG(_ png: Data, limits: PNGLimits, provider: String, source: String) throws -> CheckedPNG {
        let decoded: DecodedPNG
        do {
            decoded = try PNGCodec.decode(png, limits: limits)
        } catch let error as PNGError {
            throw StepError.permanent(.invalidOutput, "provider '\(provider)': \(source) is not a usable PNG: \(error.message)")
        } catch {
            throw StepError.permanent(.invalidOutput, "provider '\(provider)': \(source) is not a usable PNG: \(error)")
        }
        // Decode once: the quality check takes these pixels instead of decoding the file again
        // (the key ignores text chunks, which are replaced on the way).
        if let key = PNGPixelKey(png: png) { ImageCache.decodedImages.insert(decoded.image, for: .init(png: key)) }
        return CheckedPNG(png: try withoutTextChunks(png, provider: provider, source: source), pixels: decoded.image)
    }

    static let textChunkTypes: Set<String> = ["tEXt", "zTXt", "iTXt"]

    static func withoutTextChunks(_ png: Data, provider: String, source: String) throws -> Data {
        let frames: [PNGChunkReader.Frame]
        do {
            frames = try PNGChunkReader.frames(in: png)
        } catch let error as PNGError {
            throw StepError.permanent(.invalidOutput, "provider '\(provider)': \(source) is not a usable PNG: \(error.message)")
        }
        guard frames.contains(where: { textChunkTypes.contains($0.type) }) else {
            return Data(png)  // zero-indexed copy
        }
        var output = Data(PNGChunkReader.signature)
        output.reserveCapacity(png.count)
        for frame in frames where !textChunkTypes.contains(frame.type) {
            output.append(PNGChunkReader.slice(png, frame.frameRange))
        }
        return output
    }

    /// Standard base64 (RFC 4648, padded, as Python's `base64.b64encode` writes it) to bytes.
    /// Line breaks and a `data:image/…;base64,` prefix, which some A1111 forks add, are tolerated;
    /// anything else that is not base64 is a permanent `invalid_output`.
    static func decodeBase64(_ text: String, provider: String, field: String) throws -> Data {
        var body = Substring(text)
        if body.hasPrefix("data:"), let comma = body.firstIndex(of: ",") {
            body = body[body.index(after: comma)...]
        }
        let compact = body.filter { !$0.isWhitespace }
        guard !compact.isEmpty, let data = Data(base64Encoded: String(compact)) else {
            let preview = compact.prefix(40)
            throw StepError.permanent(.invalidOutput,
                                      "provider '\(provider)': `\(field)` is not base64 image data (starts \"\(preview)\")")
        }
        return data
    }

    /// A permanent `invalid_response` for a reply without the field the protocol promises.
    static func missingField(_ field: String, provider: String, reply: JSONValue, expected: String = "") -> StepError {
        let snippet = snippet(of: reply)
        let what = expected.isEmpty ? "" : " (\(expected))"
        return .permanent(.invalidResponse, "provider '\(provider)': the reply has no usable `\(field)`\(what); reply: \(snippet)")
    }

    /// The reply in compact JSON, with long strings (base64 images) shortened, at most 300 characters.
    static func snippet(of value: JSONValue, limit: Int = 300) -> String {
        let text = JSONWriter.compact(shortenStrings(value))
        return text.count > limit ? String(text.prefix(limit)) + "…" : text
    }

    private static func shortenStrings(_ value: JSONValue, depth: Int = 0) -> JSONValue {
        guard depth < 16 else { return .string("…") }
        switch value {
        case .string(let s) where s.count > 80:
            return .string(String(s.prefix(60)) + "…(\(s.count) chars)")
        case .array(let elements):
            return .array(elements.prefix(8).map { shortenStrings($0, depth: depth + 1) })
        case .object(var members):
            for key in members.keys { members[key] = shortenStrings(members[key]!, depth: depth + 1) }
            return .object(members)
        default:
            return value
        }
    }

    /// A non-negative integer that fits a `UInt32` seed (A1111 and ComfyUI seeds can be wider).
    static func seed(_ value: JSONValue?) -> UInt32? {
        guard let value else { return nil }
        if let i = value.intValue { return UInt32(exactly: i) }
        if case .number(let literal) = value, let u = UInt64(literal) { return UInt32(exactly: u) }
        return nil
    }
}

extension ProviderEndpoint {
    /// The endpoint's options with the total timeout cut to `seconds` (at least one second).
    func options(totalTimeoutAtMost seconds: TimeInterval) -> HTTPClientOptions {
        var options = self.options
        options.totalTimeout = max(1, min(options.totalTimeout, seconds))
        return options
    }
}
