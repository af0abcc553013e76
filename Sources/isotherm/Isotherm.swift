import ArgumentParser

/// The `isotherm` command-line tool.
@main
struct Isotherm: AsyncParsableCommand {
    static let version = "0.2.0"

    /// Runs the command line, after giving `backtest`'s `--save` and `--debug` the seed's forms: alone,
    /// they mean `--save runs` and `--debug 20`.
    static func main() async {
        await main(Self.withOptionalValues(Array(CommandLine.arguments.dropFirst())))
    }

    /// Options that may stand alone, with the value they then take (subcommand, option, default).
    static let optionalValues: [(String, String, String)] = [
        ("backtest", "--save", "runs"), ("backtest", "--debug", "20"),
    ]

    static func withOptionalValues(_ arguments: [String]) -> [String] {
        guard let command = arguments.first else { return arguments }
        var out: [String] = []
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            out.append(a)
            if let (_, _, value) = optionalValues.first(where: { $0.0 == command && $0.1 == a }) {
                let next = i + 1 < arguments.count ? arguments[i + 1] : nil
                if next == nil || next!.hasPrefix("--") { out.append(value) }
            }
            i += 1
        }
        return out
    }

    static let configuration = CommandConfiguration(
        commandName: "isotherm",
        abstract: "An event-sourced trading engine for Kalshi's daily-temperature markets.",
        discussion: """
            Every candle, lifecycle event, forecast, observation, settlement and order is an event in an \
            append-only log of LZ4-compressed segments. Logs are directories; every command that reads \
            one takes its path.

            Start here:
              isotherm generate --out world      a realistic month, 7 cities, a log each
              isotherm backtest --world world    the seed's open_maker report on it
              isotherm backtest --help           strategies, fill models, flags
              isotherm tune --world world        the seed's train/test parameter search
              isotherm audit --runs runs …       why a trade happened
              isotherm replay --runs runs --verify   the run recomputed, bit for bit
              isotherm status world              coverage and freshness per city
              isotherm import file|weather|kalshi  real data, exactly once
              isotherm record --log feed         Kalshi's WebSocket feed, verbatim
              isotherm kalshi check-key --key-file key.pem   does a Kalshi key load and sign
              isotherm exchange --world world …  a local Kalshi exchange (paper)
              isotherm order place|list|cancel …   trade by hand, logged first
              isotherm project postgres …        the old system's tables
              isotherm log inspect|cat|verify|sort LOG

            Exit codes: 0 success; 1 damage found (verify) or a status --max-age limit breached; 2 the \
            command could not run (bad input, I/O, locked log); 64 usage error.
            """,
        version: version,
        subcommands: [
            GenerateCommand.self, BacktestCommand.self, TuneCommand.self, AuditCommand.self, ReplayCommand.self,
            ImportCommand.self,
            RecordCommand.self, KalshiCommand.self, ExchangeCommand.self, OrderCommand.self, LiveCommand.self,
            StatusCommand.self,
            ProjectCommand.self,
            LogCommand.self,
            DemoCommand.self,
            VersionCommand.self,
        ]
    )
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print the engine version, event schema version and linked libraries.")

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func run() throws {
        let info = EngineInfo.current
        if json {
            print(info.json)
        } else {
            print(info.text)
        }
    }
}
