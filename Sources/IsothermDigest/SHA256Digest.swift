/// A SHA-256 digest: 32 bytes, shown as 64 lowercase hex digits.
package struct SHA256Digest: Hashable, Sendable, CustomStringConvertible {
    /// The number of bytes in a SHA-256 digest.
    package static let byteCount = 32

    /// The digest bytes, big-endian as SHA-256 defines them; always `byteCount` long.
    package let bytes: [UInt8]

    /// Wraps digest bytes.
    /// - Parameter bytes: exactly `SHA256Digest.byteCount` bytes.
    package init(bytes: [UInt8]) {
        precondition(bytes.count == Self.byteCount, "a SHA-256 digest is 32 bytes, got \(bytes.count)")
        self.bytes = bytes
    }

    /// Parses 64 hex digits (either case); nil for anything else.
    package init?(hex: String) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 2 * Self.byteCount else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        for i in stride(from: 0, to: utf8.count, by: 2) {
            guard let hi = nibble(utf8[i]), let lo = nibble(utf8[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
        }
        bytes = out
    }

    /// Lowercase hex, as `sha256sum` prints it.
    package var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(2 * bytes.count)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    package var description: String { hex }
}
