/// Rows of cells as lines whose columns line up: every column but the last padded to its widest cell, two spaces
/// apart; the last column is free text, and no line ends in spaces. The first row is usually the header.
func alignedColumns(_ rows: [[String]]) -> [String] {
    let columns = (rows.map(\.count).max() ?? 1) - 1
    let widths = (0..<columns).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
    return rows.map { row in
        var line = ""
        for (column, cell) in row.enumerated() {
            line += column < columns ? cell.padding(toLength: widths[column] + 2, withPad: " ", startingAt: 0) : cell
        }
        return line.trimmingTrailingSpaces()
    }
}
