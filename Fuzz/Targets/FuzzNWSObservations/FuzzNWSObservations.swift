import FuzzSupport
import IsothermEvents
import IsothermImport

/// api.weather.gov station observations (GeoJSON): observations.
@main
enum FuzzNWSObservations {
    static func main() {
        FuzzDriver.run { data, size in
            let bytes = FuzzDriver.bytes(data, size)
            if let events = try? NWSObservationsImporter.parse(bytes, source: "fuzz") {
                FuzzCheck.storable(events, "nws-observations")
            }
            return 0
        }
    }
}
