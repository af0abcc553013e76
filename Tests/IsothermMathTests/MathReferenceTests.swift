import Testing

@testable import IsothermMath

/// DeterministicMath against mpmath at 200 bits (MathReference.swift, written by tools/math-reference.py): every
/// result must be within 1 ulp of the true value, measured as |computed − true| / ulp(true) with the true value known
/// to far better than an ulp, so an error of 0.9 ulp counts as 0.9 and not as "one step from the rounded value".
///
/// Maximum errors observed on the committed table (the regression bounds below sit just above them):
///   erfc 0.5000, normalCDF 0.4991, exp 0.5000, cos 0.6054, sin 0.6371 ulp.
@Suite struct MathReferenceTests {
    /// One line of a reference table.
    struct Case {
        let input: Double
        /// The true value rounded to a double.
        let rounded: Double
        /// (true − rounded) / rounded.ulp.
        let remainder: Double
    }

    struct Function: CustomStringConvertible, Sendable {
        let name: String
        let table: String
        let evaluate: @Sendable (Double) -> Double
        /// The largest error this implementation shows on the table, rounded up a little: a change that makes any
        /// result worse than this fails here even while it stays under the 1-ulp contract.
        let regressionBound: Double
        var description: String { name }
    }

    static let functions: [Function] = [
        Function(name: "erfc", table: MathReference.erfc, evaluate: DeterministicMath.erfc, regressionBound: 0.52),
        Function(name: "cos", table: MathReference.cos, evaluate: DeterministicMath.cos, regressionBound: 0.75),
        Function(name: "sin", table: MathReference.sin, evaluate: DeterministicMath.sin, regressionBound: 0.75),
        Function(name: "exp", table: MathReference.exp, evaluate: DeterministicMath.exp, regressionBound: 0.52),
        Function(
            name: "normalCDF", table: MathReference.normalCDF, evaluate: DeterministicMath.normalCDF,
            regressionBound: 0.52),
    ]

    static func parse(_ table: String, sourceLocation: SourceLocation = #_sourceLocation) -> [Case] {
        var cases: [Case] = []
        for line in table.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 3, let input = Double(String(fields[0])), let rounded = Double(String(fields[1])),
                let remainder = Double(String(fields[2]))
            else {
                Issue.record("unparsable reference line: \(line)", sourceLocation: sourceLocation)
                continue
            }
            cases.append(Case(input: input, rounded: rounded, remainder: remainder))
        }
        return cases
    }

    /// |computed − true| in ulps of the true value.
    static func ulpError(_ computed: Double, _ expected: Case) -> Double {
        guard computed.isFinite else { return .infinity }
        let hi = expected.rounded
        let unit = hi.ulp  // 2^-1074 for 0 and subnormals
        // computed − hi is exact when they are close; unit is a power of two.
        var error = ((computed - hi) / unit - expected.remainder).magnitude
        // A true value just below a power of two (in magnitude) lives in the binade below, whose ulp is half.
        let towardZero = (hi > 0 && expected.remainder < 0) || (hi < 0 && expected.remainder > 0)
        if hi.isNormal && hi.significandBitPattern == 0 && hi.exponent > Double.leastNormalMagnitude.exponent
            && towardZero
        {
            error *= 2
        }
        return error
    }

    @Test func tablesAreComplete() {
        for function in Self.functions {
            let count = Self.parse(function.table).count
            #expect(count > 1_400, "\(function.name): only \(count) reference cases")
        }
    }

    @Test(arguments: functions)
    func withinOneUlp(_ function: Function) {
        var worst = 0.0
        var worstInput = 0.0
        var failures = 0
        for expected in Self.parse(function.table) {
            let computed = function.evaluate(expected.input)
            let error = Self.ulpError(computed, expected)
            if error > worst {
                worst = error
                worstInput = expected.input
            }
            if !(error < 1) {
                failures += 1
                if failures <= 10 {
                    Issue.record(
                        """
                        \(function.name)(\(expected.input)) = \(computed), true value ≈ \(expected.rounded) \
                        (+\(expected.remainder) ulp): error \(error) ulp
                        """)
                }
            }
        }
        #expect(failures == 0, "\(function.name): \(failures) results at or beyond 1 ulp")
        #expect(
            worst <= function.regressionBound,
            "\(function.name): max error \(worst) ulp at x = \(worstInput) exceeds \(function.regressionBound)")
    }

    /// The measuring stick itself: a result one ulp off must measure as about one ulp.
    @Test func errorMeasureSeesOneUlp() {
        let cases = Self.parse(MathReference.exp)
        #expect(!cases.isEmpty)
        for expected in cases.prefix(200) where expected.rounded.isNormal {
            let off = expected.rounded.nextUp
            let error = Self.ulpError(off, expected)
            #expect(error >= 0.5 && error <= 3, "\(expected.input): \(error)")
        }
    }
}
