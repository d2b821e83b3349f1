import Foundation
import DropForgeKit
import DropForgeMedia

/// PNG bytes through the chunk walk (`PNGChunkReader`), every text chunk through
/// `PNGTextDecoder` (zTXt/iTXt inflate included), A1111 `parameters` text through
/// `GenerationParameters.parse`, and the whole file through libpng (`PNGCodec`).
///
/// A mutated PNG almost always fails its CRCs first, which would keep the fuzzer at the door;
/// so the input runs twice: as given, and with every chunk's CRC made right (`PNGCRCRepair`).
enum PNGFuzzTarget {
    static func run(_ data: Data) -> String {
        PNGCRCRepair.asGivenAndRepaired(data, read)
    }

    static func read(_ data: Data) -> String {
        var outcome: [String] = []
        do {
            let chunks = try PNGChunkReader.chunks(in: data)
            var texts = 0
            for chunk in chunks where chunk.isText {
                _ = PNGTextDecoder.keyword(of: chunk)
                guard let text = try? PNGTextDecoder.decode(chunk) else { continue }
                texts += 1
                if text.keyword == "parameters" { _ = GenerationParameters.parse(text.text) }
            }
            outcome.append("\(chunks.count) chunks, \(texts) text decoded")
        } catch {
            outcome.append("chunks: \(error)")
        }
        _ = try? PNGCodec.header(data)
        do {
            let decoded = try PNGCodec.decode(data)
            outcome.append("decoded \(decoded.image.width)x\(decoded.image.height)")
        } catch {
            outcome.append("decode: \(error)")
        }
        return outcome.joined(separator: ", ")
    }
}
