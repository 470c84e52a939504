/// The sixteen keys of a DTMF keypad and their frequency pairs (ITU-T Q.23).
///
/// Each key is one low-group (row) tone plus one high-group (column) tone:
///
///            1209  1336  1477  1633 Hz
///     697     1     2     3     A
///     770     4     5     6     B
///     852     7     8     9     C
///     941     *     0     #     D
public enum DTMFKey: Character, CaseIterable, Sendable {
    case one = "1", two = "2", three = "3", a = "A"
    case four = "4", five = "5", six = "6", b = "B"
    case seven = "7", eight = "8", nine = "9", c = "C"
    case star = "*", zero = "0", pound = "#", d = "D"

    /// Low-group frequencies in Hz, by row.
    public static let rowFrequencies: [Double] = [697, 770, 852, 941]
    /// High-group frequencies in Hz, by column.
    public static let columnFrequencies: [Double] = [1209, 1336, 1477, 1633]

    private static let layout: [[DTMFKey]] = [
        [.one, .two, .three, .a], [.four, .five, .six, .b],
        [.seven, .eight, .nine, .c], [.star, .zero, .pound, .d],
    ]

    /// The key at `row` (0–3, low group) and `column` (0–3, high group).
    public init(row: Int, column: Int) { self = Self.layout[row][column] }

    /// The key for a character such as `"5"` or `"#"`; letters A–D in either case.
    public init?(_ character: Character) {
        self.init(rawValue: Character(character.uppercased()))
    }

    /// Row index, 0–3.
    public var row: Int { Self.layout.firstIndex { $0.contains(self) }! }
    /// Column index, 0–3.
    public var column: Int { Self.layout[row].firstIndex(of: self)! }
    /// The low-group (row) frequency in Hz.
    public var lowFrequency: Double { Self.rowFrequencies[row] }
    /// The high-group (column) frequency in Hz.
    public var highFrequency: Double { Self.columnFrequencies[column] }
}
