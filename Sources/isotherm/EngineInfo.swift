import CLZ4
import IsothermEvents
import IsothermLog
import IsothermPostgres

/// What this build is: engine version, formats, and the C libraries it linked.
struct EngineInfo {
    let engineVersion = Isotherm.version
    let eventSchemaVersion = Int(IsothermEvents.eventSchemaVersion)
    let logFormatVersion = Int(LogFormat.version)
    let lz4Version = String(cString: LZ4_versionString())
    let libpqVersion = Int(LibPQ.version)

    static var current: EngineInfo { EngineInfo() }

    var text: String {
        """
        isotherm \(engineVersion)
          event schema version  \(eventSchemaVersion)
          log format version    \(logFormatVersion)
          liblz4                \(lz4Version)
          libpq                 \(libpqVersion)
        """
    }

    var json: String {
        var j = JSONWriter()
        j.beginObject()
        j.string("engine_version", engineVersion)
        j.number("event_schema_version", Int64(eventSchemaVersion))
        j.number("log_format_version", Int64(logFormatVersion))
        j.string("liblz4", lz4Version)
        j.number("libpq", Int64(libpqVersion))
        j.endObject()
        return j.output
    }
}
