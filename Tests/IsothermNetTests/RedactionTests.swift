import IsothermNet
import Testing

/// The one place secrets are cut out: registered values wherever they appear, secret parameters of
/// URLs and connection strings, and URL passwords.
@Suite("Redaction")
struct RedactionTests {
    @Test("secret query parameters are replaced whatever the registry holds")
    func parameters() {
        #expect(
            Redaction.redact("https://x.example/t/a?unitGroup=us&key=ABC123&include=days")
                == "https://x.example/t/a?unitGroup=us&key=REDACTED&include=days")
        #expect(
            Redaction.redact("GET /p?apikey=1&API_KEY=2&token=3&secret=4&x=5")
                == "GET /p?apikey=REDACTED&API_KEY=REDACTED&token=REDACTED&secret=REDACTED&x=5")
        #expect(
            Redaction.redact("https://h/p?monkey=banana&key=") == "https://h/p?monkey=banana&key=", "only whole names")
        #expect(Redaction.redact("key=abc") == "key=REDACTED", "at the start of the text")
        #expect(
            Redaction.redact("host=/tmp password='a b\\' c' dbname=k") == "host=/tmp password=REDACTED dbname=k",
            "a libpq quoted value")
        #expect(Redaction.redact("the key=value pair") == "the key=REDACTED pair")
        #expect(Redaction.redact("keys: none, keyboard") == "keys: none, keyboard")
        #expect(Redaction.redact("?key=REDACTED") == "?key=REDACTED", "idempotent")
    }

    @Test("a URL's password is replaced, its user kept")
    func userInfo() {
        #expect(
            Redaction.redact("cannot connect: postgresql://me:s3cret@db:5432/kalshi?sslmode=require")
                == "cannot connect: postgresql://me:REDACTED@db:5432/kalshi?sslmode=require")
        #expect(Redaction.redact("http://me@host/x") == "http://me@host/x")
        #expect(Redaction.redact("http://host:80/x?a=b") == "http://host:80/x?a=b")
        #expect(Redaction.secretValues(in: "postgresql://me:pw1234@db/k password=other") == ["other", "pw1234"])
    }

    @Test("a registered secret is replaced anywhere, as written and percent-encoded; short ones are not registered")
    func registered() {
        let secret = "dummy-Key/with+odd=chars-\(UInt64.random(in: 1...UInt64.max))"
        Redaction.register(secret)
        #expect(Redaction.redact("the server said: invalid key \(secret)!") == "the server said: invalid key REDACTED!")
        #expect(
            !Redaction.redact("echo: dummy-Key%2Fwith%2Bodd%3Dchars-\(secret.split(separator: "-").last!)").contains(
                "dummy"))
        Redaction.register("abc")
        #expect(Redaction.redact("abcdef") == "abcdef", "a 3-character value would garble every message")
    }
}
