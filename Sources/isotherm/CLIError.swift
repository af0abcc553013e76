import ArgumentParser
import Glibc
import IsothermEvents
import IsothermNet

/// A command could not run: printed as one line on standard error, exit code 2.
struct CLIError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// Runs `body`, turning any error into one clear line on standard error and exit code 2, with
/// secrets cut out (`Redaction`).
func reportingErrors(_ body: () throws -> Void) throws {
    Redaction.registerEnvironment()
    do {
        try body()
    } catch let e as ExitCode {
        throw e
    } catch {
        printError("error: \(Redaction.redact("\(error)"))")
        throw ExitCode(2)
    }
}

/// ``reportingErrors(_:)`` for an async command.
func reportingErrors(_ body: () async throws -> Void) async throws {
    Redaction.registerEnvironment()
    do {
        try await body()
    } catch let e as ExitCode {
        throw e
    } catch {
        printError("error: \(Redaction.redact("\(error)"))")
        throw ExitCode(2)
    }
}

/// Writes a line to standard error.
func printError(_ line: String) {
    var s = line + "\n"
    s.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

/// Parses `2025-11-28T14:00:00Z` (RFC 3339) or `2025-11-28` (midnight UTC).
func parseInstant(_ text: String, option: String) throws -> Timestamp {
    if let t = Timestamp(rfc3339: text) { return t }
    if let d = LocalDate(iso8601: text) { return d.startUTC }
    throw CLIError("\(option) '\(text)' is not an RFC 3339 time (2025-11-28T14:00:00Z) or a date (2025-11-28)")
}

/// Formats a count with thousands separators: 35012345 → "35,012,345".
func grouped(_ value: Int64) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
        out.append(c)
    }
    return (value < 0 ? "-" : "") + out
}

/// Formats a byte count: "1.23 MB".
func bytesText(_ value: Int64) -> String {
    let v = Double(value)
    if v >= 1e9 { return fixed(v / 1e9, 2) + " GB" }
    if v >= 1e6 { return fixed(v / 1e6, 2) + " MB" }
    if v >= 1e3 { return fixed(v / 1e3, 1) + " kB" }
    return String(value) + " B"
}

/// A double with `places` decimals, without Foundation.
func fixed(_ v: Double, _ places: Int) -> String {
    var scale = 1.0
    for _ in 0..<places { scale *= 10 }
    let n = Int64((v * scale).rounded())
    return FixedPoint.format(n, scale: places, minDecimals: places)
}

/// Pads `s` on the left to `width` characters.
func leftPad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
}

/// Pads `s` on the right to `width` characters.
func rightPad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
}

/// A time from nanoseconds, or "-" when absent.
func timeText(_ nanos: Int64?) -> String { nanos.map { Timestamp(nanos: $0).rfc3339 } ?? "-" }
