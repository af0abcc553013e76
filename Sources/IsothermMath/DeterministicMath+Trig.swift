// The sin/cos kernels and the reduction by π/2 of DeterministicMath, ported from FreeBSD msun (k_cos.c, k_sin.c,
// e_rem_pio2.c; Copyright (C) 1993 by Sun Microsystems, Inc.: "Permission to use, copy, modify, and distribute this
// software is freely granted, provided that this notice is preserved."), plus a Payne–Hanek reduction in 64-bit
// integer arithmetic for |x| ≥ 2^20·π/2 (msun uses its __kernel_rem_pio2 there). See DeterministicMath.swift.

extension DeterministicMath {
    /// cos(x + y) for |x| ≲ π/4, y the tail of x (msun's __kernel_cos): 1 − x²/2 + x⁴·(C1 + … + C6·x^10), with the
    /// 1 − x²/2 split so that it is exact.
    @inline(__always)
    static func kernelCos(_ x: Double, _ y: Double) -> Double {
        let c1 = 0x1.555555555554cp-5
        let c2 = -0x1.6c16c16c15177p-10
        let c3 = 0x1.a01a019cb1590p-16
        let c4 = -0x1.27e4f809c52adp-22
        let c5 = 0x1.1ee9ebdb4b1c4p-29
        let c6 = -0x1.8fae9be8838d4p-37
        let z = x * x
        let z2 = z * z
        let r = z * (c1 + z * (c2 + z * c3)) + z2 * z2 * (c4 + z * (c5 + z * c6))
        let hz = 0.5 * z
        let w = 1 - hz
        return w + (((1 - w) - hz) + (z * r - x * y))
    }

    /// msun's sine polynomial on [−π/4, π/4]: sin x ≈ x + S1·x³ + … + S6·x^13.
    static let sinS1 = -0x1.5555555555549p-3
    static let sinS2 = 0x1.111111110f8a6p-7
    static let sinS3 = -0x1.a01a019c161d5p-13
    static let sinS4 = 0x1.71de357b1fe7dp-19
    static let sinS5 = -0x1.ae5e68a2b9cebp-26
    static let sinS6 = 0x1.5d93a5acfd57cp-33

    /// sin(x) for |x| ≲ π/4 (msun's __kernel_sin with iy = 0).
    @inline(__always)
    static func kernelSin(_ x: Double) -> Double {
        let z = x * x
        let w = z * z
        let r = sinS2 + z * (sinS3 + z * sinS4) + z * w * (sinS5 + z * sinS6)
        let v = z * x
        return x + v * (sinS1 + z * r)
    }

    /// sin(x + y) for |x| ≲ π/4, y the tail of x (msun's __kernel_sin with iy = 1).
    @inline(__always)
    static func kernelSin(_ x: Double, _ y: Double) -> Double {
        let z = x * x
        let w = z * z
        let r = sinS2 + z * (sinS3 + z * sinS4) + z * w * (sinS5 + z * sinS6)
        let v = z * x
        return x - ((z * (0.5 * y - v * r) - y) - v * sinS1)
    }

    /// x − n·π/2 = y0 + y1 with |y0| ≲ π/4, for finite x > π/4 (only the low two bits of n are meaningful above 2^53).
    static func reduceHalfPi(_ x: Double) -> (n: Int, y0: Double, y1: Double) {
        if x.bitPattern >> 32 >= 0x4139_21FB { return payneHanek(x) }  // x ≳ 2^20·π/2
        // msun's "medium" case of __ieee754_rem_pio2: π/2 in three 33-bit parts, each product fn·part exact.
        let inversePio2 = 0x1.45f306dc9c883p-1
        let pio2Part1 = 0x1.921fb544p+0
        let pio2Part1Tail = 0x1.0b4611a626331p-34
        let pio2Part2 = 0x1.0b4611a6p-34
        let pio2Part2Tail = 0x1.3198a2e037073p-69
        let pio2Part3 = 0x1.3198a2ep-69
        let pio2Part3Tail = 0x1.b839a252049c1p-104
        let shifter = 0x1.8p52
        let fn = (x * inversePio2 + shifter) - shifter  // round to nearest
        let n = Int(fn)
        var r = x - fn * pio2Part1
        var w = fn * pio2Part1Tail  // first round: good to 85 bits
        var y0 = r - w
        let exponent = Int(truncatingIfNeeded: x.bitPattern >> 52)
        func exponentOf(_ v: Double) -> Int { Int(truncatingIfNeeded: (v.bitPattern >> 52) & 0x7FF) }
        if exponent - exponentOf(y0) > 16 {  // second round: good to 118 bits
            var t = r
            w = fn * pio2Part2
            r = t - w
            w = fn * pio2Part2Tail - ((t - r) - w)
            y0 = r - w
            if exponent - exponentOf(y0) > 49 {  // third round: 151 bits, enough for every double
                t = r
                w = fn * pio2Part3
                r = t - w
                w = fn * pio2Part3Tail - ((t - r) - w)
                y0 = r - w
            }
        }
        return (n, y0, (r - y0) - w)
    }

    /// Bits q ..< q + 64 of 2/π after the binary point (bit 0 is the first), most significant first.
    @inline(__always)
    static func twoOverPiWindow(_ q: Int) -> UInt64 {
        let word = q >> 6
        let offset = q & 63
        let bits = twoOverPiBits
        if offset == 0 { return bits[word] }
        return (bits[word] << offset) | (bits[word + 1] >> (64 - offset))
    }

    /// Payne–Hanek: x·(2/π) mod 4 from the 53-bit significand and a 192-bit window of 2/π, in integer arithmetic.
    /// For finite x ≥ 2^20·π/2 (exponent of x ≥ −32 after taking the significand as an integer).
    static func payneHanek(_ x: Double) -> (n: Int, y0: Double, y1: Double) {
        let bits = x.bitPattern
        let m = (bits & 0x000F_FFFF_FFFF_FFFF) | 0x0010_0000_0000_0000
        let e = Int(truncatingIfNeeded: bits >> 52) - 1075  // x = m·2^e
        // Bits of 2/π before bit e − 1 contribute multiples of 4 to m·2^e·(2/π), so the window starts there.
        let start = max(1, e - 1)  // 1-based index of the window's first bit
        let b2 = twoOverPiWindow(start - 1)
        let b1 = twoOverPiWindow(start + 63)
        let b0 = twoOverPiWindow(start + 127)
        // P = m·(b2:b1:b0), low 256 bits, as p3:p2:p1:p0.
        let m0 = m.multipliedFullWidth(by: b0)
        let m1 = m.multipliedFullWidth(by: b1)
        let m2 = m.multipliedFullWidth(by: b2)
        let p0 = m0.low
        let (p1, c1) = m0.high.addingReportingOverflow(m1.low)
        let (p2a, c2a) = m1.high.addingReportingOverflow(m2.low)
        let (p2, c2b) = p2a.addingReportingOverflow(c1 ? 1 : 0)
        let p3 = m2.high &+ (c2a ? 1 : 0) &+ (c2b ? 1 : 0)
        let words = [p0, p1, p2, p3, 0]
        func extract(_ q: Int) -> UInt64 {  // bits q ..< q + 64 of P, q ≥ 0
            let word = q >> 6
            let offset = q & 63
            if offset == 0 { return words[word] }
            return (words[word] >> offset) | (words[word + 1] << (64 - offset))
        }
        // x·(2/π) = P·2^−pos: bits from pos up are the integer part, the 128 below it the fraction.
        let pos = start + 191 - e
        var n = Int(extract(pos) & 3)
        var fracHigh = extract(pos - 64)
        var fracLow = extract(pos - 128)
        var negative = false
        if fracHigh >> 63 == 1 {  // fraction ≥ 1/2: use fraction − 1 and n + 1
            negative = true
            n += 1
            fracLow = ~fracLow &+ 1
            fracHigh = ~fracHigh &+ (fracLow == 0 ? 1 : 0)
        }
        // The fraction (at most 1/2, at least ~2^-62 for any double) as a double-double.
        var shift = fracHigh.leadingZeroBitCount
        var normalHigh: UInt64
        var normalLow: UInt64
        if shift == 64 {
            shift += fracLow.leadingZeroBitCount
            if shift == 128 { return (n, 0, 0) }
            normalHigh = fracLow << (shift - 64)
            normalLow = 0
        } else if shift == 0 {
            normalHigh = fracHigh
            normalLow = fracLow
        } else {
            normalHigh = (fracHigh << shift) | (fracLow >> (64 - shift))
            normalLow = fracLow << shift
        }
        let top = normalHigh >> 11
        let next = ((normalHigh & 0x7FF) << 42) | (normalLow >> 22)
        let fh = Double(top) * powerOfTwo(-53 - shift)
        let fl = Double(next) * powerOfTwo(-106 - shift)
        // y = fraction·π/2.
        let p = twoProduct(fh, halfPi.hi)
        let y = fastTwoSum(p.hi, p.lo + (fh * halfPi.lo + fl * halfPi.hi))
        return negative ? (n, -y.hi, -y.lo) : (n, y.hi, y.lo)
    }
}
