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
        guard spec.size > 0 else { throw ParameterError("size", "must be a positive number of pixels, got \(spec.size)") }
        if let problem = varProblems(spec.vars).first { throw problem }
        let combinations = makeCombinations(spec)
        let count = spec.count ?? combinations.count
        guard count >= 1 else { throw ParameterError("count", "must be at least 1, got \(count)") }

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

    /// Every problem `expand` would meet, without making any item: the variables, then each
    /// placeholder of the template and the negative prompt, filled with the first combination
    /// (every combination has the same names, so one is enough). Cheap enough for intake.
    public static func problems(_ spec: ParameterSpec) -> [ParameterError] {
        var found = spec.aspectRatios.compactMap { AspectRatio($0) == nil ? ratioError($0) : nil }
        if spec.size <= 0 { found.append(ParameterError("size", "must be a positive number of pixels, got \(spec.size)")) }
        let varProblems = varProblems(spec.vars)
        found += varProblems
        guard varProblems.isEmpty else { return found }  // a broken variable would make every placeholder look unknown
        var first = keywordRow(spec, spec.keywords.rows.first)
        for variable in spec.vars { first.vars[variable.name] = variable.values.first }
        for template in [PromptTemplate(spec.template, field: "template"), PromptTemplate(spec.negative, field: "negative")] {
            found += template.problems(keyword: first.keyword, vars: first.vars, columns: first.columns)
        }
        return found
    }

    /// The pixels the job would make, all items together (saturating, never overflowing),
    /// and its item count: computed from the counts alone, without listing a combination.
    public static func totalPixels(_ spec: ParameterSpec) -> (pixels: Int, items: Int) {
        func times(_ a: Int, _ b: Int) -> Int {
            let (product, overflow) = a.multipliedReportingOverflow(by: b)
            return overflow ? Int.max : product
        }
        let combinations = spec.vars.reduce(max(1, spec.keywords.rows.count)) { times($0, max(1, $1.values.count)) }
        let count = spec.count ?? combinations
        let ratios = spec.aspectRatios.compactMap(AspectRatio.init)
        guard !ratios.isEmpty else { return (times(count, times(spec.size, spec.size)), count) }
        // Item i takes ratio i mod k: the first count mod k ratios get one item more.
        var pixels = 0
        for (r, ratio) in ratios.enumerated() {
            let items = count / ratios.count + (r < count % ratios.count ? 1 : 0)
            let size = ratio.size(longSide: spec.size)
            let (sum, overflow) = pixels.addingReportingOverflow(times(items, times(size.width, size.height)))
            pixels = overflow ? Int.max : sum
        }
        return (pixels, count)
    }

    /// One keyword row joined with one value of each variable.
    struct Combination: Equatable {
        var keyword: String?
        var columns: [String: String]
        var vars: [String: String]
    }

    static func makeCombinations(_ spec: ParameterSpec) -> [Combination] {
        let rows = spec.keywords.rows.isEmpty ? [keywordRow(spec, nil)] : spec.keywords.rows.map { keywordRow(spec, $0) }
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

    /// A keyword row's combination before the variables: its keyword and its CSV columns by
    /// header. nil is the one row of a job without keywords (no `{keyword}`).
    static func keywordRow(_ spec: ParameterSpec, _ row: [String]?) -> Combination {
        guard let row else { return Combination(keyword: nil, columns: [:], vars: [:]) }
        var columns: [String: String] = [:]
        for (h, header) in spec.keywords.headers.enumerated() where columns[header] == nil {
            columns[header] = h < row.count ? row[h] : ""
        }
        return Combination(keyword: row.first ?? "", columns: columns, vars: [:])
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
            guard let ratio = AspectRatio(text) else { throw ratioError(text) }
            return ratio
        }
    }

    private static func ratioError(_ text: String) -> ParameterError {
        ParameterError("aspect_ratios", "\"\(text)\" is not a ratio; write it like \"16:9\" (two positive whole numbers)")
    }

    /// What is wrong with the variables, in the order declared.
    private static func varProblems(_ vars: [TemplateVariable]) -> [ParameterError] {
        var seen: Set<String> = []
        var found: [ParameterError] = []
        for variable in vars {
            if variable.name.isEmpty {
                found.append(ParameterError("vars", "a variable has an empty name"))
            } else if variable.name == "keyword" {
                found.append(ParameterError("vars", "\"keyword\" is reserved for the keyword list; rename the variable"))
            } else if !seen.insert(variable.name).inserted {
                found.append(ParameterError("vars", "variable \"\(variable.name)\" is declared twice"))
            } else if variable.values.isEmpty {
                found.append(ParameterError("vars", "variable \"\(variable.name)\" has no values; give it at least one"))
            }
        }
        return found
    }
}
