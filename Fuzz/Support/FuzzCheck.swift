package import IsothermEvents

/// Invariants every target checks on what a parser returns, beyond "does not crash".
package enum FuzzCheck {
    /// Stops the run with `message`: libFuzzer reports the trap as a crash and saves the input.
    package static func fail(_ message: String) -> Never {
        fatalError("fuzz invariant: \(message)")
    }

    /// Every event an importer returns must go into a log and come back equal (what `import` does
    /// with it), and render as JSON (what `log cat` does).
    package static func storable(_ records: [EventRecord], _ what: String) {
        for record in records {
            let bytes = EventCodec.encode(record)
            let back: EventRecord
            do {
                back = try EventCodec.decode(bytes)
            } catch {
                fail("\(what): an event it returned does not decode after encoding: \(error); \(record)")
            }
            guard back == record else { fail("\(what): an event changes through the codec: \(record) → \(back)") }
            _ = EventJSON.render(record)
        }
    }
}
