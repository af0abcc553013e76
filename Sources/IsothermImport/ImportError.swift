/// Input an importer cannot read: names the file (or source), the line when there is one, the
/// field, and what was wrong. Nothing is written from a file that fails.
package struct ImportError: Error, Equatable, CustomStringConvertible {
    /// The file or source name as the user gave it.
    package var source: String
    /// 1-based line number, when the format has lines.
    package var line: Int?
    /// The field or section being read.
    package var field: String
    /// What was wrong.
    package var message: String

    package init(_ source: String, line: Int? = nil, field: String, _ message: String) {
        self.source = source
        self.line = line
        self.field = field
        self.message = message
    }

    package var description: String {
        let place = line.map { "\(source):\($0)" } ?? source
        return "\(place): \(field): \(message)"
    }
}
