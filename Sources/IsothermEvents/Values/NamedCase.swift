/// An enum with a stable snake_case name per case, as used in JSON and on the command line.
package protocol NamedCase: CaseIterable {
    /// The case's name (`"between"`, `"order_intent"`, …); never changes once written to a log or file.
    var name: String { get }
}

extension NamedCase {
    /// The case with this name, or `nil` if there is none.
    package init?(name: String) {
        guard let match = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = match
    }
}
