import Foundation

/// Writes a card into its three containers the way SillyTavern and RisuAI read them, carrying
/// the files its asset URIs point at (see ``CardAssetPacker``): `assets` are those the card's
/// input container held (a CHARX's files, a PNG's `chara-ext-asset_` chunks).
public enum CardEncoder {
    /// Embeds `card` into `png` (see `CardPNG.embed`): as `spec: v3`, the V2 form goes in
    /// `chara` and the V3 form in `ccv3`; as `spec: v2`, only `chara`. The V2 form of a V3 card
    /// is the same JSON relabelled, exactly as SillyTavern writes it, so a card extracted from
    /// a SillyTavern PNG and embedded again gives back the original bytes. Embedded files go in
    /// `chara-ext-asset_:N` chunks, shared by both forms.
    public static func png(_ card: CharacterCard, spec: CharacterCard.Spec, into png: Data,
                           assets: CardAssets = CardAssets()) throws -> EncodedCard {
        var packer = CardAssetPacker(source: assets, target: .png(image: png))
        let v2 = try packer.pack(try card.converted(to: .v2))
        let v3 = spec == .v3 ? try packer.pack(try card.converted(to: .v3)) : nil
        let bytes = try CardPNG.embed(chara: v2.compactJSON, ccv3: v3?.compactJSON, assets: packer.chunks, into: png)
        return EncodedCard(bytes: bytes, warnings: packer.warnings)
    }

    /// `cards/<name>.json`: the card as `spec`, indented for people, its files inline.
    public static func json(_ card: CharacterCard, spec: CharacterCard.Spec,
                            assets: CardAssets = CardAssets()) throws -> EncodedCard {
        let (inline, warnings) = try inlined(try card.converted(to: spec), assets: assets)
        return EncodedCard(bytes: inline.prettyJSON, warnings: warnings)
    }

    /// The card with every file its URIs point at written into it (`data:` URIs, bare base64 in
    /// RisuAI's V2 lists), so it no longer needs its container; URIs pointing at nothing are dropped.
    public static func inlined(_ card: CharacterCard, assets: CardAssets) throws -> (card: CharacterCard, warnings: [String]) {
        var packer = CardAssetPacker(source: assets, target: .json)
        let packed = try packer.pack(card)
        return (packed, packer.warnings)
    }

    /// The CHARX path of the avatar and the URI the card's `assets` list uses for it.
    public static let avatarPath = "assets/icon/image/main.png"

    /// A CHARX zip: `card.json` (V3), the avatar as the main icon asset, every file of an input
    /// CHARX in `assets.files`, and a file for each embedded file the card points at elsewhere
    /// (a PNG's chunks, `data:` URIs). With an avatar, the card's `data.assets` gets the main
    /// icon entry in place of any earlier `main` icon.
    public static func charx(_ card: CharacterCard, avatar: Data?, assets: CardAssets = CardAssets(),
                             date: Date) throws -> EncodedCard {
        var v3 = try card.converted(to: .v3)
        let carried = avatar == nil ? assets.files : assets.files.filter { $0.path != avatarPath }
        if avatar != nil {
            v3.setField("assets", (v3.fields["assets"]?.arrayValue).map { list in
                .array(list.filter { !($0["type"]?.stringValue == "icon" && $0["name"]?.stringValue == "main") })
            })
        }
        var packer = CardAssetPacker(source: assets, target: .charx,
                                     takenPaths: Set(carried.map(\.path) + [avatarPath]))
        v3 = try packer.pack(v3)
        var files = carried + packer.files
        if let avatar {
            var list = v3.fields["assets"]?.arrayValue ?? []
            list.insert(.object(["type": "icon", "uri": .string(CharX.assetURI(forPath: avatarPath)),
                                 "name": "main", "ext": "png"]), at: 0)
            v3.setField("assets", .array(list))
            files.insert(CharXAsset(path: avatarPath, data: avatar), at: 0)
        }
        let bytes = try CharX.write(cardJSON: v3.compactJSON, assets: files, modificationDate: date)
        return EncodedCard(bytes: bytes, warnings: packer.warnings)
    }
}

/// A card written into a container, and what could not come along.
public struct EncodedCard: Sendable {
    public var bytes: Data
    /// Asset URIs dropped because they pointed at nothing the input held, each with why.
    public var warnings: [String]
}
