/// The offline parameters stage: template × keywords × vars → one `ItemPlan` per item.
///
/// Combinations are keyword rows (outer loop) × each variable's values in declared order, the
/// last variable varying fastest — the order a person reading the manifest would list them.
/// With no keywords there is one empty keyword row, so a template without `{keyword}` still works.
///
/// - `count` nil: one item per combination.
/// - `pick: sequential`: item i takes combination `i % n` (wrapping when count > n).
/// - `pick: random`: combinations are dealt from a shuffled deck seeded by `baseSeed`, reshuffled
///   when exhausted, so no combination repeats before every one has been used, and the same seed
///   always gives the same list.
/// - Aspect ratios cycle over items; item seed = `baseSeed &+ i` (wrapping).
public enum ParameterExpander {
    public static func expand(_ spec: ParameterSpec, baseSeed: UInt32) throws -> [ItemPlan] {
        let ratios = try parseRatios(spec.aspectRatios)
        guard spec.size > 0 else { throw ParameterError("size must be a positive number of pixels, got \(spec.size)") }
        try validateVars(spec.vars)
        let combinations = makeCombinations(spec)
        let count = spec.count ?? combinations.count
        guard count >= 1 else { throw ParameterError("count must be at least 1, got \(count)") }

        let order = pickOrder(count: count, combinations: combinations.count, mode: spec.pick, baseSeed: baseSeed)
        let template = PromptTemplate(spec.template, field: "template")
        let negative = PromptTemplate(spec.negative, field: "negative")
        var plans: [ItemPlan] = []
        plans.reserveCapacity(count)
        for i in 0..<count {
            let combo = combinations[order[i]]
            let ratio = ratios[i % ratios.count]
            let size = ratio.size(longSide: spec.size)
            let prompt = try template.fill(keyword: combo.keyword, vars: combo.vars, columns: combo.columns)
            let negativeText = try negative.fill(keyword: combo.keyword, vars: combo.vars, columns: combo.columns)
            plans.append(ItemPlan(index: i, prompt: prompt, negative: negativeText,
                                  seed: baseSeed &+ UInt32(truncatingIfNeeded: i),
                                  width: size.width, height: size.height,
                                  aspectRatio: ratio.description, keyword: combo.keyword ?? "",
                                  values: combo.columns.merging(combo.vars) { _, variable in variable }))
        }
        return plans
    }

    /// One keyword row joined with one value of each variable.
    struct Combination: Equatable {
        var keyword: String?
        var columns: [String: String]
        var vars: [String: String]
    }

    static func makeCombinations(_ spec: ParameterSpec) -> [Combination] {
        var rows: [Combination] = spec.keywords.rows.map { row in
            var columns: [String: String] = [:]
            for (h, header) in spec.keywords.headers.enumerated() where columns[header] == nil {
                columns[header] = h < row.count ? row[h] : ""
            }
            return Combination(keyword: row.first ?? "", columns: columns, vars: [:])
        }
        if rows.isEmpty { rows = [Combination(keyword: nil, columns: [:], vars: [:])] }
        var result = rows
        for variable in spec.vars {
            result = result.flatMap { base in
                variable.values.map { value in
                    var next = base
                    next.vars[variable.name] = value
                    return next
                }
            }
        }
        return result
    }

    static func pickOrder(count: Int, combinations n: Int, mode: PickMode, baseSeed: UInt32) -> [Int] {
        switch mode {
        case .sequential:
            return (0..<count).map { $0 % n }
        case .random:
            var rng = SeededRandom(seed: UInt64(baseSeed))
            var order: [Int] = []
            order.reserveCapacity(count)
            while order.count < count {
                order += rng.shuffled(Array(0..<n)).prefix(count - order.count)
            }
            return order
        }
    }

    private static func parseRatios(_ texts: [String]) throws -> [AspectRatio] {
        if texts.isEmpty { return [AspectRatio(width: 1, height: 1)!] }
        return try texts.map { text in
            guard let ratio = AspectRatio(text) else {
                throw ParameterError("aspect_ratios: \"\(text)\" is not a ratio; write it like \"16:9\" (two positive whole numbers)")
            }
            return ratio
        }
    }

    private static func validateVars(_ vars: [TemplateVariable]) throws {
        var seen: Set<String> = []
        for variable in vars {
            guard !variable.name.isEmpty else { throw ParameterError("vars: a variable has an empty name") }
            guard variable.name != "keyword" else {
                throw ParameterError("vars: \"keyword\" is reserved for the keyword list; rename the variable")
            }
            guard seen.insert(variable.name).inserted else { throw ParameterError("vars: variable \"\(variable.name)\" is declared twice") }
            guard !variable.values.isEmpty else {
                throw ParameterError("vars: variable \"\(variable.name)\" has no values; give it at least one")
            }
        }
    }
}
