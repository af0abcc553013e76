package import IsothermEvents

/// Where a listed market's candles go: the city run that listed it and the slot of its quotes there
/// (``ignoredSlot`` for a market outside the run's dates, whose candles only advance the clock).
package struct MarketRoute: Equatable, Sendable {
    package var city: Int32
    package var slot: Int32

    package static let ignoredSlot: Int32 = -1
}

/// The backtest's table from market ticker to ``MarketRoute``, consulted once per candle: open
/// addressing with linear probing over a power-of-two array, keyed by a fixed hash of the ticker's
/// bytes (not the process-seeded one), deletions by backward shift so that lookups stay short. Holds
/// only listed markets not yet determined — a few dozen per city — so it stays small however long the
/// history. Its layout never reaches an output: it is only looked up.
///
/// Keys are the ticker's six words, read here rather than through `Symbol`'s methods: those live in
/// another module and were not inlined (a call per candle for the hash, one for the comparison).
package struct MarketRoutes: Sendable {
    /// A ticker's 48 bytes as six words (a `Symbol` is exactly that: inline, zero-padded).
    struct Key: Equatable, Sendable {
        var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64, w4: UInt64, w5: UInt64

        static let empty = Key(w0: 0, w1: 0, w2: 0, w3: 0, w4: 0, w5: 0)

        @inline(__always)
        init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64, w4: UInt64, w5: UInt64) {
            (self.w0, self.w1, self.w2, self.w3, self.w4, self.w5) = (w0, w1, w2, w3, w4, w5)
        }

        @inline(__always)
        init(_ s: Symbol) {
            self = withUnsafeBytes(of: s) { raw in
                Key(
                    w0: raw.load(fromByteOffset: 0, as: UInt64.self), w1: raw.load(fromByteOffset: 8, as: UInt64.self),
                    w2: raw.load(fromByteOffset: 16, as: UInt64.self),
                    w3: raw.load(fromByteOffset: 24, as: UInt64.self),
                    w4: raw.load(fromByteOffset: 32, as: UInt64.self), w5: raw.load(fromByteOffset: 40, as: UInt64.self)
                )
            }
        }

        @inline(__always)
        var isEmpty: Bool { w0 == 0 }

        @inline(__always)
        static func == (a: Key, b: Key) -> Bool {
            ((a.w0 ^ b.w0) | (a.w1 ^ b.w1) | (a.w2 ^ b.w2) | (a.w3 ^ b.w3) | (a.w4 ^ b.w4) | (a.w5 ^ b.w5)) == 0
        }

        /// A multiply–xorshift mix of the first 32 bytes (every Kalshi ticker fits in 32).
        @inline(__always)
        var hash: Int {
            var h = w0 &* 0x9E37_79B9_7F4A_7C15
            h = (h ^ (h >> 29) ^ w1) &* 0xBF58_476D_1CE4_E5B9
            h = (h ^ (h >> 32) ^ w2) &* 0x94D0_49BB_1331_11EB
            h = (h ^ (h >> 29) ^ w3) &* 0x9E37_79B9_7F4A_7C15
            return Int(truncatingIfNeeded: h ^ (h >> 32))
        }
    }

    private var keys: [Key]
    private var values: [MarketRoute]
    private var mask: Int
    package private(set) var count = 0

    package init(capacity: Int = 64) {
        var size = 16
        while size < 2 * capacity { size *= 2 }
        precondition(MemoryLayout<Symbol>.size == 48, "a Symbol is six words")
        keys = Array(repeating: .empty, count: size)
        values = Array(repeating: MarketRoute(city: 0, slot: 0), count: size)
        mask = size - 1
    }

    /// The route of `ticker`, if it is in the table.
    @inline(__always)
    package func find(_ ticker: Symbol) -> MarketRoute? {
        let key = Key(ticker)
        var i = key.hash & mask
        while !keys[i].isEmpty {
            if keys[i] == key { return values[i] }
            i = (i + 1) & mask
        }
        return nil
    }

    /// Adds or replaces `ticker`'s route.
    package mutating func insert(_ ticker: Symbol, _ route: MarketRoute) {
        let key = Key(ticker)
        precondition(!key.isEmpty, "a route needs a ticker")
        if 2 * (count + 1) > keys.count { grow() }
        var i = key.hash & mask
        while !keys[i].isEmpty {
            if keys[i] == key {
                values[i] = route
                return
            }
            i = (i + 1) & mask
        }
        keys[i] = key
        values[i] = route
        count += 1
    }

    /// Removes `ticker` (nothing if absent), moving later entries of its probe run back so that every
    /// remaining key is still reachable from its home slot.
    package mutating func remove(_ ticker: Symbol) {
        let key = Key(ticker)
        var i = key.hash & mask
        while !keys[i].isEmpty {
            if keys[i] == key { break }
            i = (i + 1) & mask
        }
        guard !keys[i].isEmpty else { return }
        count -= 1
        var hole = i
        var j = (i + 1) & mask
        while !keys[j].isEmpty {
            let home = keys[j].hash & mask
            // Move j into the hole unless its home lies cyclically in (hole, j].
            let inRange = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j)
            if !inRange {
                keys[hole] = keys[j]
                values[hole] = values[j]
                hole = j
            }
            j = (j + 1) & mask
        }
        keys[hole] = .empty
    }

    private mutating func grow() {
        let oldKeys = keys
        let oldValues = values
        keys = Array(repeating: .empty, count: oldKeys.count * 2)
        values = Array(repeating: MarketRoute(city: 0, slot: 0), count: oldKeys.count * 2)
        mask = keys.count - 1
        count = 0
        for (k, v) in zip(oldKeys, oldValues) where !k.isEmpty { place(k, v) }
    }

    private mutating func place(_ key: Key, _ route: MarketRoute) {
        var i = key.hash & mask
        while !keys[i].isEmpty { i = (i + 1) & mask }
        keys[i] = key
        values[i] = route
        count += 1
    }
}
