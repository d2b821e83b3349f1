import ArgumentParser
import DropForgeKit
import Foundation
import DropForgeCore
import DropForgeCards

struct Card: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read, check, convert and embed character cards (V1, V2, V3; PNG, JSON, CHARX).",
        discussion: prose("""
            These commands work on files and need no root. A card is read from a PNG (text chunks
            `chara` and `ccv3`, in tEXt, zTXt or iTXt; `ccv3` wins), from JSON, or from a CHARX zip;
            the container is told by the file's first bytes. Cards keep their key order and unknown
            keys through every command.

            Examples:
              dropforge card inspect Seraphina.png
              dropforge card extract Seraphina.png -o seraphina.json
              dropforge card embed --card seraphina.json --image avatar.png -o Seraphina.png
              dropforge card validate seraphina.json --spec v3
              dropforge card convert Megumin.png --to v3 -o megumin.json
            """),
        subcommands: [CardInspect.self, CardExtract.self, CardEmbed.self, CardValidate.self, CardConvert.self])
}

/// Reads a card file, turning any problem into a clear message and exit 1.
func readCardFile(_ path: String) throws -> CardFile {
    do {
        return try CardFile.read(contentsOf: URL(fileURLWithPath: path))
    } catch CocoaError.fileReadNoSuchFile {
        printError("error: \(path): no such file")
        throw ExitCode(1)
    } catch {
        printError("error: \(path): \(error)")
        throw ExitCode(1)
    }
}

/// Writes `data` to `path` (by temp file + rename), or to standard output for `-`/nil.
func writeOutput(_ data: Data, to path: String?) throws {
    guard let path, path != "-" else {
        FileHandle.standardOutput.write(data)
        return
    }
    do {
        try FileSystem.writeAtomically(data, to: URL(fileURLWithPath: path))
    } catch {
        printError(cannotWrite(URL(fileURLWithPath: path), error))
        throw ExitCode(1)
    }
}

/// Writes an encoded card like ``writeOutput(_:to:)``, after saying on standard error which of
/// the card's asset URIs from `input` had to be dropped.
func writeOutput(_ encoded: EncodedCard, from input: String, to path: String?) throws {
    for warning in encoded.warnings { printError("warning: \(input): \(warning)") }
    try writeOutput(encoded.bytes, to: path)
}

extension CharacterCard.Spec: ExpressibleByArgument {}
