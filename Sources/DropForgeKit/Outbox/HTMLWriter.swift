/// Builds markup that is both HTML5 and well-formed XML: every element closed (`<img … />`),
/// every text and attribute escaped, only the XML entities (`&amp;` and friends, never
/// `&nbsp;`), and characters XML 1.0 forbids (most C0 controls, U+FFFE/U+FFFF) replaced by
/// U+FFFD. Why: the report is read by browsers *and* by tools and tests with an XML parser, and
/// its text — prompts, titles, card fields — comes from users and models, so none of it may
/// ever become markup. `dropforge serve`'s pages are written with it too.
public struct HTMLWriter {
    public private(set) var text = ""

    public init() {}

    /// Appends `markup` as is: only for constant markup, never for text from users or models.
    public mutating func raw(_ markup: String) {
        text += markup
    }

    /// `<tag attr="value">`; attributes with a nil value are left out.
    public mutating func open(_ tag: String, _ attributes: [(String, String?)] = []) {
        text += "<" + tag + Self.attributes(attributes) + ">"
    }

    public mutating func close(_ tag: String, newline: Bool = false) {
        text += "</" + tag + ">" + (newline ? "\n" : "")
    }

    /// `<tag …>escaped text</tag>`.
    public mutating func element(_ tag: String, _ attributes: [(String, String?)] = [], text content: String) {
        open(tag, attributes)
        text += Self.escape(content)
        close(tag)
    }

    /// `<tag …>…</tag>` around whatever `body` writes, then a newline.
    public mutating func element(_ tag: String, _ attributes: [(String, String?)] = [], body: (inout HTMLWriter) -> Void) {
        open(tag, attributes)
        body(&self)
        close(tag, newline: true)
    }

    /// A void element written the XML way: `<img … />`.
    public mutating func void(_ tag: String, _ attributes: [(String, String?)]) {
        text += "<" + tag + Self.attributes(attributes) + " />"
    }

    /// Escaped text outside any element of its own.
    public mutating func write(_ content: String) {
        text += Self.escape(content)
    }

    static func attributes(_ list: [(String, String?)]) -> String {
        list.compactMap { name, value in value.map { " \(name)=\"\(escape($0))\"" } }.joined()
    }

    /// Text safe in element content and in double- or single-quoted attributes.
    public static func escape(_ string: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in string.unicodeScalars {
            switch scalar {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": out.append(contentsOf: "&quot;".unicodeScalars)
            case "'": out.append(contentsOf: "&#39;".unicodeScalars)
            case "\t", "\n": out.append(scalar)
            case "\r": break // line ends are "\n"; a bare CR would be normalised by parsers anyway
            default:
                let value = scalar.value
                let forbidden = value < 0x20 || (0x7F...0x9F).contains(value) || value == 0xFFFE || value == 0xFFFF
                out.append(forbidden ? "\u{FFFD}" : scalar)
            }
        }
        return String(out)
    }
}
