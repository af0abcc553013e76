package import IsothermCore
package import IsothermEvents

/// The runs of the cities one driver trades, made as their cities are first seen, and what binds them
/// together: with `ordered`, every city's timers and order expiries happen in time order across the
/// cities (equal times: the city first in the catalog first), before any input stamped after them; with
/// an account-wide book, every engine checks its orders against that one book, swapped in around
/// whatever the driver asks of the city's run. Without either, the cities are independent and a driver
/// may run them in any interleaving, or in parallel, with the same result per city.
package struct CityRuns {
    /// The runs, in the order their cities were first seen. A driver calls a run between
    /// ``enter(_:)`` and ``leave(_:)``.
    package var runs: [CityRun] = []
    /// Their city codes, in the same order.
    package private(set) var codes: [String] = []
    private var keys: [(rank: Int, code: String)] = []
    private let make: (String) -> CityRun
    private let cities: [String]?
    /// Whether timers and expiries are kept in time order across the cities.
    package let ordered: Bool
    /// Whether the runs share ``account``.
    private let shared: Bool
    /// The account's book while no engine holds it; a placeholder while ``holder``'s engine does.
    private var account: RiskBook
    /// The run whose engine holds the account's book: it stays there until another city acts, so a
    /// city's inputs in a row cost no swap.
    private var holder: Int?
    /// Each run's ``CityRun/nextWake`` as last seen, and the earliest of them.
    private var wakes: [Int64] = []
    private var earliestWake = Int64.max

    /// - Parameters:
    ///   - cities: the city codes to run (nil: every city seen).
    ///   - ordered: keep timers and expiries in time order across the cities (required by `risk` when
    ///     account-wide; a live or paper session keeps it always).
    ///   - risk: the limits; when ``RiskLimits/isAccountWide``, one book binds every city.
    ///   - make: a new city's run, given its code.
    package init(
        cities: [String]? = nil, ordered: Bool, risk: RiskLimits = RiskLimits(), make: @escaping (String) -> CityRun
    ) {
        self.cities = cities
        shared = risk.isAccountWide
        self.ordered = ordered || shared
        account = RiskBook(risk)
        self.make = make
    }

    /// The account's book, when the runs share one (its open orders, kill switch).
    package var accountBook: RiskBook? {
        guard shared else { return nil }
        if let holder { return runs[holder].engine.riskBook }
        return account
    }

    /// The index of `code`'s run, made when the city is first seen; nil for a city left out.
    package mutating func index(of code: String) -> Int? {
        if let i = codes.firstIndex(of: code) { return i }
        if let cities, !cities.contains(code) { return nil }
        runs.append(make(code))
        codes.append(code)
        keys.append((City.rank(code), code))
        wakes.append(Int64.max)
        return runs.count - 1
    }

    /// Before a run is asked anything: the account's book goes into its engine (from the engine that
    /// held it, if another).
    @inline(__always)
    package mutating func enter(_ i: Int) {
        if shared && holder != i { moveBook(to: i) }
    }

    private mutating func moveBook(to i: Int) {
        if let h = holder { runs[h].swapRisk(&account) }
        runs[i].swapRisk(&account)
        holder = i
    }

    /// After: the run's next wake is noted.
    @inline(__always)
    package mutating func leave(_ i: Int) {
        if ordered {
            let w = runs[i].nextWake
            if w != wakes[i] {
                wakes[i] = w
                earliestWake = wakes.min() ?? Int64.max
            }
        }
    }

    /// Before an input stamped `time`: when ``ordered``, every city's timers and expiries before it
    /// happen, earliest first (equal times: the city first in the catalog).
    @inline(__always)
    package mutating func wake(before time: Timestamp) {
        guard ordered, earliestWake < time.nanos else { return }
        while earliestWake < time.nanos {
            var best = -1
            for i in wakes.indices where wakes[i] == earliestWake {
                if best < 0 || keys[i] < keys[best] { best = i }
            }
            enter(best)
            runs[best].wake()
            leave(best)
        }
    }

    /// The input is over: what is left happens (in time order when ``ordered``), every run finishes.
    package mutating func finish() {
        wake(before: Timestamp(nanos: Int64.max))
        for i in runs.indices {
            enter(i)
            runs[i].finish()
            leave(i)
        }
    }
}
