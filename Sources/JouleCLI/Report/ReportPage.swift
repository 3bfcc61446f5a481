/// One self-contained HTML page: a heading, sections of markup, the report's style sheet and
/// script inline. Nothing is fetched: no external scripts, styles, fonts or images.
struct ReportPage {
    /// A titled part of the page, with an id the table of contents links to.
    struct Section {
        var id: String
        var title: String
        var body: String
    }

    var title: String
    /// Lines under the title (what was evaluated, where the data came from).
    var lines: [String] = []
    var sections: [Section] = []

    /// The whole document.
    func render() -> String {
        var out = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="joule \(HTMLText.escape(jouleVersion))">
            <title>\(HTMLText.escape(title))</title>
            <style>
            \(ReportStyle.css)
            </style>
            </head>
            <body>
            <header>
            <h1>\(HTMLText.escape(title))</h1>

            """
        for line in lines { out += "<p class=\"meta\">\(HTMLText.escape(line))</p>\n" }
        out += "<nav>"
        out += sections.map { "<a href=\"#\(HTMLText.escape($0.id))\">\(HTMLText.escape($0.title))</a>" }
            .joined(separator: " · ")
        out += "</nav>\n</header>\n<main>\n"
        for section in sections {
            out += "<section id=\"\(HTMLText.escape(section.id))\">\n<h2>\(HTMLText.escape(section.title))</h2>\n"
            out += section.body
            out += "</section>\n"
        }
        out += """
            </main>
            <footer>Written by joule \(HTMLText.escape(jouleVersion)); every figure is a value the Joule library computed.</footer>
            <div id="tooltip" class="tooltip" role="tooltip" hidden></div>
            <script>
            \(ReportScript.javaScript)
            </script>
            </body>
            </html>

            """
        return out
    }
}
