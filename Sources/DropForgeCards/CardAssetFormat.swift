import Foundation

/// What kind of file an embedded card asset is, told by its first bytes: the extension a card's
/// `assets[].ext` and a CHARX file name use, its MIME type for `data:` URIs, and the CHARX folder
/// RisuAI files it under (`assets/<type>/<kind>/…`).
struct CardAssetFormat: Equatable {
    /// Lowercased, without the dot: `png`, `webp`, `mp3`…
    var ext: String

    /// The format of `data`, or nil when its first bytes match none that cards carry.
    static func sniff(_ data: Data) -> CardAssetFormat? {
        let head = [UInt8](data.prefix(16))
        func starts(_ bytes: [UInt8], at offset: Int = 0) -> Bool {
            head.count >= offset + bytes.count && Array(head[offset..<(offset + bytes.count)]) == bytes
        }
        func ascii(_ text: String, at offset: Int = 0) -> Bool { starts(Array(text.utf8), at: offset) }
        let ext: String? = switch true {
        case starts([0x89, 0x50, 0x4E, 0x47]): "png"
        case starts([0xFF, 0xD8, 0xFF]): "jpg"
        case ascii("GIF8"): "gif"
        case ascii("RIFF") && ascii("WEBP", at: 8): "webp"
        case ascii("RIFF") && ascii("WAVE", at: 8): "wav"
        case ascii("ftypavif", at: 4): "avif"
        case ascii("ftyp", at: 4): "mp4"
        case ascii("OggS"): "ogg"
        case ascii("fLaC"): "flac"
        case ascii("ID3"), starts([0xFF, 0xFB]), starts([0xFF, 0xF3]), starts([0xFF, 0xF2]): "mp3"
        case starts([0x1A, 0x45, 0xDF, 0xA3]): "webm"
        default: nil
        }
        return ext.map(CardAssetFormat.init(ext:))
    }

    /// For `data:` URIs; `application/octet-stream` for anything not listed.
    var mimeType: String {
        switch ext {
        case "png", "gif", "webp", "avif": "image/\(ext)"
        case "jpg", "jpeg": "image/jpeg"
        case "mp3": "audio/mpeg"
        case "wav", "ogg", "flac": "audio/\(ext)"
        case "mp4", "webm": "video/\(ext)"
        default: "application/octet-stream"
        }
    }

    /// The second folder of a CHARX asset path, as RisuAI's exporter names it.
    var charxKind: String {
        switch ext {
        case "png", "jpg", "jpeg", "gif", "webp", "avif": "image"
        case "mp3", "wav", "ogg", "flac": "audio"
        case "mp4", "webm", "mov", "avi", "mkv": "video"
        case "mmd", "obj": "model"
        case "safetensors", "cpkt", "onnx": "ai"
        case "otf", "ttf", "woff", "woff2": "fonts"
        case "js", "ts", "lua": "code"
        default: "other"
        }
    }
}
