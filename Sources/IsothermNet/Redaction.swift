import Glibc
import Synchronization

/// The one place secrets are cut out of text before it reaches an error, a progress line, a log
/// line or a manifest.
///
/// Two rules, applied together by ``redact(_:)``:
/// - every secret the process registered (``register(_:)``: an API key read from the environment, a
///   Kalshi key id, a database password) is replaced wherever it appears, as written or
///   percent-encoded;
/// - whatever the registry holds, the value of a secret parameter (``secretParameters``: `key=…`,
///   `apikey=…`, `token=…`, `password=…`, …, after `?`, `&`, `;`, a blank or the start of the text)
///   and the password of a URL's user information (`postgresql://me:pw@db`) are replaced.
///
/// Each is replaced by ``replacement``. A secret never reaches the output through a URL, a server's
/// echo of the request, or a library's message, so a test that greps every output for a dummy key
/// covers every failure path.
package enum Redaction {
    /// What a secret becomes.
    package static let replacement = "REDACTED"

    /// Query and connection-string parameters whose values are secrets (compared case-insensitively).
    package static let secretParameters: Set<String> = [
        "key", "apikey", "api_key", "token", "access_token", "password", "secret", "client_secret",
    ]

    /// The environment variables that hold secrets, registered by ``registerEnvironment(_:)``.
    package static let environmentSecrets = ["VISUAL_CROSSING_API_KEY", "KALSHI_API_KEY_ID", "PGPASSWORD"]

    private static let secrets = Mutex<[String]>([])

    /// Secrets shorter than this are not registered: replacing every `k` or `ab` would garble every
    /// message and protect nothing (real keys and ids are 20 characters and more). The parameter rule
    /// still hides them in URLs and connection strings.
    package static let secretBytesMin = 4

    /// Registers `secret`: from now on ``redact(_:)`` replaces it wherever it appears. Values shorter
    /// than ``secretBytesMin`` are ignored; registering twice is harmless.
    package static func register(_ secret: String) {
        guard secret.utf8.count >= secretBytesMin, secret != replacement else { return }
        secrets.withLock { list in
            for form in [secret, percentEncoded(secret)] where !list.contains(form) { list.append(form) }
            // Longest first, so a secret that contains another is replaced whole.
            list.sort { $0.utf8.count > $1.utf8.count }
        }
    }

    /// Registers the value of each environment variable in `names` that is set and not empty.
    package static func registerEnvironment(_ names: [String] = environmentSecrets) {
        for name in names {
            if let value = getenv(name).map({ String(cString: $0) }) { register(value) }
        }
    }

    /// Registers the secrets written inside `text` (a URL or a libpq connection string): the values
    /// of its secret parameters and the password of its user information.
    package static func registerSecrets(in text: String) {
        for value in secretValues(in: text) { register(value) }
    }

    /// `text` with every registered secret, every secret parameter's value and every URL password
    /// replaced by ``replacement``.
    package static func redact(_ text: String) -> String {
        var out = text
        for secret in secrets.withLock({ $0 }) { out = replacingAll(secret, in: out) }
        return redactParameters(redactUserInfo(out))
    }

    // MARK: - Rules

    /// The values the parameter and user-information rules would replace.
    package static func secretValues(in text: String) -> [String] {
        var found: [String] = []
        forEachParameterValue(in: Array(text.utf8)) { range, bytes in
            found.append(String(decoding: bytes[range], as: UTF8.self))
        }
        forEachUserInfoPassword(in: Array(text.utf8)) { range, bytes in
            found.append(String(decoding: bytes[range], as: UTF8.self))
        }
        return found.filter { !$0.isEmpty && $0 != replacement }
    }

    private static func redactParameters(_ text: String) -> String {
        replacingRanges(in: text) { bytes, add in forEachParameterValue(in: bytes) { range, _ in add(range) } }
    }

    private static func redactUserInfo(_ text: String) -> String {
        replacingRanges(in: text) { bytes, add in forEachUserInfoPassword(in: bytes) { range, _ in add(range) } }
    }

    /// Calls `body` with the byte range of every secret parameter's value: `name=value` where `name`
    /// is in ``secretParameters`` and starts the text or follows `?`, `&`, `;` or a blank. The value
    /// runs to the next `&`, `;`, `#`, blank or quote; a value in single quotes (libpq's
    /// `password='a b'`) runs to its closing quote.
    private static func forEachParameterValue(in bytes: [UInt8], _ body: (Range<Int>, [UInt8]) -> Void) {
        var i = 0
        while i < bytes.count {
            let atBoundary = i == 0 || [0x3F, 0x26, 0x3B, 0x20, 0x09, 0x0A, 0x22, 0x27, 0x28].contains(bytes[i - 1])
            guard atBoundary, let eq = nameEnd(bytes, from: i) else {
                i += 1
                continue
            }
            var end = eq + 1
            if end < bytes.count, bytes[end] == 0x27 {  // 'quoted', with \' inside
                end += 1
                while end < bytes.count, bytes[end] != 0x27 { end += bytes[end] == 0x5C ? 2 : 1 }
                end = Swift.min(end + 1, bytes.count)
            } else {
                while end < bytes.count,
                    ![0x26, 0x3B, 0x23, 0x20, 0x09, 0x0A, 0x0D, 0x22, 0x27, 0x29].contains(bytes[end])
                {
                    end += 1
                }
            }
            if end > eq + 1 { body((eq + 1)..<end, bytes) }
            i = Swift.max(end, i + 1)
        }
    }

    /// The index of the `=` after a secret parameter's name starting at `start`, or nil.
    private static func nameEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        var j = start
        while j < bytes.count, j - start <= 16, isNameByte(bytes[j]) { j += 1 }
        guard j > start, j < bytes.count, bytes[j] == 0x3D else { return nil }
        let name = String(decoding: bytes[start..<j], as: UTF8.self).lowercased()
        return secretParameters.contains(name) ? j : nil
    }

    private static func isNameByte(_ b: UInt8) -> Bool {
        (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || (0x30...0x39).contains(b) || b == 0x5F || b == 0x2D
    }

    /// Calls `body` with the byte range of the password in every `scheme://user:password@host`.
    private static func forEachUserInfoPassword(in bytes: [UInt8], _ body: (Range<Int>, [UInt8]) -> Void) {
        var i = 0
        while i + 2 < bytes.count {
            guard bytes[i] == 0x3A, bytes[i + 1] == 0x2F, bytes[i + 2] == 0x2F else {
                i += 1
                continue
            }
            let start = i + 3
            var end = start
            while end < bytes.count, ![0x2F, 0x3F, 0x23, 0x20, 0x09, 0x0A, 0x22, 0x27].contains(bytes[end]) { end += 1 }
            // The user information ends at the authority's last '@'; the password after its first ':'.
            if let at = bytes[start..<end].lastIndex(of: 0x40), let colon = bytes[start..<at].firstIndex(of: 0x3A),
                colon + 1 < at
            {
                body((colon + 1)..<at, bytes)
            }
            i = Swift.max(end, i + 3)
        }
    }

    /// `text` with the ranges `collect` reports (in increasing order, not overlapping) replaced.
    private static func replacingRanges(
        in text: String, _ collect: ([UInt8], (Range<Int>) -> Void) -> Void
    ) -> String {
        let bytes = Array(text.utf8)
        var ranges: [Range<Int>] = []
        collect(bytes) { range in
            let value = String(decoding: bytes[range], as: UTF8.self)
            if value != replacement { ranges.append(range) }
        }
        guard !ranges.isEmpty else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var at = 0
        for r in ranges where r.lowerBound >= at {
            out += bytes[at..<r.lowerBound]
            out += Array(replacement.utf8)
            at = r.upperBound
        }
        out += bytes[at...]
        return String(decoding: out, as: UTF8.self)
    }

    /// Every occurrence of `secret` in `text` replaced (byte-wise, no Foundation).
    private static func replacingAll(_ secret: String, in text: String) -> String {
        let s = Array(secret.utf8)
        let bytes = Array(text.utf8)
        guard !s.isEmpty, s.count <= bytes.count else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if i + s.count <= bytes.count, bytes[i] == s[0], bytes[i..<(i + s.count)].elementsEqual(s) {
                out += Array(replacement.utf8)
                i += s.count
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters.
    private static func percentEncoded(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for b in text.utf8 {
            switch b {
            case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x2D, 0x2E, 0x5F, 0x7E: out.append(b)
            default: out += [0x25, hex[Int(b >> 4)], hex[Int(b & 15)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
