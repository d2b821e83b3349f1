import Foundation

/// What a model costs, in US dollars per million tokens (`prices:` in `config/dropforge.yaml`).
public struct ModelPrice: Codable, Sendable, Equatable {
    public var input: Double
    public var output: Double

    public init(input: Double, output: Double) {
        self.input = input
        self.output = output
    }
}
