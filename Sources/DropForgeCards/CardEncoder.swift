import Foundation

/// Writes a card into its three containers the way SillyTavern and RisuAI read them.
public enum CardEncoder {
    /// Embeds `card` into `png` (see `CardPNG.embed`): as `spec: v3`, the V2 form goes in
    /// `chara` and the V3 form in `ccv3`; as `spec: v2`, only `chara`. The V2 form of a V3 card
    /// is the same JSON relabelled, exactly as SillyTavern writes it, so a card extracted from
    /// a SillyTavern PNG and embedded again gives back the original bytes.
    public static func png(_ card: CharacterCard, spec: CharacterCard.Spec, into png: Data) throws -> Data {
        let v2 = try card.converted(to: .v2)
        let v3 = spec == .v3 ? try card.converted(to: .v3) : nil
        return try CardPNG.embed(chara: v2.compactJSON, ccv3: v3?.compactJSON, into: png)
    }

    /// `cards/<name>.json`: the card as `spec`, indented for people.
    public static func json(_ card: CharacterCard, spec: CharacterCard.Spec) throws -> Data {
        try card.converted(to: spec).prettyJSON
    }

    /// The CHARX path of the avatar and the URI the card's `assets` list uses for it.
    public static let avatarPath = "assets/icon/image/main.png"

    /// A CHARX zip: `card.json` (V3) and the avatar as the main icon asset, plus `extraAssets`
    /// (e.g. those of an input CHARX). With an avatar, the card's `data.assets` gets the main
    /// icon entry in place of any earlier `main` icon.
    public static func charx(_ card: CharacterCard, avatar: Data?, extraAssets: [CharXAsset] = [],
                             date: Date) throws -> Data {
        var v3 = try card.converted(to: .v3)
        guard let avatar else {
            return try CharX.write(cardJSON: v3.compactJSON, assets: extraAssets, modificationDate: date)
        }
        var assets = (v3.fields["assets"]?.arrayValue ?? []).filter {
            !($0["type"]?.stringValue == "icon" && $0["name"]?.stringValue == "main")
        }
        assets.insert(.object(["type": "icon", "uri": .string(CharX.assetURI(forPath: avatarPath)),
                               "name": "main", "ext": "png"]), at: 0)
        v3.setField("assets", .array(assets))
        let files = [CharXAsset(path: avatarPath, data: avatar)] + extraAssets.filter { $0.path != avatarPath }
        return try CharX.write(cardJSON: v3.compactJSON, assets: files, modificationDate: date)
    }
}
