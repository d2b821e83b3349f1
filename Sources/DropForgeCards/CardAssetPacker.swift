import Foundation
import DropForgeJSON

/// Rewrites a card's asset URIs for the container it is written into, spelled the way RisuAI's
/// exporters spell them, so that every embedded file travels with the card and no URI points
/// at nothing:
///
/// - PNG: `__asset:N` plus a tEXt `chara-ext-asset_:N` chunk, numbered from 1; a file that is
///   the PNG's own image becomes `ccdefault:`.
/// - JSON: inline, as `data:<mime>;base64,…` in `data.assets` and as bare base64 in RisuAI's V2
///   lists (`extensions.risuai.emotions`, `additionalAssets`, `vits`): what its importer decodes.
/// - CHARX: `embeded://assets/<type>/<kind>/<N>.<ext>`; a file the input CHARX holds keeps its path.
///
/// A V3 form also gets RisuAI's V2 sprite lists moved into `data.assets` (types `emotion` and
/// `x-risu-asset`), because RisuAI's V3 importer looks for sprites only there. A URI naming a
/// file the input does not hold is dropped with a warning: RisuAI refuses to import a card with
/// one. `ccdefault:`, `http(s):` and every other URI are left as they are.
struct CardAssetPacker {
    enum Target {
        /// `image` is the PNG the card goes into.
        case png(image: Data)
        case json
        case charx
    }

    let source: CardAssets
    let target: Target
    /// The asset chunks a PNG target needs, in number order.
    private(set) var chunks: [(key: String, data: Data)] = []
    /// The new files a CHARX target needs (the input CHARX's own files are the caller's).
    private(set) var files: [CharXAsset] = []
    /// What was dropped and why, each once.
    private(set) var warnings: [String] = []
    /// Bytes already placed, by the URI they got: one file referred to twice is written once.
    private var placed: [Data: String] = [:]
    private var takenPaths: Set<String>

    /// `takenPaths`: CHARX paths already in use (the input's files, the avatar).
    init(source: CardAssets, target: Target, takenPaths: Set<String> = []) {
        self.source = source
        self.target = target
        self.takenPaths = takenPaths
    }

    /// `card` with its asset URIs rewritten for the target (see the type's notes).
    mutating func pack(_ card: CharacterCard) throws -> CharacterCard {
        guard card.spec != .v1, var data = card.json["data"], data.objectValue != nil else { return card }
        if card.spec == .v3 { data = lifted(data) }
        if let list = data["assets"]?.arrayValue {
            var kept: [JSONValue] = []
            for entry in list {
                guard let uri = entry["uri"]?.stringValue else {
                    kept.append(entry)
                    continue
                }
                let type = entry["type"]?.stringValue
                let site = Site(folder: Self.charxFolder(forType: type), inline: .dataURI, ext: entry["ext"]?.stringValue)
                let noun = type == "emotion" ? "emotion" : "asset"
                switch rewrite(uri, at: site, label: "\(noun) \"\(entry["name"]?.stringValue ?? "")\"") {
                case .keep: kept.append(entry)
                case .replace(let new):
                    var entry = entry
                    entry["uri"] = .string(new)
                    kept.append(entry)
                case .drop: break
                }
            }
            data["assets"] = .array(kept)
        }
        if var risuai = data["extensions"]?["risuai"], risuai.objectValue != nil {
            for (key, noun, folder) in [("emotions", "emotion", "emotion"), ("additionalAssets", "asset", "other")] {
                guard let list = risuai[key]?.arrayValue else { continue }
                risuai[key] = .array(list.compactMap { item in
                    guard var pair = item.arrayValue, pair.count >= 2, let uri = pair[1].stringValue else { return item }
                    let ext = pair.count >= 3 ? pair[2].stringValue : nil
                    let site = Site(folder: folder, inline: .bareBase64, ext: ext)
                    switch rewrite(uri, at: site, label: "\(noun) \"\(pair[0].stringValue ?? "")\"") {
                    case .keep: return item
                    case .replace(let new):
                        pair[1] = .string(new)
                        return .array(pair)
                    case .drop: return nil
                    }
                })
            }
            if let vits = risuai["vits"]?.objectValue {
                var kept = vits
                for (name, value) in vits {
                    guard let uri = value.stringValue else { continue }
                    switch rewrite(uri, at: Site(folder: "other", inline: .bareBase64, ext: nil), label: "VITS file \"\(name)\"") {
                    case .keep: break
                    case .replace(let new): kept[name] = .string(new)
                    case .drop: kept[name] = nil
                    }
                }
                risuai["vits"] = .object(kept)
            }
            var extensions = data["extensions"] ?? .object([:])
            extensions["risuai"] = risuai
            data["extensions"] = extensions
        }
        var json = card.json
        json["data"] = data
        return try CharacterCard(json: json)
    }

    // MARK: - One URI

    /// Where a URI sits: the CHARX folder its file goes in, how it is written inline, and the
    /// extension the card gives it.
    private struct Site {
        enum Inline { case dataURI, bareBase64 }
        var folder: String
        var inline: Inline
        var ext: String?
    }

    private enum Outcome { case keep, replace(String), drop }

    /// What a URI points at in the input.
    private enum Found {
        case charxFile(CharXAsset)
        case bytes(Data)
        case missing(String)
        /// Not an embedded file (`ccdefault:`, `http(s):`, …): left as it is.
        case elsewhere
    }

    private mutating func rewrite(_ uri: String, at site: Site, label: String) -> Outcome {
        switch find(uri, bareBase64: site.inline == .bareBase64) {
        case .elsewhere:
            return .keep
        case .missing(let why):
            let warning = "dropped \(label) (\(uri.prefix(80))): \(why)"
            if !warnings.contains(warning) { warnings.append(warning) }
            return .drop
        case .charxFile(let file):
            if case .charx = target { return .replace(CharX.assetURI(forPath: file.path)) }
            return .replace(place(file.data, at: site))
        case .bytes(let data):
            return .replace(place(data, at: site))
        }
    }

    private func find(_ uri: String, bareBase64: Bool) -> Found {
        let lower = uri.lowercased()
        if lower.hasPrefix("__asset:") {
            let key = String(uri.dropFirst("__asset:".count))
            if let data = source.chunks[key] { return .bytes(data) }
            return .missing(source.brokenChunks[key] ?? "the input has no \(CardPNG.assetChunkKeyword)\(key) chunk")
        }
        if lower.hasPrefix("embeded://") || lower.hasPrefix("embedded://") {
            if let file = source.file(forURI: uri) { return .charxFile(file) }
            return .missing(source.files.isEmpty ? "it names a file inside a CHARX, and the input is not one"
                                                 : "the input CHARX has no such file")
        }
        if lower.hasPrefix("data:") {
            guard let comma = uri.firstIndex(of: ","), uri[..<comma].lowercased().hasSuffix(";base64"),
                  let data = try? CardPNG.base64Decode(lenient: uri[uri.index(after: comma)...].utf8) else { return .elsewhere }
            return .bytes(data)
        }
        // RisuAI's V2 lists may hold the file itself as bare base64. A short word is not one.
        if bareBase64, !uri.contains(":"), let data = try? CardPNG.base64Decode(lenient: uri.utf8),
           CardAssetFormat.sniff(data) != nil || data.count >= 48 {
            return .bytes(data)
        }
        return .elsewhere
    }

    /// The URI `data` gets in the target, writing it into a chunk or file the first time.
    private mutating func place(_ data: Data, at site: Site) -> String {
        if let uri = placed[data] { return uri }
        let uri: String
        switch target {
        case .png(let image):
            if site.inline == .dataURI, data == image { return "ccdefault:" }
            let key = String(chunks.count + 1)
            chunks.append((key, data))
            uri = "__asset:" + key
        case .json:
            let base64 = data.base64EncodedString()
            let mime = (CardAssetFormat.sniff(data) ?? CardAssetFormat(ext: site.ext ?? "")).mimeType
            return site.inline == .dataURI ? "data:\(mime);base64,\(base64)" : base64
        case .charx:
            let ext = Self.fileExtension(site.ext) ?? CardAssetFormat.sniff(data)?.ext ?? "bin"
            let kind = CardAssetFormat(ext: ext).charxKind
            var number = files.count + 1
            var path = "assets/\(site.folder)/\(kind)/\(number).\(ext)"
            while takenPaths.contains(path) {
                number += 1
                path = "assets/\(site.folder)/\(kind)/\(number).\(ext)"
            }
            takenPaths.insert(path)
            files.append(CharXAsset(path: path, data: data))
            uri = CharX.assetURI(forPath: path)
        }
        placed[data] = uri
        return uri
    }

    // MARK: - V2 sprite lists into V3 assets

    /// `data` with `extensions.risuai.emotions` and `additionalAssets` moved into `data.assets`,
    /// as RisuAI's own V3 export has them. Bare base64 becomes a `data:` URI on the way.
    private func lifted(_ data: JSONValue) -> JSONValue {
        guard var risuai = data["extensions"]?["risuai"], risuai.objectValue != nil else { return data }
        var assets = data["assets"]?.arrayValue ?? []
        var moved = false
        for (key, type) in [("emotions", "emotion"), ("additionalAssets", "x-risu-asset")] {
            guard let list = risuai[key]?.arrayValue, !list.isEmpty else { continue }
            var left: [JSONValue] = []
            for item in list {
                guard let pair = item.arrayValue, pair.count >= 2, let name = pair[0].stringValue,
                      var uri = pair[1].stringValue else {
                    left.append(item)
                    continue
                }
                var bytes: Data?
                switch find(uri, bareBase64: true) {
                case .charxFile(let file): bytes = file.data
                case .bytes(let data):
                    bytes = data
                    if case .elsewhere = find(uri, bareBase64: false) {
                        uri = "data:\((CardAssetFormat.sniff(data) ?? CardAssetFormat(ext: "")).mimeType);base64,\(uri)"
                    }
                case .missing, .elsewhere: break
                }
                let ext = Self.fileExtension(pair.count >= 3 ? pair[2].stringValue : nil)
                    ?? bytes.flatMap(CardAssetFormat.sniff)?.ext ?? "png"
                assets.append(.object(["type": .string(type), "uri": .string(uri), "name": .string(name), "ext": .string(ext)]))
                moved = true
            }
            risuai[key] = left.isEmpty ? nil : .array(left)
        }
        guard moved else { return data }
        var data = data
        var extensions = data["extensions"] ?? .object([:])
        extensions["risuai"] = risuai
        data["extensions"] = extensions
        data["assets"] = .array(assets)
        return data
    }

    // MARK: - Names

    /// The first folder of a CHARX asset path, as RisuAI's exporter picks it from the type.
    static func charxFolder(forType type: String?) -> String {
        switch type {
        case "icon", "emotion", "background", "user_icon": type!
        default: "other"
        }
    }

    /// A card's `ext` when it can name a file: letters and digits, not `unknown`.
    static func fileExtension(_ ext: String?) -> String? {
        guard let ext = ext?.lowercased(), !ext.isEmpty, ext.count <= 10, ext != "unknown",
              ext.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return nil }
        return ext
    }
}
