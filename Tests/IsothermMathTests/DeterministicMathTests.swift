import Testing

@testable import IsothermMath

/// SplitMix64: a seeded source of test inputs that is the same on every machine.
private struct SeededInputs {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [low, high).
    mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * Double(next() >> 11) * 0x1p-53
    }

    /// Any finite double, sign and exponent spread evenly.
    mutating func anyFinite() -> Double {
        while true {
            let x = Double(bitPattern: next())
            if x.isFinite { return x }
        }
    }
}

@Suite struct DeterministicMathGoldenTests {
    /// Exact bit patterns of our results, pinned so that any change of algorithm or constant is noticed. Every one of
    /// them is also the correctly rounded value (checked against mpmath when they were pinned).
    static let golden: [(function: String, input: Double, bits: UInt64)] = [
        ("erfc", 0.5, 0x3FDE_B021_47CE_245C),
        ("erfc", -1.5, 0x3FFF_752A_AB89_BD70),
        ("erfc", 1.0, 0x3FC4_2261_62FB_DDD5),
        ("erfc", 3.0, 0x3EF7_29DF_6503_422A),
        ("erfc", 10.0, 0x36A7_D8A7_F2A8_A2D0),
        ("erfc", 26.9, 0x0000_0000_0163_DC09),  // subnormal
        ("erfc", -0.25, 0x3FF4_6BD5_388C_B582),
        ("erfc", 1e-20, 0x3FF0_0000_0000_0000),
        ("normalCDF", -1.959963984540054, 0x3F99_9999_9999_999D),
        ("normalCDF", -6.0, 0x3E10_F30E_F009_2D48),
        ("normalCDF", -37.5, 0x0020_8EDA_9808_6FD1),  // subnormal
        ("normalCDF", 1.0, 0x3FEA_EC4B_D120_D37D),
        ("normalCDF", 3.0, 0x3FEF_F4F1_0F03_3D25),
        ("normalCDF", 0.1, 0x3FE1_4645_0752_6871),
        ("exp", 1.0, 0x4005_BF0A_8B14_5769),
        ("exp", -1.0, 0x3FD7_8B56_362C_EF38),
        ("exp", 100.0, 0x48F3_494A_9B17_1BF5),
        ("exp", -745.0, 0x0000_0000_0000_0001),
        ("exp", 709.0, 0x7FDD_422D_2BE5_DC9B),
        ("exp", 1e-10, 0x3FF0_0000_0006_DF38),
        ("exp", -708.5, 0x000E_6CF6_D088_97AC),
        ("cos", 1.0, 0x3FE1_4A28_0FB5_068C),
        ("cos", 1e22, 0x3FE0_BE2C_EF01_C8F4),
        ("cos", 1.5707963267948966, 0x3C91_A626_3314_5C07),
        ("cos", 1e6, 0x3FED_F9DF_9906_D32C),
        ("cos", 0x1.6ac5b262ca1ffp+849, 0xBC21_4AE7_2E6B_A22F),  // the double closest to a multiple of π/2
        ("cos", 1e300, 0xBFE2_6990_22AD_C4C1),
        ("sin", 1.0, 0x3FEA_ED54_8F09_0CEE),
        ("sin", 1e22, 0xBFEB_453A_B76B_F397),
        ("sin", 3.141592653589793, 0x3CA1_A626_3314_5C07),
        ("sin", 1e6, 0xBFD6_664B_2568_D867),
        ("sin", 0x1.6ac5b262ca1ffp+849, 0x3FF0_0000_0000_0000),
        ("sin", 1e300, 0xBFEA_2C16_B010_E385),
    ]

    static func evaluate(_ function: String, _ x: Double) -> Double {
        switch function {
        case "erfc": DeterministicMath.erfc(x)
        case "normalCDF": DeterministicMath.normalCDF(x)
        case "exp": DeterministicMath.exp(x)
        case "cos": DeterministicMath.cos(x)
        case "sin": DeterministicMath.sin(x)
        default: .nan
        }
    }

    @Test func pinnedBitPatterns() {
        for (function, input, bits) in Self.golden {
            let result = Self.evaluate(function, input)
            #expect(
                result.bitPattern == bits,
                """
                \(function)(\(input)) = \(result) (0x\(String(result.bitPattern, radix: 16))), \
                pinned 0x\(String(bits, radix: 16))
                """)
        }
    }
}

@Suite struct DeterministicMathSpecialValueTests {
    @Test func erfcSpecialValues() {
        #expect(DeterministicMath.erfc(0).bitPattern == (1.0).bitPattern)
        #expect(DeterministicMath.erfc(-0.0).bitPattern == (1.0).bitPattern)
        #expect(DeterministicMath.erfc(.infinity).bitPattern == (0.0).bitPattern)
        #expect(DeterministicMath.erfc(-.infinity) == 2)
        #expect(DeterministicMath.erfc(.nan).isNaN)
        #expect(DeterministicMath.erfc(.leastNonzeroMagnitude) == 1)
        #expect(DeterministicMath.erfc(30) == 0)
        #expect(DeterministicMath.erfc(27.3) == 0)
        #expect(DeterministicMath.erfc(27.2) > 0)  // still a subnormal
        #expect(DeterministicMath.erfc(-6) == 2)
        #expect(DeterministicMath.erfc(-5) < 2)
        #expect(DeterministicMath.erfc(.greatestFiniteMagnitude) == 0)
        #expect(DeterministicMath.erfc(-.greatestFiniteMagnitude) == 2)
    }

    @Test func normalCDFSpecialValues() {
        #expect(DeterministicMath.normalCDF(0) == 0.5)
        #expect(DeterministicMath.normalCDF(-0.0) == 0.5)
        #expect(DeterministicMath.normalCDF(.infinity) == 1)
        #expect(DeterministicMath.normalCDF(-.infinity).bitPattern == (0.0).bitPattern)
        #expect(DeterministicMath.normalCDF(.nan).isNaN)
        #expect(DeterministicMath.normalCDF(-38.4) > 0)  // subnormal, not flushed
        #expect(DeterministicMath.normalCDF(-39) == 0)
        #expect(DeterministicMath.normalCDF(8.5) == 1)
        #expect(DeterministicMath.normalCDF(7.5) < 1)
        #expect(DeterministicMath.normalCDF(.greatestFiniteMagnitude) == 1)
        #expect(DeterministicMath.normalCDF(-.greatestFiniteMagnitude) == 0)
    }

    @Test func expSpecialValues() {
        #expect(DeterministicMath.exp(0) == 1)
        #expect(DeterministicMath.exp(-0.0) == 1)
        #expect(DeterministicMath.exp(.infinity) == .infinity)
        #expect(DeterministicMath.exp(-.infinity).bitPattern == (0.0).bitPattern)
        #expect(DeterministicMath.exp(.nan).isNaN)
        // The last finite result and the first overflow.
        #expect(DeterministicMath.exp(0x1.62e42fefa39efp+9).isFinite)
        #expect(DeterministicMath.exp(0x1.62e42fefa39f0p+9) == .infinity)
        // The last result that rounds up to the least subnormal, and the first that rounds to zero.
        #expect(DeterministicMath.exp(-0x1.74910d52d3051p+9) == .leastNonzeroMagnitude)
        #expect(DeterministicMath.exp(-0x1.74910d52d3052p+9).bitPattern == (0.0).bitPattern)
        #expect(DeterministicMath.exp(.leastNonzeroMagnitude) == 1)
        #expect(DeterministicMath.exp(-.leastNonzeroMagnitude) == 1)
    }

    @Test func trigSpecialValues() {
        #expect(DeterministicMath.cos(0) == 1)
        #expect(DeterministicMath.cos(-0.0) == 1)
        #expect(DeterministicMath.sin(0).bitPattern == (0.0).bitPattern)
        #expect(DeterministicMath.sin(-0.0).bitPattern == (-0.0).bitPattern)
        #expect(DeterministicMath.sin(.leastNonzeroMagnitude) == .leastNonzeroMagnitude)
        #expect(DeterministicMath.sin(-0x1p-30) == -0x1p-30)
        for x in [Double.infinity, -.infinity, .nan] {
            #expect(DeterministicMath.cos(x).isNaN)
            #expect(DeterministicMath.sin(x).isNaN)
        }
        #expect(DeterministicMath.cos(.greatestFiniteMagnitude).isFinite)
        #expect(DeterministicMath.sin(.greatestFiniteMagnitude).isFinite)
    }
}

@Suite struct DeterministicMathPropertyTests {
    @Test func cosIsEvenAndSinIsOddBitForBit() {
        var inputs = SeededInputs(state: 1)
        for i in 0..<20_000 {
            let x: Double =
                switch i % 4 {
                case 0: inputs.uniform(-10, 10)
                case 1: inputs.uniform(-1e6, 1e6)
                case 2: inputs.uniform(-2e6, 2e6)
                default: inputs.anyFinite()
                }
            #expect(DeterministicMath.cos(-x).bitPattern == DeterministicMath.cos(x).bitPattern, "cos at \(x)")
            #expect(DeterministicMath.sin(-x).bitPattern == (-DeterministicMath.sin(x)).bitPattern, "sin at \(x)")
        }
    }

    @Test func sinSquaredPlusCosSquared() {
        var inputs = SeededInputs(state: 2)
        for i in 0..<20_000 {
            let x = i % 2 == 0 ? inputs.uniform(-1e4, 1e4) : inputs.anyFinite()
            let s = DeterministicMath.sin(x)
            let c = DeterministicMath.cos(x)
            #expect((s * s + c * c - 1).magnitude <= 4 * 0x1p-53, "at \(x)")
            #expect(s.magnitude <= 1 && c.magnitude <= 1, "at \(x)")
        }
    }

    @Test func erfcReflection() {
        // erfc(x) + erfc(−x) = 2: each result is within 1/2 ulp, the sum rounds once more.
        var inputs = SeededInputs(state: 3)
        for i in 0..<20_000 {
            let x = i % 2 == 0 ? inputs.uniform(-1, 1) : inputs.uniform(-7, 7)
            let sum = DeterministicMath.erfc(x) + DeterministicMath.erfc(-x)
            #expect((sum - 2).magnitude <= 0x1p-51, "at \(x): \(sum)")
        }
    }

    @Test func normalCDFReflection() {
        var inputs = SeededInputs(state: 4)
        for _ in 0..<20_000 {
            let x = inputs.uniform(-9, 9)
            let sum = DeterministicMath.normalCDF(x) + DeterministicMath.normalCDF(-x)
            #expect((sum - 1).magnitude <= 0x1p-52, "at \(x): \(sum)")
        }
    }

    @Test func normalCDFMatchesErfcWhereTheScalingIsExact() {
        // Φ(x) = ½·erfc(−x/√2); computing −x/√2 in double moves the argument by up to |t|·2^-52, which for |t| ≤ 1
        // moves erfc by at most 2.7·|t|·2^-52 relative: a few ulps.
        for k in -64...64 {
            let t = Double(k) / 64
            let x = -t * 2.0.squareRoot()
            let viaErfc = 0.5 * DeterministicMath.erfc(-x / 2.0.squareRoot())
            let direct = DeterministicMath.normalCDF(x)
            #expect((direct - viaErfc).magnitude <= 8 * direct.ulp, "at \(x)")
        }
    }

    @Test func monotone() {
        // On a grid and across every interval boundary of the erfc algorithm.
        var boundaries: [Double] = [0.5, 8, 27.3]
        for i in 0...14 { boundaries.append(0.5 + Double(i) / 4) }
        for i in 0...8 { boundaries.append(4 + Double(i) / 2) }
        for b in boundaries {
            for x in [b, -b] {
                let values = [x.nextDown, x, x.nextUp].map(DeterministicMath.erfc)
                #expect(values[0] >= values[1] && values[1] >= values[2], "erfc around \(x): \(values)")
                let p = [x.nextDown, x, x.nextUp].map(DeterministicMath.normalCDF)
                #expect(p[0] <= p[1] && p[1] <= p[2], "normalCDF around \(x): \(p)")
            }
        }
        var previous = (erfc: 2.0, normal: 0.0, exp: 0.0)
        var x = -40.0
        while x < 30 {
            let now = (
                erfc: DeterministicMath.erfc(x), normal: DeterministicMath.normalCDF(x), exp: DeterministicMath.exp(x)
            )
            #expect(now.erfc <= previous.erfc, "erfc at \(x)")
            #expect(now.normal >= previous.normal, "normalCDF at \(x)")
            #expect(now.exp >= previous.exp, "exp at \(x)")
            previous = now
            x += 1.0 / 1024
        }
    }

    @Test func expOfSumIsProductOfExps() {
        var inputs = SeededInputs(state: 5)
        for _ in 0..<10_000 {
            let a = inputs.uniform(-300, 300)
            let b = inputs.uniform(-300, 300)
            let sum = a + b
            // Five roundings of at most 2^-53 relative each, and the rounding of a + b moves exp by |a + b|·2^-53.
            let tolerance = (6 + sum.magnitude) * 0x1p-53
            let ratio = DeterministicMath.exp(a) * DeterministicMath.exp(b) / DeterministicMath.exp(sum)
            #expect((ratio - 1).magnitude <= tolerance, "a = \(a), b = \(b)")
        }
    }

    @Test func bothReductionsAgree() {
        // Cody–Waite serves x < 2^20·π/2 and Payne–Hanek the rest; on [2^20, 2^20·π/2) both apply and must agree.
        var inputs = SeededInputs(state: 6)
        let low = 0x1p20
        let high = 0x1.921fbp20
        var xs = (0..<5_000).map { _ in inputs.uniform(low, high) }
        for k in 667_544...1_000_000 where k % 997 == 0 {  // near multiples of π/2: the reduced argument is tiny
            let x = Double(k) * DeterministicMath.halfPi.hi
            xs += [x.nextDown, x, x.nextUp]
        }
        for x in xs where x >= low && x < high {
            let cody = DeterministicMath.reduceHalfPi(x)
            let payne = DeterministicMath.payneHanek(x)
            #expect(cody.n & 3 == payne.n & 3, "quadrant at \(x)")
            let difference = (cody.y0 - payne.y0) + (cody.y1 - payne.y1)
            #expect(difference.magnitude <= cody.y0.magnitude * 0x1p-60, "remainder at \(x)")
        }
    }

    @Test func reductionIsExactEnoughNearMultiplesOfHalfPi() {
        // cos at the double nearest to kπ/2 (k odd) is the tiny remainder itself, which only an accurate reduction
        // gets right: compare against the remainder computed independently in double-double.
        for k in stride(from: 1, through: 2001, by: 2) {
            let x = Double(k) * DeterministicMath.halfPi.hi  // rounded, within a few ulps of kπ/2
            // kπ/2 − x ≈ k·halfPi.hi − x (exact by twoProduct) + k·halfPi.lo
            let product = DeterministicMath.twoProduct(Double(k), DeterministicMath.halfPi.hi)
            let remainder = ((product.hi - x) + product.lo) + Double(k) * DeterministicMath.halfPi.lo
            // cos(kπ/2 − r) = ±sin(r) ≈ ±r for tiny r.
            let c = DeterministicMath.cos(x)
            #expect((c.magnitude - remainder.magnitude).magnitude <= remainder.magnitude * 0x1p-40, "k = \(k)")
        }
    }
}
