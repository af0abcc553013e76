/// A text product as lines: CR/LF and lone CR line ends become one, tabs expand to 8-column stops,
/// trailing blanks are cut. Line numbers (1-based) stay those of the file.
struct TextLines {
    let lines: [String]

    init(_ text: String) {
        var out: [String] = []
        var current: [UInt8] = []
        var previousWasCR = false
        func finish() {
            while let last = current.last, last == 0x20 { current.removeLast() }
            out.append(String(decoding: current, as: UTF8.self))
            current.removeAll(keepingCapacity: true)
        }
        for byte in text.utf8 {
            switch byte {
            case 0x0D:
                finish()
                previousWasCR = true
                continue
            case 0x0A:
                if !previousWasCR { finish() }
            case 0x09:
                let spaces = 8 - current.count % 8
                current.append(contentsOf: repeatElement(0x20, count: spaces))
            default:
                current.append(byte)
            }
            previousWasCR = false
        }
        if !current.isEmpty { finish() }
        lines = out
    }

    /// Splits a line into blank-separated words.
    static func words(_ line: some StringProtocol) -> [Substring] {
        line.split(separator: " ", omittingEmptySubsequences: true).map { Substring($0) }
    }
}

/// Month names as NWS products write them: in full or as three letters.
enum MonthName {
    static let full = [
        "JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUGUST", "SEPTEMBER", "OCTOBER",
        "NOVEMBER", "DECEMBER",
    ]

    /// 1…12, or nil.
    static func number(_ word: some StringProtocol) -> Int? {
        let w = word.uppercased()
        if let i = full.firstIndex(of: w) { return i + 1 }
        if w.count == 3 || (w.count == 4 && w.hasSuffix(".")) {
            let stem = w.prefix(3)
            if let i = full.firstIndex(where: { $0.hasPrefix(stem) }) { return i + 1 }
        }
        if w == "SEPT" { return 9 }
        return nil
    }
}
