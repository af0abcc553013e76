/// Kalshi's API endpoints (`reference/kalshi-api.md` §1: the recommended hosts), in one place for every
/// command that talks to Kalshi.
enum KalshiHosts {
    static let prodREST = "https://external-api.kalshi.com/trade-api/v2"
    static let prodFeed = "wss://external-api-ws.kalshi.com/trade-api/ws/v2"
    static let demoREST = "https://external-api.demo.kalshi.co/trade-api/v2"
    static let demoFeed = "wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2"
}
