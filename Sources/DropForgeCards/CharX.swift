import Foundation
import ZIPFoundation

/// CHARX: the Character Card V3 zip format used by RisuAI.
///
/// A CHARX file is a zip with `card.json` (a `chara_card_v3` JSON) at the root and the card's
/// files under `assets/<type>/<kind>/<file>`; the card's `data.assets[].uri` values point at them
/// as `embeded://assets/...` (the V3 spec's spelling). This type only moves bytes in and out of
/// the zip; decoding the card JSON is the card decoder's job.
public enum CharX {
    /// The name of the card entry at the archive root.
    public static let cardEntryName = "card.json"
    /// The URI scheme the V3 spec writes (sic).
    public static let assetURIScheme = "embeded://"

    /// Extensions stored without compression: deflating already-compressed media costs time and
    /// gains nothing.
    static let storedExtensions: Set<String> = ["png", "jpg", "jpeg", "webp", "gif", "mp3", "ogg", "mp4", "webm"]

    // MARK: - URIs

    /// `embeded://` + path, the URI a card uses to refer to an asset stored in its CHARX.
    public static func assetURI(forPath path: String) -> String {
        assetURIScheme + path
    }

    /// The zip entry path an asset URI refers to, or nil when the URI does not point inside the
    /// archive (`ccdefault:`, `http(s):`, `data:`, …) or would point outside it (`..`, `/abs`).
    /// Accepts the spec's `embeded://` and the correctly spelled `embedded://`, any letter case.
    public static func assetPath(fromURI uri: String) -> String? {
        let lower = uri.lowercased()
        for scheme in ["embeded://", "embedded://"] where lower.hasPrefix(scheme) {
            let path = String(uri.dropFirst(scheme.count))
            guard (try? CharXEntryPath.validate(path)) != nil else { return nil }
            return path
        }
        return nil
    }

    // MARK: - Reading

    /// Reads a CHARX archive from memory, through ``CharXCentralDirectory`` and ``CharXInflater``
    /// (ZIPFoundation only writes: its 0.9.20 reader can hang and leak on hostile files).
    ///
    /// The card is the root `card.json`, else the first `…/card.json` in archive order (people
    /// zip the folder instead of its contents); `__MACOSX/` and `._*` files are ignored. Limits
    /// are checked on the declared sizes before anything is inflated, and again on the bytes
    /// actually produced, stopping at the first byte over.
    public static func read(_ data: Data, limits: CharXLimits = .standard) throws -> CharXArchive {
        let entries = try CharXCentralDirectory(data: data, maxEntries: limits.maxEntries).entries
        for entry in entries { try CharXEntryPath.validate(entry.path) }

        // Files worth reading, each path once (the first copy wins, as with the zip tools).
        var seen: Set<String> = []
        let files = entries.filter { entry in
            entry.kind == .file && !CharXEntryPath.isJunk(entry.path) && !entry.path.hasSuffix("/")
                && seen.insert(entry.path).inserted
        }
        guard let cardIndex = files.firstIndex(where: { $0.path == cardEntryName })
            ?? files.firstIndex(where: { CharXEntryPath.isCardName($0.path) }) else {
            throw CharXError.noCardJSON
        }

        // Declared sizes first: cheap, and rejects honest bombs before any inflating.
        var declaredTotal: UInt64 = 0
        for (index, file) in files.enumerated() {
            let size = file.uncompressedSize
            if index == cardIndex, size > UInt64(limits.maxCardBytes) {
                throw CharXError.cardTooLarge(limit: limits.maxCardBytes)
            }
            if index != cardIndex, size > UInt64(limits.maxAssetBytes) {
                throw CharXError.assetTooLarge(path: file.path, limit: limits.maxAssetBytes)
            }
            declaredTotal += size
            if declaredTotal > UInt64(limits.maxTotalBytes) { throw CharXError.totalTooLarge(limit: limits.maxTotalBytes) }
        }

        var budget = CharXInflater.Budget(remaining: limits.maxTotalBytes, totalLimit: limits.maxTotalBytes)
        let card = files[cardIndex]
        let cardJSON = try CharXInflater.extract(card, from: data, budget: &budget,
                                                 limitError: .cardTooLarge(limit: limits.maxCardBytes),
                                                 limit: limits.maxCardBytes)
        var assets: [CharXAsset] = []
        for (index, file) in files.enumerated() where index != cardIndex {
            let bytes = try CharXInflater.extract(file, from: data, budget: &budget,
                                                  limitError: .assetTooLarge(path: file.path,
                                                                             limit: limits.maxAssetBytes),
                                                  limit: limits.maxAssetBytes)
            assets.append(CharXAsset(path: file.path, data: bytes))
        }
        return CharXArchive(cardJSON: cardJSON, assets: assets, cardEntryPath: card.path)
    }

    // MARK: - Writing

    /// Builds a CHARX archive in memory: `card.json` first (deflated), then the assets in the
    /// given order (media stored, everything else deflated).
    ///
    /// Every entry gets `modificationDate` and fixed permissions, so the same inputs always give
    /// the same bytes — seeded runs stay reproducible (pass `SOURCE_DATE_EPOCH` when set).
    public static func write(cardJSON: Data, assets: [CharXAsset], modificationDate: Date) throws -> Data {
        var paths: Set<String> = [cardEntryName]
        for asset in assets {
            try CharXEntryPath.validate(asset.path)
            if asset.path == cardEntryName {
                throw CharXError.invalidAssetPath(asset.path, reason: "that name is the card itself")
            }
            if asset.path.hasSuffix("/") || asset.path.hasSuffix("\\") {
                throw CharXError.invalidAssetPath(asset.path, reason: "a file name is missing after the folder")
            }
            if CharXEntryPath.isJunk(asset.path) {
                throw CharXError.invalidAssetPath(asset.path, reason: "__MACOSX/ and ._ files are skipped on reading")
            }
            guard paths.insert(asset.path).inserted else {
                throw CharXError.invalidAssetPath(asset.path, reason: "the same path is given twice")
            }
        }
        do {
            let archive = try Archive(accessMode: .create)
            try add(cardJSON, at: cardEntryName, to: archive, date: modificationDate)
            for asset in assets {
                try add(asset.data, at: asset.path, to: archive, date: modificationDate)
            }
            guard let bytes = archive.data else { throw CharXError.writeFailed("the in-memory archive is empty") }
            return bytes
        } catch let error as CharXError {
            throw error
        } catch {
            throw CharXError.writeFailed(String(describing: error))
        }
    }

    private static func add(_ bytes: Data, at path: String, to archive: Archive, date: Date) throws {
        let ext = (path as NSString).pathExtension.lowercased()
        let method: CompressionMethod = storedExtensions.contains(ext) ? .none : .deflate
        let contiguous = Data(bytes) // zero-based indices for the provider below
        try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(contiguous.count),
                             modificationDate: date, permissions: 0o644, compressionMethod: method) { position, size in
            let start = Int(position)
            return contiguous.subdata(in: start..<min(start + size, contiguous.count))
        }
    }
}
