import FuzzSupport
import IsothermEvents
import IsothermImport

/// NWS daily climate report text (CLIxxx products, several per file): the parser, each report's
/// settlement, and `import file --format nws-cli` (which resolves the station to a city).
@main
enum FuzzNWSCLI {
    static func main() {
        FuzzDriver.run { data, size in
            let bytes = FuzzDriver.bytes(data, size)
            let city = Symbol("NY")!
            if let reports = try? NWSClimateReportParser.parse(String(decoding: bytes, as: UTF8.self), source: "fuzz") {
                let settlements = reports.compactMap { $0.settlement(city: city) }
                FuzzCheck.storable(
                    settlements.map { EventRecord(time: Timestamp(nanos: 0), event: .settlement($0)) }, "nws-cli")
            }
            if let events = try? ImportFormat.nwsCLI.parse(bytes, source: "fuzz", options: .init()) {
                FuzzCheck.storable(events, "import nws-cli")
            }
            return 0
        }
    }
}
