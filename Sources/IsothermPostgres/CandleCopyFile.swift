import Glibc
import IsothermEvents
import IsothermStore

/// The `kalshi.candles_1m` rows of logs as a binary COPY file: exactly the bytes the projector
/// streams, for `psql -c "\copy kalshi.candles_1m FROM 'FILE' (FORMAT binary)"` (the benchmark's
/// baseline) or for loading elsewhere.
package enum CandleCopyFile {
    /// Writes the one-minute candles of `logs`, in log order.
    /// - Returns: rows written.
    package static func write(logs: [String], to path: String) throws -> Int64 {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw ProjectionError("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let writer = BinaryCopyWriter { chunk in
            var done = 0
            while done < chunk.count {
                let n = Glibc.write(fd, chunk.baseAddress! + done, chunk.count - done)
                guard n > 0 else {
                    throw ProjectionError("cannot write \(path): \(String(cString: strerror(errno)))")
                }
                done += n
            }
        }
        var rows: Int64 = 0
        for log in logs {
            try EventLogReader(directory: log).forEach(kinds: [.candle]) { _, time, candle in
                if try CandleRows.write(candle, at: time, to: writer) { rows += 1 }
                return true
            } others: { _, record in
                if case .candle(let c) = record.event, try CandleRows.write(c, at: record.time, to: writer) {
                    rows += 1
                }
                return true
            }
        }
        try writer.finish()
        return rows
    }
}
