// The exp and erfc kernels of DeterministicMath (the algorithms are described at the top of DeterministicMath.swift).

extension DeterministicMath {
    /// 64/ln 2.
    static let inverseLn2Over64 = 0x1.71547652b82fep+6
    /// ln 2/64 in two parts: msun's ln2HI (32 significant bits, so n·hi is exact for |n| < 2^21) and ln2LO, over 64.
    static let ln2Over64Hi = 0x1.62e42feep-7
    static let ln2Over64Lo = 0x1.a39ef35793c76p-39

    /// e^(yh + yl) = (hi + lo)·2^k with 1 ≤ hi + lo < 2 (roughly) and relative error about 2^-67, for −746 ≤ yh ≤ 710
    /// and |yl| ≤ ulp(yh).
    static func expKernel(_ yh: Double, _ yl: Double) -> (hi: Double, lo: Double, k: Int) {
        // n = round(64·y/ln 2) by the 1.5·2^52 trick (round to nearest, exact for |n| < 2^51).
        let shifter = 0x1.8p52
        let fn = (yh * inverseLn2Over64 + shifter) - shifter
        let n = Int(fn)
        // r = y − n·ln2/64 as rh + rl: the first difference is exact (Cody–Waite).
        // yl joins before the sum, so that rl stays below ulp(rh) and rl·rh is negligible.
        let r1 = yh - fn * ln2Over64Hi
        let r = twoSum(r1, yl - fn * ln2Over64Lo)
        let rh = r.hi
        // e^r − 1 = rh + (rl + q), q = rh²·(1/2 + rh/6 + … + rh^5/5040); |r| ≤ 0.0055 so the rest is below 2^-75.
        let q =
            rh * rh
            * (0.5
                + rh
                * (0x1.5555555555555p-3
                    + rh
                    * (0x1.5555555555555p-5
                        + rh * (0x1.1111111111111p-7 + rh * (0x1.6c16c16c16c17p-10 + rh * 0x1.a01a01a01a01ap-13)))))
        let s = r.lo + q
        // 2^(j/64)·e^r with 2^(j/64) = th + tl.
        let j = n & 63
        let th = exp2Table[2 &* j]
        let tl = exp2Table[2 &* j &+ 1]
        let p = twoProduct(th, rh)
        let small = p.lo + th * s + tl * (1 + (rh + s))
        let h = fastTwoSum(th, p.hi)
        let result = fastTwoSum(h.hi, h.lo + small)
        return (result.hi, result.lo, n >> 6)
    }

    /// erfc(th + tl) = (hi + lo)·2^k, for 0 ≤ th < 27.3 and |tl| ≤ ulp(th), with relative error about 2^-58 (so the
    /// caller's single rounding of hi + lo decides the result).
    static func erfcKernel(_ th: Double, _ tl: Double) -> (hi: Double, lo: Double, k: Int) {
        if th < 0.5 {
            // erfc = 1 − th·P(th²) − (2/√π)·e^(−th²)·tl.
            let z = twoProduct(th, th)
            let c = erfSmall
            // The double part by Estrin's scheme (shorter dependency chains than Horner).
            let x = z.hi
            let x2 = x * x
            let x4 = x2 * x2
            let q =
                (c[4] + c[5] * x) + x2 * (c[6] + c[7] * x)
                + x4 * ((c[8] + c[9] * x) + x2 * (c[10] + c[11] * x))
            let a1 = hornerStep(c[2], c[3], x: z.hi, z.lo, a: q)
            let a0 = hornerStep(c[0], c[1], x: z.hi, z.lo, a: a1.hi, a1.lo)
            let erf = multiply(a0.hi, a0.lo, th, 0)
            // The tl term only needs a few correct bits: e^(−z) ≈ 1 − z + z²/2 − z³/6 for z < 0.25.
            let correction = tl * twoOverSqrtPi.hi * (1 - z.hi * (1 - z.hi * (0.5 - z.hi * (1.0 / 6))))
            let d = twoSum(1, -erf.hi)
            let result = fastTwoSum(d.hi, d.lo - erf.lo - correction)
            return (result.hi, result.lo, 0)
        }
        // erfc = e^(−th²)·(erfcx(th) − (2/√π)·tl).
        var f: (hi: Double, lo: Double)
        if th < 8 {
            let index: Int
            let centre: Double
            if th < 4 {
                index = Int((th - 0.5) * 4)
                centre = 0.625 + 0.25 * Double(index)
            } else {
                index = 14 + Int((th - 4) * 2)
                centre = 4.25 + 0.5 * Double(index - 14)
            }
            let t = th - centre  // exact (Sterbenz)
            let c = erfcxMiddle
            let b = 15 &* index
            let t2 = t * t
            let t4 = t2 * t2
            let q =
                (c[b + 4] + c[b + 5] * t) + t2 * (c[b + 6] + c[b + 7] * t)
                + t4 * ((c[b + 8] + c[b + 9] * t) + t2 * (c[b + 10] + c[b + 11] * t))
                + (t4 * t4) * ((c[b + 12] + c[b + 13] * t) + t2 * c[b + 14])
            let a1 = hornerStep(c[b + 2], c[b + 3], x: t, a: q)
            f = hornerStep(c[b], c[b + 1], x: t, a: a1.hi, a1.lo)
        } else {
            // erfcx(x) = (1/x)·G(1/x²), with u = 1/x and w = u² as double-doubles.
            let uh = 1 / th
            let e = twoProduct(th, uh)
            let ul = ((1 - e.hi) - e.lo) * uh
            let w2 = twoProduct(uh, uh)
            let w = fastTwoSum(w2.hi, w2.lo + 2 * uh * ul)
            let c = erfcxLarge
            let x = w.hi
            let x2 = x * x
            let x4 = x2 * x2
            let q =
                (c[4] + c[5] * x) + x2 * (c[6] + c[7] * x)
                + x4 * ((c[8] + c[9] * x) + x2 * (c[10] + c[11] * x)) + (x4 * x4) * (c[12] + c[13] * x)
            let g1 = hornerStep(c[2], c[3], x: w.hi, w.lo, a: q)
            let g0 = hornerStep(c[0], c[1], x: w.hi, w.lo, a: g1.hi, g1.lo)
            f = multiply(uh, ul, g0.hi, g0.lo)
        }
        f = fastTwoSum(f.hi, f.lo - twoOverSqrtPi.hi * tl)
        let z = twoProduct(th, th)
        let e = expKernel(-z.hi, -z.lo)
        let result = multiply(e.hi, e.lo, f.hi, f.lo)
        return (result.hi, result.lo, e.k)
    }
}
