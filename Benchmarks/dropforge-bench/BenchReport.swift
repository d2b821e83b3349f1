import Foundation

/// The printed table and `bench/results.json`.
struct BenchReport {
    let figures: [Figure]

    var table: String {
        let header = ["benchmark", "figure", "median", "min – max", "unit", "target", ""]
        let rows = figures.map { figure -> [String] in
            [figure.benchmark, figure.name, Figure.format(figure.runs.median),
             "\(Figure.format(figure.runs.min)) – \(Figure.format(figure.runs.max))", figure.unit,
             figure.targetText, figure.met.map { $0 ? "met" : "MISSED" } ?? ""]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        return ([line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line)).joined(separator: "\n")
    }

    func write(to url: URL) throws {
        var uname = utsname()
        _ = Glibc.uname(&uname)
        let machine = withUnsafeBytes(of: &uname.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let object: [String: Any] = [
            "date": ISO8601DateFormatter().string(from: Date()),
            "machine": ["cores": ProcessInfo.processInfo.activeProcessorCount, "arch": machine],
            "figures": figures.map(\.json),
        ]
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]).write(to: url)
    }
}
