import FuzzSupport
import IsothermEvents
import IsothermImport

/// NWS CF6 monthly form text: the parser, the month's preliminary settlements, and
/// `import file --format nws-cf6` (which resolves the product id to a city).
@main
enum FuzzNWSCF6 {
    static func main() {
        FuzzDriver.run { data, size in
            let bytes = FuzzDriver.bytes(data, size)
            if let month = try? NWSCF6Parser.parse(String(decoding: bytes, as: UTF8.self), source: "fuzz") {
                let settlements = month.settlements(city: Symbol("NY")!)
                FuzzCheck.storable(
                    settlements.map { EventRecord(time: Timestamp(nanos: 0), event: .settlement($0)) }, "nws-cf6")
            }
            if let events = try? ImportFormat.nwsCF6.parse(bytes, source: "fuzz", options: .init(city: "NY")) {
                FuzzCheck.storable(events, "import nws-cf6")
            }
            return 0
        }
    }
}
