package import IsothermEvents

/// A parsed JSON document that keeps numbers as their exact text (never a `Double`: `"0.4500"` and
/// `45` must convert to micro-dollars exactly) and object keys in document order.
package indirect enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    /// The number exactly as written (`-12.50`, `1e3`).
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The member `key` of an object (nil for other values or a missing key).
    package subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    package var isNull: Bool { self == .null }
    package var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }
    package var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }
    package var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }
    /// A number's text, or a string's (Kalshi sends some numbers as strings).
    package var numberText: String? {
        switch self {
        case .number(let n): n
        case .string(let s): s
        default: nil
        }
    }
    /// The JSON type's name, for error messages.
    package var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// An object's members in document order. Lookup is linear: API objects are small.
package struct JSONObject: Hashable, Sendable {
    package var keys: [String] = []
    package var values: [JSONValue] = []

    package subscript(key: String) -> JSONValue? {
        guard let i = keys.firstIndex(of: key) else { return nil }
        return values[i]
    }
}

/// A strict RFC 8259 parser over bytes. Errors name the line and column.
package struct JSONParser {
    private let bytes: [UInt8]
    private var i = 0
    private let source: String
    private var depth = 0

    /// Parses one document (surrounding whitespace allowed, nothing else).
    /// - Throws: `ImportError` naming `source`, line and column.
    package static func parse(_ bytes: [UInt8], source: String) throws(ImportError) -> JSONValue {
        var p = JSONParser(bytes: bytes, source: source)
        // A UTF-8 byte order mark is tolerated.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { p.i = 3 }
        p.skipSpace()
        let value = try p.value()
        p.skipSpace()
        guard p.i == bytes.count else { throw p.error("unexpected \(p.describeHere()) after the document") }
        return value
    }

    package static func parse(_ text: String, source: String) throws(ImportError) -> JSONValue {
        try parse(Array(text.utf8), source: source)
    }

    private init(bytes: [UInt8], source: String) {
        self.bytes = bytes
        self.source = source
    }

    private func error(_ message: String) -> ImportError {
        var line = 1
        var column = 1
        for b in bytes[..<Swift.min(i, bytes.count)] {
            if b == 0x0A {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return ImportError(source, line: line, field: "JSON column \(column)", message)
    }

    private func describeHere() -> String {
        guard i < bytes.count else { return "end of input" }
        let b = bytes[i]
        return b >= 0x20 && b < 0x7F ? "'\(Character(UnicodeScalar(b)))'" : "byte 0x\(String(b, radix: 16))"
    }

    private mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    private mutating func value() throws(ImportError) -> JSONValue {
        guard i < bytes.count else { throw error("unexpected end of input, expected a value") }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw error("unexpected \(describeHere()), expected a value")
        }
    }

    private mutating func literal(_ word: String, _ value: JSONValue) throws(ImportError) -> JSONValue {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count, Array(bytes[i..<i + w.count]) == w else {
            throw error("unexpected \(describeHere()), expected \(word)")
        }
        i += w.count
        return value
    }

    private mutating func nest() throws(ImportError) {
        depth += 1
        if depth > 512 { throw error("nested deeper than 512 levels") }
    }

    private mutating func object() throws(ImportError) -> JSONValue {
        try nest()
        i += 1
        var o = JSONObject()
        skipSpace()
        if i < bytes.count && bytes[i] == UInt8(ascii: "}") {
            i += 1
            depth -= 1
            return .object(o)
        }
        while true {
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else {
                throw error("unexpected \(describeHere()), expected a member name in quotes")
            }
            let key = try string()
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else {
                throw error("unexpected \(describeHere()), expected ':' after \"\(key)\"")
            }
            i += 1
            skipSpace()
            o.keys.append(key)
            o.values.append(try value())
            skipSpace()
            guard i < bytes.count else { throw error("unexpected end of input inside an object") }
            if bytes[i] == UInt8(ascii: ",") {
                i += 1
                continue
            }
            guard bytes[i] == UInt8(ascii: "}") else {
                throw error("unexpected \(describeHere()), expected ',' or '}'")
            }
            i += 1
            depth -= 1
            return .object(o)
        }
    }

    private mutating func array() throws(ImportError) -> JSONValue {
        try nest()
        i += 1
        var a: [JSONValue] = []
        skipSpace()
        if i < bytes.count && bytes[i] == UInt8(ascii: "]") {
            i += 1
            depth -= 1
            return .array(a)
        }
        while true {
            skipSpace()
            a.append(try value())
            skipSpace()
            guard i < bytes.count else { throw error("unexpected end of input inside an array") }
            if bytes[i] == UInt8(ascii: ",") {
                i += 1
                continue
            }
            guard bytes[i] == UInt8(ascii: "]") else {
                throw error("unexpected \(describeHere()), expected ',' or ']'")
            }
            i += 1
            depth -= 1
            return .array(a)
        }
    }

    private mutating func number() throws(ImportError) -> JSONValue {
        let start = i
        func digits(_ p: inout JSONParser) -> Int {
            let s = p.i
            while p.i < p.bytes.count, p.bytes[p.i] >= UInt8(ascii: "0") && p.bytes[p.i] <= UInt8(ascii: "9") {
                p.i += 1
            }
            return p.i - s
        }
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        let intStart = i
        let n = digits(&self)
        guard n > 0 else { throw error("a number needs digits after '-'") }
        if n > 1 && bytes[intStart] == UInt8(ascii: "0") {
            i = intStart
            throw error("a number may not start with 0")
        }
        if i < bytes.count && bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard digits(&self) > 0 else { throw error("a number needs digits after '.'") }
        }
        if i < bytes.count && (bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E")) {
            i += 1
            if i < bytes.count && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) { i += 1 }
            guard digits(&self) > 0 else { throw error("a number needs digits in its exponent") }
        }
        return .number(String(decoding: bytes[start..<i], as: UTF8.self))
    }

    private mutating func string() throws(ImportError) -> String {
        i += 1
        var out: [UInt8] = []
        while true {
            guard i < bytes.count else { throw error("unterminated string") }
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                break
            }
            if b < 0x20 { throw error("control character 0x\(String(b, radix: 16)) inside a string") }
            if b != UInt8(ascii: "\\") {
                out.append(b)
                i += 1
                continue
            }
            i += 1
            guard i < bytes.count else { throw error("unterminated escape") }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                        throw error("unpaired surrogate \\u\(String(scalar, radix: 16))")
                    }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw error("unpaired surrogate \\u\(String(scalar, radix: 16))")
                }
                out.append(contentsOf: Array(String(Character(UnicodeScalar(scalar)!)).utf8))
            default:
                i -= 1
                throw error("unknown escape \\\(Character(UnicodeScalar(e)))")
            }
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw error("a string is not valid UTF-8") }
        return s
    }

    private mutating func hex4() throws(ImportError) -> UInt32 {
        guard i + 4 <= bytes.count else { throw error("\\u needs four hex digits") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[i]
            let d: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(b - UInt8(ascii: "A") + 10)
            default: throw error("\\u needs four hex digits")
            }
            v = v * 16 + d
            i += 1
        }
        return v
    }
}

/// Reads typed fields out of a JSON object, naming the file and the path of the field on failure
/// (`markets[3].yes_bid_dollars: "0.45x" is not a dollar amount`).
package struct JSONFields {
    package let object: JSONObject
    package let source: String
    /// Where the object sits in the document (`markets[3]`).
    package let path: String

    package init(_ value: JSONValue, source: String, path: String) throws(ImportError) {
        guard case .object(let o) = value else {
            throw ImportError(
                source, field: path.isEmpty ? "document" : path, "expected an object, found \(value.typeName)")
        }
        object = o
        self.source = source
        self.path = path
    }

    private func name(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    package func fail(_ key: String, _ message: String) -> ImportError {
        ImportError(source, field: name(key), message)
    }

    /// The member, or nil when missing or null.
    package func optional(_ key: String) -> JSONValue? {
        guard let v = object[key], !v.isNull else { return nil }
        return v
    }

    package func has(_ key: String) -> Bool { optional(key) != nil }

    package func string(_ key: String) throws(ImportError) -> String {
        guard let v = optional(key) else { throw fail(key, "missing") }
        guard let s = v.stringValue else { throw fail(key, "expected a string, found \(v.typeName)") }
        return s
    }

    package func optionalString(_ key: String) throws(ImportError) -> String? {
        guard let v = optional(key) else { return nil }
        guard let s = v.stringValue else { throw fail(key, "expected a string, found \(v.typeName)") }
        return s
    }

    /// An exact decimal (number or numeric string) scaled to `scale` decimal places.
    package func decimal(_ key: String, scale: Int) throws(ImportError) -> Int64? {
        guard let v = optional(key) else { return nil }
        guard let text = v.numberText else { throw fail(key, "expected a number, found \(v.typeName)") }
        guard let n = FixedPoint.parse(text, scale: scale) else {
            throw fail(key, "\"\(text)\" is not a decimal with at most \(scale) places")
        }
        return n
    }

    /// A whole number (number or numeric string).
    package func integer(_ key: String) throws(ImportError) -> Int64? { try decimal(key, scale: 0) }

    package func array(_ key: String) throws(ImportError) -> [JSONValue] {
        guard let v = optional(key) else { throw fail(key, "missing") }
        guard let a = v.arrayValue else { throw fail(key, "expected an array, found \(v.typeName)") }
        return a
    }

    package func child(_ key: String) throws(ImportError) -> JSONFields? {
        guard let v = optional(key) else { return nil }
        return try JSONFields(v, source: source, path: name(key))
    }

    /// An RFC 3339 time in ``Plausible/years`` (checked on the text first: a year past 2262 would
    /// overflow the nanoseconds).
    package func time(_ key: String) throws(ImportError) -> Timestamp? {
        guard let s = try optionalString(key) else { return nil }
        guard s.utf8.count >= 10, Plausible.date(iso8601: String(s.prefix(10))) != nil, let t = Timestamp(rfc3339: s)
        else {
            throw fail(
                key, "\"\(s)\" is not an RFC 3339 time in \(Plausible.years.lowerBound)…\(Plausible.years.upperBound)")
        }
        return t
    }
}
