import FuzzSupport
import IsothermEvents
import IsothermImport
import IsothermKalshi

/// Kalshi WebSocket messages (one frame's text): the envelope, the mapping to events, and the
/// recorder's keep-or-drop decision.
@main
enum FuzzKalshiWS {
    static func main() {
        FuzzDriver.run { data, size in
            let bytes = FuzzDriver.bytes(data, size)
            let receivedAt = Timestamp(nanos: 1_764_252_121_250_000_000)
            if let message = try? KalshiFeed.parse(bytes, receivedAt: receivedAt) {
                _ = message.isKept(byPrefixes: ["KXHIGH"])
                _ = message.error?.action
                FuzzCheck.storable(message.events, "kalshi ws \(message.type)")
            }
            return 0
        }
    }
}
