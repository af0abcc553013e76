/// A minimal JSON object writer with keys in the order they are written, so output is byte-stable.
package struct JSONWriter {
    package private(set) var output: String = ""
    private var needsComma: [Bool] = []

    package init() { output.reserveCapacity(256) }

    /// Opens an object, as a member named `key` or (with no key) as a value.
    package mutating func beginObject(_ key: String? = nil) {
        prefix(key)
        output += "{"
        needsComma.append(false)
    }

    package mutating func endObject() {
        output += "}"
        needsComma.removeLast()
    }

    package mutating func beginArray(_ key: String? = nil) {
        prefix(key)
        output += "["
        needsComma.append(false)
    }

    package mutating func endArray() {
        output += "]"
        needsComma.removeLast()
    }

    package mutating func string(_ key: String?, _ value: String) {
        prefix(key)
        JSONWriter.appendQuoted(value, to: &output)
    }

    package mutating func stringOrNull(_ key: String?, _ value: String?) {
        if let value { string(key, value) } else { null(key) }
    }

    package mutating func number(_ key: String?, _ value: Int64) {
        prefix(key)
        output += String(value)
    }

    package mutating func number(_ key: String?, _ value: UInt64) {
        prefix(key)
        output += String(value)
    }

    /// A number already formatted exactly (e.g. `45.5` from tenths), written without quotes.
    package mutating func rawNumber(_ key: String?, _ text: String) {
        prefix(key)
        output += text
    }

    package mutating func bool(_ key: String?, _ value: Bool) {
        prefix(key)
        output += value ? "true" : "false"
    }

    package mutating func null(_ key: String?) {
        prefix(key)
        output += "null"
    }

    private mutating func prefix(_ key: String?) {
        if let last = needsComma.last {
            if last { output += "," }
            needsComma[needsComma.count - 1] = true
        }
        if let key {
            JSONWriter.appendQuoted(key, to: &output)
            output += ":"
        }
    }

    /// Appends `value` as a JSON string literal (RFC 8259 escapes; other code points as UTF-8).
    package static func appendQuoted(_ value: String, to out: inout String) {
        out += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
