import FuzzSupport
import IsothermEvents
import IsothermImport

/// IEM `asos.py` / `asos1min.py` CSV: observations.
@main
enum FuzzIEMASOS {
    static func main() {
        FuzzDriver.run { data, size in
            let bytes = FuzzDriver.bytes(data, size)
            if let events = try? IEMASOSImporter.parse(bytes, source: "fuzz") {
                FuzzCheck.storable(events, "iem-asos")
            }
            return 0
        }
    }
}
