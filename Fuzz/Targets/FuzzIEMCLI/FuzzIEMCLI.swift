import FuzzSupport
import IsothermEvents
import IsothermImport

/// IEM `/json/cli.py` JSON: the parser, each day's settlement, and `import file --format iem-cli`.
@main
enum FuzzIEMCLI {
    static func main() {
        FuzzDriver.run { data, size in
            let bytes = FuzzDriver.bytes(data, size)
            if let days = try? IEMClimateImporter.parse(bytes, source: "fuzz") {
                let settlements = days.compactMap { $0.settlement(city: Symbol("CHI")!) }
                FuzzCheck.storable(
                    settlements.map { EventRecord(time: Timestamp(nanos: 0), event: .settlement($0)) }, "iem-cli")
            }
            if let events = try? ImportFormat.iemCLI.parse(bytes, source: "fuzz", options: .init()) {
                FuzzCheck.storable(events, "import iem-cli")
            }
            return 0
        }
    }
}
