import ArgumentParser

/// The `isotherm` command-line tool.
@main
struct Isotherm: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "isotherm",
        abstract: "An event-sourced trading engine for Kalshi's daily-temperature markets.",
        discussion: """
            Every candle, lifecycle event, forecast, observation, settlement and order is an event in an \
            append-only log of LZ4-compressed segments. Logs are directories; every command that reads \
            one takes its path.

            Start here:
              isotherm generate --out world   a realistic month of the 7 cities, one log each
              isotherm backtest --world world the seed's open_maker report on it
              isotherm project postgres --dsn … --world world   the old system's tables, rebuilt
              isotherm demo                   write a month of markets, replay, verify
              isotherm log inspect LOG        segments, batches, counts, compression
              isotherm log cat LOG --limit 5  events as JSON lines
              isotherm log verify LOG         check every batch; exit 1 on damage

            Exit codes: 0 success; 1 damage found (verify); 2 the command could not run (bad input, \
            I/O, locked log); 64 usage error.
            """,
        version: version,
        subcommands: [
            GenerateCommand.self, BacktestCommand.self, AuditCommand.self, ImportCommand.self, StatusCommand.self,
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
