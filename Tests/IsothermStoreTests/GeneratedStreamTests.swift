import IsothermEvents
import IsothermWorld
import Testing

/// Checks on the generated stream the store tests write, so a failure there is not mistaken for a store bug.
@Suite("The generated stream these tests use")
struct GeneratedStreamTests {
    @Test("the same seed gives the same stream; another seed a different one; events are in time order")
    func seeded() {
        let a = Array(testStream(days: 1, cities: 2))
        expectSame(a, Array(testStream(days: 1, cities: 2)), "the same seed")
        let otherSeedDiffers = a != Array(testStream(seed: 12, days: 1, cities: 2))
        #expect(otherSeedDiffers)
        let timeOrdered = zip(a, a.dropFirst()).allSatisfy { $0.time <= $1.time }
        #expect(timeOrdered)
    }

    @Test("every listed event date is settled, with one determination per bracket")
    func everyDateSettled() {
        let records = Array(testStream())
        func count(_ kind: EventKind) -> Int { records.filter { $0.event.kind == kind }.count }
        #expect(count(.marketListed) == 2 * 3 * 6)
        #expect(count(.dailyForecast) == 2 * 3)
        // The last date closes at the end of the stream and is settled too.
        #expect(count(.settlement) == 2 * 3)
        #expect(count(.marketLifecycle) == 2 * 3 * 6)
    }
}
