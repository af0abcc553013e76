import FuzzSupport
import IsothermEvents
import IsothermImport

/// Visual Crossing Timeline JSON: observations and forecasts, in both unit groups, with and without
/// a forecast basis date.
@main
enum FuzzVisualCrossing {
    static func main() {
        FuzzDriver.run { data, size in
            let bytes = FuzzDriver.bytes(data, size)
            let basis = LocalDate(iso8601: "2024-01-28")!
            for units in [VisualCrossingImporter.Units.us, .metric] {
                for basisDate in [nil, basis] {
                    if let events = try? VisualCrossingImporter.parse(
                        bytes, source: "fuzz", city: Symbol("NY")!, station: Symbol("KNYC")!, basisDate: basisDate,
                        units: units)
                    {
                        FuzzCheck.storable(events, "vc-timeline")
                    }
                }
            }
            return 0
        }
    }
}
