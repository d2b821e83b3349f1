import Foundation

/// Cheap byte-level defences that run *before* a document is handed to libyaml.
///
/// Composing is recursive and aliases can multiply work, so hostile input has to be stopped
/// while it is still a flat byte array: invalid UTF-8 and NUL bytes are reported with their
/// position, nesting deeper than `maxDepth` (flow brackets outside quotes plus block
/// indentation) is refused so a 10 000-deep file cannot overflow the stack, and YAML anchors
/// and aliases are refused so an alias bomb never reaches the composer. Explicit tags are
/// refused too: field types come from the schema.
struct DocumentPrescan {
    /// Deepest nesting a manifest may use; real manifests need about 5.
    static let maxDepth = 64

    let file: String
    let code: String

    func error(_ message: String, line: Int?, column: Int?) -> ManifestError {
        ManifestError(file: file, line: line, column: column, field: nil, message: message, code: code)
    }

    // MARK: Encoding

    /// Throws at the first invalid UTF-8 sequence or NUL byte, naming its line and column.
    func checkEncoding(_ bytes: [UInt8]) throws {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        var line = 1
        var column = 1
        decoding: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                if scalar.value == 0 {
                    throw error("NUL bytes are not allowed (byte offset \(offset))", line: line, column: column)
                }
                offset += UTF8.width(scalar)
                if scalar == "\n" {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
            case .emptyInput:
                break decoding
            case .error:
                throw error("the file is not valid UTF-8 (first invalid byte at offset \(offset))",
                            line: line, column: column)
            }
        }
    }

    // MARK: Structure

    /// What the structure scan learnt: the bytes to compose (tabs outside JSON strings become spaces).
    struct Outcome {
        var bytes: [UInt8]
    }

    /// Scans nesting depth and anchors/aliases without building anything.
    ///
    /// This is a lexer-lite, not a YAML parser: it follows quotes (also across lines), comments,
    /// block scalars (`|`, `>`: their content lines are skipped), flow brackets and block
    /// indentation, and treats `&x` / `*x` at the start of a node as an anchor or alias.
    func scanStructure(_ input: [UInt8], format: DocumentFormat) throws -> Outcome {
        var scan = StructureScan(bytes: input, format: format, prescan: self)
        try scan.run()
        return Outcome(bytes: scan.bytes)
    }

    fileprivate func tooDeep(line: Int, column: Int) -> ManifestError {
        error("nesting is deeper than \(Self.maxDepth) levels", line: line, column: column)
    }
}

/// The state of one ``DocumentPrescan/scanStructure(_:format:)``: what is open across lines
/// (quotes, flow brackets, block indentation, a block scalar) and where the current line is.
private struct StructureScan {
    var bytes: [UInt8]
    let format: DocumentFormat
    let prescan: DocumentPrescan

    var flowDepth = 0
    /// Block depth of the current line (kept while inside flow).
    var lineDepth = 0
    var indentStack: [Int] = []
    var inDouble = false
    var inSingle = false
    /// The indentation of the line that opened a block scalar, while its content lines go by.
    var blockScalarParent: Int?
    var lineNumber = 0
    var lineStart = 0
    var lineEnd = 0
    /// Leading spaces of the current line.
    var spaces = 0
    var atNodeStart = false

    init(bytes: [UInt8], format: DocumentFormat, prescan: DocumentPrescan) {
        self.bytes = bytes
        self.format = format
        self.prescan = prescan
    }

    mutating func run() throws {
        var start = 0
        while start < bytes.count {
            lineNumber += 1
            lineStart = start
            lineEnd = start
            while lineEnd < bytes.count && bytes[lineEnd] != 0x0A { lineEnd += 1 }
            start = lineEnd + 1
            guard var i = try enterLine() else { continue }
            while i < lineEnd, let next = try scanByte(at: i) { i = next }
        }
    }

    /// Indentation, blank and comment lines, block-scalar content: where this line's scan
    /// starts, or nil when the whole line is skipped.
    mutating func enterLine() throws -> Int? {
        var i = lineStart
        spaces = 0
        while i < lineEnd && bytes[i] == 0x20 { i += 1; spaces += 1 }
        var rest = i
        while rest < lineEnd && isBlank(bytes[rest]) { rest += 1 }
        let blankLine = rest == lineEnd

        if let parent = blockScalarParent {
            if blankLine || spaces > parent { return nil }
            blockScalarParent = nil
        }
        let inQuote = inDouble || inSingle
        atNodeStart = !inQuote
        guard flowDepth == 0 && !inQuote else { return lineStart }
        if blankLine || bytes[rest] == UInt8(ascii: "#") { return nil }
        while let last = indentStack.last, last > spaces { indentStack.removeLast() }
        if indentStack.last != spaces { indentStack.append(spaces) }
        lineDepth = indentStack.count
        if lineDepth + flowDepth > DocumentPrescan.maxDepth {
            throw prescan.tooDeep(line: lineNumber, column: spaces + 1)
        }
        return i
    }

    /// Looks at the byte at `i`; returns where to go on, or nil when the rest of the line is a
    /// comment or a block scalar's header.
    mutating func scanByte(at i: Int) throws -> Int? {
        let c = bytes[i]
        let next: UInt8? = i + 1 < lineEnd ? bytes[i + 1] : nil
        if inDouble {
            if c == UInt8(ascii: "\\") { return i + 2 }
            if c == UInt8(ascii: "\"") { inDouble = false; atNodeStart = false }
            return i + 1
        }
        if inSingle {
            if c == UInt8(ascii: "'") {
                if next == UInt8(ascii: "'") { return i + 2 }
                inSingle = false
                atNodeStart = false
            }
            return i + 1
        }
        let nextEndsToken = next == nil || isBlank(next!)
            || (flowDepth > 0 && (next == UInt8(ascii: ",") || next == UInt8(ascii: "]") || next == UInt8(ascii: "}")))
        switch c {
        case 0x20, 0x0D:
            break
        case 0x09:
            // JSON allows tabs between tokens; libyaml may not, and a space keeps columns identical.
            if format == .json { bytes[i] = 0x20 }
        case UInt8(ascii: "#"):
            if i == lineStart || isBlank(bytes[i - 1]) { return nil }
            atNodeStart = false
        case UInt8(ascii: "\""):
            if atNodeStart { inDouble = true }
        case UInt8(ascii: "'"):
            if atNodeStart { inSingle = true }
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            if atNodeStart || flowDepth > 0 {
                flowDepth += 1
                if lineDepth + flowDepth > DocumentPrescan.maxDepth { throw prescan.tooDeep(line: lineNumber, column: column(of: i)) }
                atNodeStart = true
            }
        case UInt8(ascii: "]"), UInt8(ascii: "}"):
            if flowDepth > 0 { flowDepth -= 1 }
            atNodeStart = false
        case UInt8(ascii: ","):
            if flowDepth > 0 { atNodeStart = true }
        case UInt8(ascii: ":"):
            atNodeStart = flowDepth > 0 || nextEndsToken
        case UInt8(ascii: "-"), UInt8(ascii: "?"):
            if atNodeStart && nextEndsToken {
                if flowDepth == 0 {
                    lineDepth += 1
                    if lineDepth > DocumentPrescan.maxDepth { throw prescan.tooDeep(line: lineNumber, column: column(of: i)) }
                }
            } else {
                atNodeStart = false
            }
        case UInt8(ascii: "&"), UInt8(ascii: "*"):
            if atNodeStart && !nextEndsToken {
                throw prescan.error("anchors and aliases are not allowed in manifests", line: lineNumber, column: column(of: i))
            }
            atNodeStart = false
        case UInt8(ascii: "|"), UInt8(ascii: ">"):
            if atNodeStart && flowDepth == 0 {
                blockScalarParent = spaces
                return nil
            }
            atNodeStart = false
        case UInt8(ascii: "!"):
            // An explicit tag (`!!int "5"`): types come from the schema, not from tags.
            if atNodeStart {
                throw prescan.error("YAML tags (like !!str) are not allowed in manifests", line: lineNumber, column: column(of: i))
            }
            atNodeStart = false
        default:
            atNodeStart = false
        }
        return i + 1
    }

    /// The 1-based column of byte `index` on the current line, counting characters, not bytes.
    func column(of index: Int) -> Int {
        var col = 1
        var i = lineStart
        while i < index {
            if bytes[i] & 0xC0 != 0x80 { col += 1 }
            i += 1
        }
        return col
    }

    func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D }
}
