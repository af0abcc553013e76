import IsothermBacktest
import IsothermCore
import IsothermEvents

/// A self-contained HTML page for a backtest: no scripts, no network, charts as inline SVG.
enum BacktestHTML {
    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    static func render(_ r: BacktestResult) -> String {
        let m = r.metrics
        let daily = m.daily.map { Metrics.dollars($0.pnl) }
        var cumulative: [Double] = []
        var drawdown: [Double] = []
        var total = 0.0
        var peak = 0.0
        for d in daily {
            total += d
            peak = max(peak, total)
            cumulative.append(total)
            drawdown.append(total - peak)
        }
        let dates = m.daily.map(\.date.iso8601)
        var html = head.replacingTitle("Isotherm backtest " + r.manifest.runId) + "\n"
        html += """
            <h1>\(escape(r.strategyName)) backtest</h1>
            <div class="sub">run <code>\(escape(r.manifest.runId))</code> · \(escape(dates.first ?? "-")) to \(escape(dates.last ?? "-")) · fill model \(escape(r.config.exchange.fillModel.rawValue)) · \(r.byCity.count) cities</div>
            <h2>Results</h2><div class="cards">
            """
        func card(_ label: String, _ value: String, _ sign: Double? = nil) {
            let cls = sign.map { $0 > 0 ? " class=\"pos\"" : $0 < 0 ? " class=\"neg\"" : "" } ?? ""
            html += "<div class=\"card\">\(escape(label))<b\(cls)>\(escape(value))</b></div>\n"
        }
        card("Total P&L", BacktestReport.money(m.totalPnL), Metrics.dollars(m.totalPnL))
        card("Trades", "\(m.trades) (\(m.days) days)")
        card("Win rate", fixed(m.winRate * 100, 1) + "%")
        card("ROI", BacktestReport.percent(m.roi, sign: true), m.roi)
        card("Sharpe (daily)", fixed(m.sharpeDaily, 3), m.sharpeDaily)
        card("Max drawdown", BacktestReport.money(m.maxDrawdown, sign: false))
        card("Fill rate", fixed(m.fillRate * 100, 1) + "%")
        card("Fees", BacktestReport.money(m.fees, sign: false))
        card("Orders rejected", "\(m.rejectedOrders)")
        card("Orders crossed", "\(m.crossedOrders)")
        card("Bracket hit rate", fixed(m.bracketHitRate * 100, 1) + "%")
        card("Settlement disagreements", "\(m.disagreements)")
        html += "</div>\n"
        html += "<p class=\"sub\">" + escape(assumptions) + "</p>\n"
        if !m.rejections.isEmpty {
            html += "<h2>Rejected orders</h2>\n<table><tr><th>reason</th><th>orders</th></tr>\n"
            for r in m.rejections { html += "<tr><td>\(escape(r.code))</td><td>\(r.count)</td></tr>\n" }
            html += "</table>\n"
        }
        if m.disagreements > 0 {
            html +=
                "<h2>Settlement disagreements</h2>\n<p>\(m.disagreements) trade(s) where the official report's high "
            html += "and Kalshi's result disagree about the bracket (Kalshi's result paid): "
            html += escape(m.disagreementDates.map(\.iso8601).joined(separator: ", ")) + "</p>\n"
        }
        if let d = r.diagnosis {
            html += "<h2>No orders were placed</h2>\n<ul>"
            for l in d.lines { html += "<li>\(escape(l))</li>" }
            html += "</ul>\n"
        }
        html += "<h2>Equity curve (cumulative daily P&amp;L, $)</h2>\n"
        html += lineChart(cumulative, labels: dates, color: "#2456c7", fill: false)
        html += "<h2>Drawdown ($)</h2>\n" + lineChart(drawdown, labels: dates, color: "#b3261e", fill: true)
        html += "<h2>Daily P&amp;L distribution</h2>\n" + histogram(daily)
        html +=
            "<h2>By city</h2>\n<table><tr><th>city</th><th>trades</th><th>win rate</th><th>P&amp;L</th><th>ROI</th><th>Sharpe/trade</th></tr>\n"
        for (city, c) in r.byCity {
            let cls = c.totalPnL.micros >= 0 ? "pos" : "neg"
            html +=
                "<tr><td>\(escape(BacktestReport.cityName(city)))</td><td>\(c.trades)</td><td>\(fixed(c.winRate * 100, 1))%</td>"
            html +=
                "<td class=\"\(cls)\">\(escape(BacktestReport.money(c.totalPnL)))</td><td>\(escape(BacktestReport.percent(c.roi, sign: true)))</td><td>\(fixed(c.sharpePerTrade, 3))</td></tr>\n"
        }
        html += "</table>\n<h2>Run manifest</h2>\n<table class=\"kv\">"
        html += "<tr><td>run id</td><td><code>\(escape(r.manifest.runId))</code></td></tr>"
        html += "<tr><td>engine</td><td><code>\(escape(r.manifest.engineVersion))</code></td></tr>"
        html += "<tr><td>parameter hash</td><td><code>\(escape(r.manifest.configHash))</code></td></tr>"
        html += "<tr><td>output hash</td><td><code>\(escape(r.outputHash))</code></td></tr>"
        for f in r.manifest.parameters {
            html += "<tr><td>\(escape(f.name))</td><td><code>\(escape(f.value))</code></td></tr>"
        }
        for i in r.manifest.inputs {
            html +=
                "<tr><td>input</td><td><code>\(escape(i.log)) seq \(i.firstSequence)–\(i.lastSequence) sha256 \(escape(i.contentHash))</code></td></tr>"
        }
        html += "</table>\n</body></html>\n"
        return html
    }

    static let assumptions =
        "Fills: an order posted before its market has any quote rests first in the book at its price; a limit order "
        + "that meets the latest quote (a buy at or above the ask, a sale at or below the bid) takes it with the taker "
        + "fee, or is rejected if post-only; market orders take the quote the strategy saw, in full. Settlement: "
        + "Kalshi's determination pays; the official report's high is shown beside it."

    static let head = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <title>TITLE</title>
        <style>
        body { font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1000px; color: #1d2330; }
        h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; }
        .sub { color: #5b6475; } table { border-collapse: collapse; } td, th { padding: 3px 12px 3px 0; text-align: right; }
        th { color: #5b6475; font-weight: 600; border-bottom: 1px solid #d7dbe3; } td:first-child, th:first-child { text-align: left; }
        .cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 10px; }
        .card { border: 1px solid #d7dbe3; border-radius: 6px; padding: 8px 12px; } .card b { display: block; font-size: 18px; }
        .kv td { text-align: left; } .pos { color: #12784a; } .neg { color: #b3261e; } code { font-size: 12px; color: #384152; word-break: break-all; }
        svg text { font-size: 11px; fill: #5b6475; }
        </style></head><body>
        """

    static let palette = ["#2456c7", "#b3261e", "#12784a", "#8a4fbf", "#c7762a", "#2a8fa3", "#6b7280"]

    /// One page comparing several runs over the same data: their figures side by side, their equity
    /// curves on one chart, and each run's manifest.
    static func render(comparing results: [BacktestResult]) -> String {
        var html =
            head.replacingTitle("Isotherm comparison of " + results.map(\.strategyName).joined(separator: ", ")) + "\n"
        html += "<h1>Strategy comparison</h1>\n<div class=\"sub\">"
        html += escape(results.map(\.strategyName).joined(separator: " · "))
        html += " · fill model \(escape(results.first?.config.exchange.fillModel.rawValue ?? "-"))</div>\n"
        html += "<p class=\"sub\">" + escape(assumptions) + "</p>\n"
        html += "<h2>Results</h2>\n<table><tr><th>strategy</th><th>trades</th><th>win rate</th><th>bracket hits</th>"
        html += "<th>P&amp;L</th><th>ROI</th><th>Sharpe/day</th><th>max DD</th><th>fill rate</th><th>fees</th>"
        html += "<th>rejected</th><th>crossed</th><th>disagreements</th></tr>\n"
        for r in results {
            let m = r.metrics
            let cls = m.totalPnL.micros >= 0 ? "pos" : "neg"
            html += "<tr><td>\(escape(r.strategyName))</td><td>\(m.trades)</td><td>\(fixed(m.winRate * 100, 1))%</td>"
            html += "<td>\(fixed(m.bracketHitRate * 100, 1))%</td>"
            html += "<td class=\"\(cls)\">\(escape(BacktestReport.money(m.totalPnL)))</td>"
            html += "<td>\(escape(BacktestReport.percent(m.roi, sign: true)))</td><td>\(fixed(m.sharpeDaily, 3))</td>"
            html +=
                "<td>\(escape(BacktestReport.money(m.maxDrawdown, sign: false)))</td><td>\(fixed(m.fillRate * 100, 1))%</td>"
            html += "<td>\(escape(BacktestReport.money(m.fees, sign: false)))</td><td>\(m.rejectedOrders)</td>"
            html += "<td>\(m.crossedOrders)</td><td>\(m.disagreements)</td></tr>\n"
        }
        html += "</table>\n<h2>Equity curves (cumulative daily P&amp;L, $)</h2>\n"
        html += multiLineChart(results.map { r in (r.strategyName, r.metrics.daily) })
        for (i, r) in results.enumerated() {
            html += "<h2><span style=\"color:\(palette[i % palette.count])\">■</span> \(escape(r.strategyName))</h2>\n"
            html += "<table class=\"kv\"><tr><td>run id</td><td><code>\(escape(r.manifest.runId))</code></td></tr>"
            html += "<tr><td>output hash</td><td><code>\(escape(r.outputHash))</code></td></tr>"
            for f in r.manifest.parameters {
                html += "<tr><td>\(escape(f.name))</td><td><code>\(escape(f.value))</code></td></tr>"
            }
            html += "</table>\n"
        }
        for i in results.first?.manifest.inputs ?? [] {
            html +=
                "<p class=\"sub\">input <code>\(escape(i.log)) seq \(i.firstSequence)–\(i.lastSequence) sha256 \(escape(i.contentHash))</code></p>\n"
        }
        html += "</body></html>\n"
        return html
    }

    /// Several cumulative daily P&L curves on one chart, on the union of their dates.
    static func multiLineChart(_ series: [(name: String, daily: [(date: LocalDate, pnl: Money)])]) -> String {
        var dates: [LocalDate] = []
        for s in series { for d in s.daily where !dates.contains(d.date) { dates.append(d.date) } }
        dates.sort()
        guard dates.count >= 2 else { return "<p class=\"sub\">not enough days to draw</p>\n" }
        var curves: [[Double]] = []
        for s in series {
            var total = 0.0
            var k = 0
            var curve: [Double] = []
            for d in dates {
                while k < s.daily.count && s.daily[k].date <= d {
                    total += Metrics.dollars(s.daily[k].pnl)
                    k += 1
                }
                curve.append(total)
            }
            curves.append(curve)
        }
        let all = curves.flatMap { $0 }
        let lo = min(0, all.min()!)
        let hi = max(0, all.max()!)
        let span = hi - lo > 0 ? hi - lo : 1
        let w = 960.0
        let h = 260.0
        let pad = 40.0
        func x(_ i: Int) -> Double { pad + (w - pad - 10) * Double(i) / Double(dates.count - 1) }
        func y(_ v: Double) -> Double { 10 + (h - 50) * (hi - v) / span }
        var svg =
            "<svg width=\"\(Int(w))\" height=\"\(Int(h))\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" xmlns=\"http://www.w3.org/2000/svg\">\n"
        svg +=
            "<line x1=\"\(pad)\" y1=\"\(fixed(y(0), 1))\" x2=\"\(w - 10)\" y2=\"\(fixed(y(0), 1))\" stroke=\"#aab1bf\" stroke-dasharray=\"3 3\"/>\n"
        for (i, c) in curves.enumerated() {
            var points = ""
            for (j, v) in c.enumerated() { points += "\(fixed(x(j), 1)),\(fixed(y(v), 1)) " }
            svg +=
                "<polyline points=\"\(points)\" fill=\"none\" stroke=\"\(palette[i % palette.count])\" stroke-width=\"1.6\"><title>\(escape(series[i].name))</title></polyline>\n"
            svg +=
                "<text x=\"\(fixed(pad + Double(i) * 150, 1))\" y=\"\(h - 4)\" style=\"fill:\(palette[i % palette.count])\">\(escape(series[i].name))</text>\n"
        }
        svg +=
            "<text x=\"2\" y=\"\(fixed(y(hi) + 4, 1))\">\(fixed(hi, 0))</text><text x=\"2\" y=\"\(fixed(y(lo), 1))\">\(fixed(lo, 0))</text>\n"
        svg += "<text x=\"\(pad)\" y=\"\(h - 20)\">\(escape(dates.first!.iso8601))</text>"
        svg += "<text x=\"\(w - 80)\" y=\"\(h - 20)\">\(escape(dates.last!.iso8601))</text>\n</svg>\n"
        return svg
    }

    /// A line chart of `values` (one per label) with a zero line and min/max labels.
    static func lineChart(_ values: [Double], labels: [String], color: String, fill: Bool) -> String {
        let w = 960.0
        let h = 220.0
        let pad = 40.0
        guard values.count >= 2 else { return "<p class=\"sub\">not enough days to draw</p>\n" }
        let lo = min(0, values.min()!)
        let hi = max(0, values.max()!)
        let span = hi - lo > 0 ? hi - lo : 1
        func x(_ i: Int) -> Double { pad + (w - pad - 10) * Double(i) / Double(values.count - 1) }
        func y(_ v: Double) -> Double { 10 + (h - 30) * (hi - v) / span }
        var points = ""
        for (i, v) in values.enumerated() { points += "\(fixed(x(i), 1)),\(fixed(y(v), 1)) " }
        var svg =
            "<svg width=\"\(Int(w))\" height=\"\(Int(h))\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" xmlns=\"http://www.w3.org/2000/svg\">\n"
        svg +=
            "<line x1=\"\(pad)\" y1=\"\(fixed(y(0), 1))\" x2=\"\(w - 10)\" y2=\"\(fixed(y(0), 1))\" stroke=\"#aab1bf\" stroke-dasharray=\"3 3\"/>\n"
        if fill {
            svg +=
                "<polygon points=\"\(fixed(x(0), 1)),\(fixed(y(0), 1)) \(points)\(fixed(x(values.count - 1), 1)),\(fixed(y(0), 1))\" fill=\"\(color)\" fill-opacity=\"0.18\"/>\n"
        }
        svg += "<polyline points=\"\(points)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.6\"/>\n"
        svg +=
            "<text x=\"2\" y=\"\(fixed(y(hi) + 4, 1))\">\(fixed(hi, 0))</text><text x=\"2\" y=\"\(fixed(y(lo), 1))\">\(fixed(lo, 0))</text>\n"
        svg += "<text x=\"\(pad)\" y=\"\(h - 4)\">\(escape(labels.first ?? ""))</text>"
        svg += "<text x=\"\(w - 80)\" y=\"\(h - 4)\">\(escape(labels.last ?? ""))</text>\n</svg>\n"
        return svg
    }

    /// A histogram of `values` in 20 bins.
    static func histogram(_ values: [Double]) -> String {
        guard let lo = values.min(), let hi = values.max(), hi > lo else {
            return "<p class=\"sub\">not enough spread to draw</p>\n"
        }
        let bins = 20
        var counts = [Int](repeating: 0, count: bins)
        for v in values { counts[min(bins - 1, Int((v - lo) / (hi - lo) * Double(bins)))] += 1 }
        let w = 960.0
        let h = 200.0
        let top = Double(counts.max()!)
        let bw = (w - 50) / Double(bins)
        var svg =
            "<svg width=\"\(Int(w))\" height=\"\(Int(h))\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" xmlns=\"http://www.w3.org/2000/svg\">\n"
        for (i, c) in counts.enumerated() {
            let bh = (h - 40) * Double(c) / top
            let lower = lo + Double(i) * (hi - lo) / Double(bins)
            let upper = lower + (hi - lo) / Double(bins)
            let mid = (lower + upper) / 2
            let color = lower >= 0 ? "#12784a" : upper < 0 ? "#b3261e" : "#8a93a3"
            svg +=
                "<rect x=\"\(fixed(40 + Double(i) * bw, 1))\" y=\"\(fixed(h - 25 - bh, 1))\" width=\"\(fixed(bw - 2, 1))\" height=\"\(fixed(bh, 1))\" fill=\"\(color)\" fill-opacity=\"0.75\"><title>\(c) days near $\(fixed(mid, 0))</title></rect>\n"
        }
        svg +=
            "<text x=\"40\" y=\"\(h - 6)\">$\(fixed(lo, 0))</text><text x=\"\(w - 70)\" y=\"\(h - 6)\">$\(fixed(hi, 0))</text>"
        svg += "<text x=\"2\" y=\"14\">\(Int(top)) days</text>\n</svg>\n"
        return svg
    }
}

extension String {
    fileprivate func replacingTitle(_ title: String) -> String {
        guard let r = firstRange(of: "TITLE") else { return self }
        return String(self[..<r.lowerBound]) + BacktestHTML.escape(title) + String(self[r.upperBound...])
    }
}
