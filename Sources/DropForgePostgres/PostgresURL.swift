import Foundation

/// What may be shown of a connection string.
public enum PostgresURL {
    /// The URL with its password replaced by `***`: a `postgres://user:secret@host/db` URI's
    /// user-info password and `password=` parameter, or a `key=value` string's `password`.
    public static func redacted(_ url: String) -> String {
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            guard var components = URLComponents(string: url) else { return "postgres://(unreadable URL)" }
            if components.password != nil { components.password = "***" }
            components.queryItems = components.queryItems?.map { item in
                item.name == "password" ? URLQueryItem(name: item.name, value: "***") : item
            }
            if components.queryItems?.isEmpty == true { components.queryItems = nil }
            return components.string ?? "postgres://(unreadable URL)"
        }
        // key=value pairs; a value may be quoted ('…' with \' inside).
        var output = ""
        var rest = Substring(url)
        while let equals = rest.firstIndex(of: "=") {
            let key = rest[..<equals].trimmingCharacters(in: .whitespaces)
            var index = rest.index(after: equals)
            while index < rest.endIndex, rest[index] == " " { index = rest.index(after: index) }
            var end = index
            if end < rest.endIndex, rest[end] == "'" {
                end = rest.index(after: end)
                while end < rest.endIndex, rest[end] != "'" {
                    if rest[end] == "\\" { end = rest.index(after: end) }
                    if end < rest.endIndex { end = rest.index(after: end) }
                }
                if end < rest.endIndex { end = rest.index(after: end) }
            } else {
                while end < rest.endIndex, rest[end] != " " { end = rest.index(after: end) }
            }
            output += (output.isEmpty ? "" : " ") + key + "=" + (key == "password" ? "***" : String(rest[index..<end]))
            rest = rest[end...]
        }
        return output
    }
}
