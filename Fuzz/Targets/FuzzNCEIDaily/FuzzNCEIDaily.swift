import FuzzSupport
import IsothermEvents
import IsothermImport

/// NCEI daily-summaries JSON, read both ways it comes (tenths of °C, and `units=standard`): each
/// day's settlement, and `import file --format ncei-daily`.
@main
enum FuzzNCEIDaily {
    static func main() {
        FuzzDriver.run { data, size in
            let bytes = FuzzDriver.bytes(data, size)
            for units in [NCEIDailyImporter.Units.tenthsCelsius, .standard] {
                if let days = try? NCEIDailyImporter.parse(bytes, source: "fuzz", units: units) {
                    let settlements = days.map { $0.settlement(city: Symbol("NY")!) }
                    FuzzCheck.storable(
                        settlements.map { EventRecord(time: Timestamp(nanos: 0), event: .settlement($0)) }, "ncei-daily"
                    )
                }
            }
            if let events = try? ImportFormat.nceiDaily.parse(bytes, source: "fuzz", options: .init()) {
                FuzzCheck.storable(events, "import ncei-daily")
            }
            return 0
        }
    }
}
