/// A table the report's script sorts by any column (click a header) and filters: every cell
/// carries the value it sorts by, so a column of `1.2 ms` and `850 µs` sorts by seconds.
struct SortableTable {
    /// A column: its header, whether it sorts as numbers, and what it holds (for filters and tooltips).
    struct Column {
        enum Role: String {
            case plain, axis, metric
        }

        var title: String
        var numeric: Bool
        var role: Role = .plain
        /// The column's key in data attributes (a metric's points.csv column, an axis key).
        var key: String?
        /// A longer explanation, shown when the pointer rests on the header.
        var help: String?
    }

    /// A cell: what it shows and, for numeric columns, the number it sorts by.
    struct Cell {
        var text: String
        var value: Double?
        /// A fragment the cell links to (`#point-3`).
        var link: String?

        init(_ text: String, value: Double? = nil, link: String? = nil) {
            self.text = text
            self.value = value
            self.link = link
        }
    }

    /// A row: its cells in column order, an optional element id and extra `data-` attributes.
    struct Row {
        var cells: [Cell]
        var id: String?
        var data: [(String, String)] = []
    }

    var id: String
    var caption: String?
    var columns: [Column]
    var rows: [Row] = []

    /// The table as HTML: a header row of sort buttons, one body row per row.
    func render() -> String {
        var out = "<table class=\"sortable\" id=\"\(HTMLText.escape(id))\">\n"
        if let caption { out += "<caption>\(HTMLText.escape(caption))</caption>\n" }
        out += "<thead><tr>"
        for column in columns {
            var attributes = " data-type=\"\(column.numeric ? "number" : "text")\""
            attributes += " data-role=\"\(column.role.rawValue)\""
            if let key = column.key { attributes += " data-key=\"\(HTMLText.escape(key))\"" }
            if let help = column.help { attributes += " title=\"\(HTMLText.escape(help))\"" }
            if column.numeric { attributes += " class=\"num\"" }
            out += "<th scope=\"col\"\(attributes) tabindex=\"0\">\(HTMLText.escape(column.title))</th>"
        }
        out += "</tr></thead>\n<tbody>\n"
        for row in rows {
            out += "<tr"
            if let id = row.id { out += " id=\"\(HTMLText.escape(id))\"" }
            for (key, value) in row.data { out += " data-\(key)=\"\(HTMLText.escape(value))\"" }
            out += ">"
            for (index, cell) in row.cells.enumerated() {
                let numeric = index < columns.count && columns[index].numeric
                out += numeric ? "<td class=\"num\"" : "<td"
                if numeric { out += " data-value=\"\(cell.value.map(HTMLText.value) ?? "")\"" }
                out += ">"
                let text = HTMLText.escape(cell.text)
                if let link = cell.link {
                    out += "<a href=\"\(HTMLText.escape(link))\">\(text)</a>"
                } else {
                    out += text
                }
                out += "</td>"
            }
            out += "</tr>\n"
        }
        out += "</tbody>\n</table>\n"
        return out
    }
}
