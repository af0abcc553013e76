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
