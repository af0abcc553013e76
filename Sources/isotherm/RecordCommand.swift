import ArgumentParser
import Glibc
import IsothermKalshi
import IsothermLive
import IsothermPlatform
import IsothermStore
import Logging

struct RecordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Record Kalshi's WebSocket feed into a log: every message verbatim, and the events it carries.",
        discussion: """
            The seed's kalshi_ws_recorder, as a log writer. Subscribes to --channels and, for every \
            message about a market, event or series whose ticker starts with one of --series (and \
            every reply and error), appends a raw_feed_message event holding the frame verbatim, stamped \
            with the receive time, followed by the events it maps to (ticker, trade, market_lifecycle, \
            and market_listed for a market created with its strikes). A field a message leaves out is \
            left out of its event.

            The public channels (ticker, trade, market_lifecycle_v2) need no key; a key is used when \
            given (KALSHI_API_KEY_ID or --key-id-file, and KALSHI_PRIVATE_KEY_PATH or --private-key) \
            and required for any other channel. The connection is then signed. Prefer the environment \
            or --key-id-file to --key-id: a command line shows in the process list (ps) of every user \
            on the machine. The key id is cut out of every error and log line.

            The connection is swift-websocket's client (pings every 10 s, UTF-8 checked, frames up to \
            1 MiB), one subscription per channel. The log is flushed every second, and synced and \
            closed on exit, including after --seconds, SIGINT and SIGTERM (the connection is closed \
            with a close frame). A dropped connection is reconnected with exponential backoff and \
            jitter, and every channel subscribed again. Sequence numbers are checked per subscription \
            over every message, before the series filter: a repeat is kept in the log but not applied, \
            and a gap is answered by subscribing the channel again. Kalshi's errors are printed on \
            standard error (always) and kept in the log; after an error that ends a subscription the \
            channel is subscribed again, and after one no retry can fix (authentication required, an \
            unknown channel, a bad parameter) the recording stops with the reason and exit code 2.

            Examples:
              isotherm record --log feed --seconds 3600
              KALSHI_API_KEY_ID=… KALSHI_PRIVATE_KEY_PATH=kalshi.pem isotherm record --log feed --json
            """)

    @Option(name: .long, help: "Log directory to append to.")
    var log: String

    @Option(name: .long, help: "WebSocket URL.")
    var url = KalshiHosts.prodFeed

    @OptionGroup var key: KalshiKeyOptions

    @Option(name: .long, help: "Channels to subscribe to, comma-separated.")
    var channels = "ticker,trade,market_lifecycle_v2"

    @Option(
        name: .long,
        help: "Keep messages about markets, events or series whose ticker starts with one of these (comma-separated).")
    var series = "KXHIGH"

    @Option(name: .long, help: "Stop after this many messages.")
    var maxMessages: Int?

    @Option(name: .long, help: "Stop after this many seconds of wall-clock time.")
    var seconds: Double?

    @Option(
        name: .long,
        help: "Give up after this many reconnections (or resubscriptions) in a row without a message (default: never).")
    var maxReconnects: Int?

    @Option(name: .long, help: "First reconnection delay in seconds (doubles up to 30, times a jitter in [0.5, 1)).")
    var backoff = 1.0

    @Option(name: .long, help: "CA certificates (PEM) to trust instead of the system's, for a wss:// test server.")
    var caFile: String?

    @Flag(name: .long, help: "Print the summary as JSON.")
    var json = false

    var channelList: [String] { channels.split(separator: ",").map { String($0.filter { $0 != " " }) } }

    func validate() throws {
        guard !channelList.isEmpty, channelList.allSatisfy({ !$0.isEmpty }) else {
            throw ValidationError("--channels names no channel")
        }
        if let seconds, !(seconds > 0) { throw ValidationError("--seconds must be above 0") }
        if let maxMessages, maxMessages < 1 { throw ValidationError("--max-messages must be at least 1") }
        guard backoff >= 0 else { throw ValidationError("--backoff cannot be negative") }
    }

    func run() async throws {
        try await reportingErrors {
            let signer = try signer()
            var config = KalshiFeedClient.Configuration(
                url: url, channels: channelList.map { KalshiFeedClient.Channel($0) })
            config.backoffSeconds = backoff
            config.maxConsecutiveFailures = maxReconnects.map { $0 + 1 }
            config.caFile = caFile
            config.jitterSeed = UInt64(truncatingIfNeeded: SystemClock.wallNanos())
            var logger = Logger(label: "isotherm.record")
            logger.logLevel = .critical  // what matters is said on standard error by the recorder
            let client = KalshiFeedClient(config, signer: signer, logger: logger)
            let recorder = FeedRecorder(
                writer: try EventLogWriter(directory: log),
                settings: FeedRecorder.Settings(
                    prefixes: series.split(separator: ",").map(String.init), maxMessages: maxMessages,
                    signed: signer != nil, channels: channelList),
                note: { printError("record: " + $0) })
            RecordStop.start(seconds: seconds)
            defer { RecordStop.finish() }
            let outcome = try await recorder.record(client) { RecordStop.reason }
            var stopped: String?
            if case .stopped(let why) = outcome { stopped = why }
            print(
                json ? recorder.stats.json(log: log, stopped: stopped) : recorder.stats.text(log: log, stopped: stopped)
            )
            if case .failed(let why) = outcome { throw CLIError(why) }
        }
    }

    /// The signer for a key given by flag or environment; nil when none is given and every channel is
    /// public.
    private func signer() throws -> KalshiSigner? {
        let signer = try key.signer()
        if signer == nil {
            let restricted = channelList.filter { !KalshiFeed.publicChannels.contains($0) }
            guard restricted.isEmpty else {
                throw CLIError(
                    "the channel\(restricted.count > 1 ? "s" : "") \(restricted.joined(separator: ",")) need a key: "
                        + "give --key-id and --private-key (or set KALSHI_API_KEY_ID and KALSHI_PRIVATE_KEY_PATH); "
                        + "\(KalshiFeed.publicChannels.sorted().joined(separator: ", ")) need none")
            }
        }
        return signer
    }
}
