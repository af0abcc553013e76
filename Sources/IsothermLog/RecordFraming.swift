import IsothermBinary

/// The record framing inside a decompressed batch: `recordCount` times `varint(bodyBytes) body`.
enum RecordFraming {
    /// Checks that `raw` holds exactly `recordCount` records, each body within the size limit.
    /// - Returns: nil when it does, otherwise what is wrong.
    static func problem(in raw: UnsafeRawBufferPointer, recordCount: UInt32) -> String? {
        var r = ByteReader(raw)
        do throws(BinaryError) {
            for _ in 0..<recordCount {
                let n = try r.readCount("record length", limit: LogFormat.recordBodyBytesLimit)
                _ = try r.readSlice(n, "record body")
            }
        } catch {
            return "record framing: \(error)"
        }
        return r.isAtEnd ? nil : "record framing: \(r.remaining) bytes after \(recordCount) records"
    }
}
