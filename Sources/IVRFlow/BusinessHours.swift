import Foundation

/// When a queue is open: a weekly schedule in a time zone, minus holidays.
public struct BusinessHours: Sendable, Equatable {
    public var timeZone: TimeZone
    /// Open intervals per weekday (1 = Sunday … 7 = Saturday, as `Calendar`), in minutes of the day.
    public var weekly: [Int: [Range<Int>]]
    /// Closed days, as `yyyy-MM-dd` in the schedule's time zone.
    public var holidays: Set<String>

    public init(timeZone: TimeZone, weekly: [Int: [Range<Int>]], holidays: Set<String> = []) {
        self.timeZone = timeZone
        self.weekly = weekly
        self.holidays = holidays
    }

    /// Whether `date` falls in an open interval.
    public func isOpen(at date: Date) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .weekday, .hour, .minute], from: date)
        guard let year = parts.year, let month = parts.month, let day = parts.day, let weekday = parts.weekday else {
            return false
        }
        if holidays.contains(String(format: "%04d-%02d-%02d", year, month, day)) { return false }
        let minute = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        return weekly[weekday, default: []].contains { $0.contains(minute) }
    }

    static let dayNames = ["sun": 1, "mon": 2, "tue": 3, "wed": 4, "thu": 5, "fri": 6, "sat": 7]

    /// Weekdays of `mon-fri`, `sat`, `mon,wed,fri`; nil when not understood.
    static func days(_ text: String) -> [Int]? {
        var result: [Int] = []
        for part in text.lowercased().split(separator: ",") {
            let bounds = part.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let first = bounds.first.flatMap({ dayNames[$0] }) else { return nil }
            if bounds.count == 1 {
                result.append(first)
            } else if bounds.count == 2, let last = dayNames[bounds[1]] {
                var day = first
                while true {
                    result.append(day)
                    if day == last { break }
                    day = day % 7 + 1
                }
            } else {
                return nil
            }
        }
        return result
    }

    /// Minutes of `08:00-18:00`; nil when not a valid interval.
    static func interval(_ text: String) -> Range<Int>? {
        let bounds = text.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
        guard bounds.count == 2, let start = minutes(bounds[0]), let end = minutes(bounds[1]), start < end else { return nil }
        return start..<end
    }

    private static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]),
              (0...24).contains(hour), (0..<60).contains(minute), hour * 60 + minute <= 24 * 60 else { return nil }
        return hour * 60 + minute
    }

    /// A zone name (`Europe/Berlin`) or a fixed offset (`+01:00`, `UTC`).
    static func zone(_ text: String) -> TimeZone? {
        if let zone = TimeZone(identifier: text), text.contains("/") || text == "UTC" || text == "GMT" { return zone }
        let sign: Int
        switch text.first {
        case "+": sign = 1
        case "-": sign = -1
        default: return nil
        }
        let parts = text.dropFirst().split(separator: ":")
        guard parts.count == 2, let hours = Int(parts[0]), let minutes = Int(parts[1]), hours <= 14, minutes < 60 else { return nil }
        return TimeZone(secondsFromGMT: sign * (hours * 3600 + minutes * 60))
    }
}
