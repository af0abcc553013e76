package import IsothermEvents

/// Scripted answers of the weather services, for backfill tests (not shipped).
package enum FakeWeather {
    /// api.weather.gov observations of KNYC for the request's `start`…`end`, one every `step` seconds,
    /// newest first as the service lists them (a deterministic temperature pattern); a 400 without
    /// both times.
    package static func nwsObservations(_ target: String, step: Int64 = 300) -> ScriptedHTTPServer.Reply {
        var query: [String: String] = [:]
        if let q = target.firstIndex(of: "?") {
            for pair in target[target.index(after: q)...].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
                if kv.count == 2 { query[kv[0]] = kv[1] }
            }
        }
        guard let start = query["start"].flatMap({ Timestamp(rfc3339: $0) }),
            let end = query["end"].flatMap({ Timestamp(rfc3339: $0) })
        else { return .json(#"{"title":"bad request"}"#, status: 400) }
        var features: [String] = []
        var t = start.seconds
        while t < end.seconds {
            let tenths = (t / 300 * 7_919) % 400 - 100
            let celsius = (tenths < 0 ? "-" : "") + "\(abs(tenths) / 10).\(abs(tenths) % 10)"
            features.append(
                #"{"properties":{"stationId":"KNYC","timestamp":"\#(Timestamp(seconds: t).rfc3339)","temperature":{"unitCode":"wmoUnit:degC","value":\#(celsius)},"dewpoint":{"unitCode":"wmoUnit:degC","value":null}}}"#
            )
            t += step
        }
        return .json(#"{"type":"FeatureCollection","features":[\#(features.reversed().joined(separator: ","))]}"#)
    }
}
