/// The report's style sheet: readable tables, charts that shrink with the window, a tooltip.
enum ReportStyle {
    static let css = """
        body { font-family: Helvetica, Arial, 'DejaVu Sans', sans-serif; color: #222; margin: 0; background: #fafafa; }
        header, main, footer { max-width: 1400px; margin: 0 auto; padding: 0 20px; }
        header { padding-top: 16px; }
        h1 { font-size: 22px; margin: 8px 0; }
        h2 { font-size: 18px; border-bottom: 1px solid #ddd; padding-bottom: 4px; margin-top: 28px; }
        p.meta { margin: 2px 0; color: #555; font-size: 14px; }
        nav { margin: 10px 0; font-size: 14px; }
        a { color: #1f5fa8; }
        section { background: white; border: 1px solid #e4e4e4; border-radius: 4px; padding: 4px 16px 16px; margin: 16px 0; }
        .cards { display: flex; flex-wrap: wrap; gap: 10px; }
        .card { border: 1px solid #ddd; border-radius: 4px; padding: 8px 12px; min-width: 150px; background: #fcfcfc; }
        .card .label { font-size: 12px; color: #666; }
        .card .value { font-size: 18px; font-weight: bold; }
        .warnings { color: #8a4b00; font-size: 14px; }
        figure.chart { margin: 12px 0; }
        figure.chart svg { width: 100%; max-width: 800px; height: auto; display: block; }
        figcaption { font-size: 13px; color: #555; }
        .breakdowns { display: flex; flex-wrap: wrap; gap: 24px; }
        table { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
        caption { text-align: left; font-weight: bold; padding: 4px 0; }
        th, td { padding: 3px 8px; border-bottom: 1px solid #eee; text-align: left; white-space: nowrap; }
        th.num, td.num { text-align: right; }
        table.sortable th { cursor: pointer; user-select: none; background: #f0f0f0; }
        .scroll table.sortable th { position: sticky; top: 0; }
        table.sortable th:hover { background: #e2e8f0; }
        th[aria-sort=ascending]::after { content: " \\25B2"; font-size: 10px; }
        th[aria-sort=descending]::after { content: " \\25BC"; font-size: 10px; }
        .scroll { max-height: 640px; overflow: auto; border: 1px solid #eee; }
        tr.highlight td { background: #fff3b0; }
        tr[data-front=true] td:first-child { font-weight: bold; }
        td .share { display: inline-block; height: 10px; background: #4e79a7; vertical-align: middle; margin-right: 6px; }
        .filters { display: flex; flex-wrap: wrap; gap: 8px 18px; align-items: flex-end; font-size: 13px; margin: 8px 0; }
        .filters label { display: flex; flex-direction: column; gap: 2px; }
        .filters input[type=number], .filters input[type=text] { width: 110px; }
        .filters .range { display: flex; gap: 4px; }
        .count { font-size: 13px; color: #555; }
        .filtered { display: none; }
        .tooltip { position: absolute; z-index: 10; background: white; border: 1px solid #888; border-radius: 4px;
          padding: 6px 8px; font-size: 12px; box-shadow: 0 2px 6px rgba(0,0,0,0.2); pointer-events: none; max-width: 420px; }
        .tooltip .tip-title { font-weight: bold; margin-bottom: 3px; }
        .tooltip .tip-group { color: #666; margin-top: 3px; }
        svg [data-id] { cursor: pointer; }
        footer { font-size: 12px; color: #777; padding: 12px 20px 24px; }
        """
}
