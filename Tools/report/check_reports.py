#!/usr/bin/env python3
"""Opens `joule report` pages in headless Chromium and checks what a reader does with them.

  check_reports.py --eval EVAL.html --sweep SWEEP.html --points DIR/points.csv [--sweep ... --points ...]
                   --out DIR [--chromium PATH] [--docs-screenshot docs/report.png]

For each page: no console errors or warnings, no uncaught exceptions; clicking a numeric
column's header sorts the table (ascending, then descending). For the eval page: typing in the
operator filter keeps exactly the rows that contain the text. For the sweep page: resting the
pointer on a Pareto point shows that point's axis values (checked against points.csv, read here
with the csv module), clicking it selects its row, and a max filter hides exactly the rows (and
points) above the bound; with several Pareto charts, the menu shows each alone and its points
hover too. A screenshot of each page is decoded (PNG, zlib) and must not be blank.
Exits 1 with a list of failures.
"""
import argparse
import base64
import csv
import os
import pathlib
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cdp  # noqa: E402
import png  # noqa: E402

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL:", message)
    return condition


def open_page(browser, path):
    browser.events.clear()
    browser.call("Page.navigate", url=pathlib.Path(path).resolve().as_uri())
    browser.wait_for("Page.loadEventFired")
    time.sleep(0.2)


def console_problems(browser):
    """Console errors and warnings, uncaught exceptions and browser log errors seen so far."""
    browser.evaluate("0")  # drain the events that arrived
    problems = []
    for event in browser.events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert", "warning"):
            problems.append("console." + params["type"] + ": "
                            + " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            problems.append("exception: " + str(details.get("exception", {}).get("description", details.get("text"))))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") in ("error", "warning"):
            entry = params["entry"]
            problems.append(f"log {entry.get('level')}: {entry.get('text')} {entry.get('url', '')}")
    return problems


def center(browser, selector, scroll=True):
    """Scrolls an element into view (unless it is in view already and scroll is False) and
    returns its centre in viewport pixels."""
    rect = browser.evaluate(
        f"(function(){{var e=document.querySelector({selector!r}); if(!e) return null;"
        "var r=e.getBoundingClientRect();"
        f"if({'true' if scroll else 'false'} || r.top < 0 || r.bottom > innerHeight) e.scrollIntoView({{block:'center'}});"
        "r=e.getBoundingClientRect();"
        "return {x:r.left+r.width/2, y:r.top+r.height/2, w:r.width, h:r.height};})()")
    return rect


def click(browser, x, y):
    browser.call("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y)
    browser.call("Input.dispatchMouseEvent", type="mousePressed", x=x, y=y, button="left", clickCount=1)
    browser.call("Input.dispatchMouseEvent", type="mouseReleased", x=x, y=y, button="left", clickCount=1)


def column_values(browser, table, key):
    return browser.evaluate(
        f"(function(){{var t=document.getElementById({table!r});"
        "var i=Array.prototype.findIndex.call(t.tHead.rows[0].cells,function(h){"
        f"return h.getAttribute('data-key')==={key!r}}});"
        "return Array.prototype.map.call(t.tBodies[0].rows,function(r){"
        "var v=r.cells[i].getAttribute('data-value'); return v===''?null:Number(v)});})()")


def check_sorting(browser, table, key, label):
    before = column_values(browser, table, key)
    if not check(before and len(before) > 1, f"{label}: table {table} has rows in column {key}"):
        return
    known = [v for v in before if v is not None]
    check(known != sorted(known), f"{label}: column {key} is not already ascending (else the test proves nothing)")
    header = f"#{table} th[data-key='{key}']"
    for direction in ("ascending", "descending"):
        spot = center(browser, header)
        if not check(spot, f"{label}: header {key} found"):
            return
        click(browser, spot["x"], spot["y"])
        after = column_values(browser, table, key)
        known = [v for v in after if v is not None]
        expected = sorted(known, reverse=direction == "descending")
        check(known == expected, f"{label}: clicking {key} sorts it {direction}")
        check(all(v is None for v in after[len(known):]), f"{label}: blank cells sort last ({direction})")
        state = browser.evaluate(f"document.querySelector({header!r}).getAttribute('aria-sort')")
        check(state == direction, f"{label}: header {key} says aria-sort={direction}, not {state}")


def screenshot(browser, path, label):
    data = base64.b64decode(browser.call("Page.captureScreenshot", format="png")["data"])
    pathlib.Path(path).write_bytes(data)
    mean, variance, inked, colours = png.brightness_stats(data)
    print(f"{label}: screenshot {path}: mean {mean:.0f}, variance {variance:.0f}, "
          f"{100 * inked:.1f}% ink, {colours} colours")
    check(variance > 100 and inked > 0.02 and colours > 16,
          f"{label}: the screenshot is not blank (variance {variance:.0f}, ink {inked:.3f}, colours {colours})")
    return data


def check_eval(browser, path, out):
    open_page(browser, path)
    check(browser.evaluate("document.querySelectorAll('#operator-table tbody tr').length") > 0,
          "eval: the operator table has rows")
    check(browser.evaluate("document.querySelectorAll('#roofline-chart svg .operator').length") > 0,
          "eval: the roofline shows operators")
    check(browser.evaluate("document.querySelectorAll('#breakdown-chart svg .bar-segment').length") > 0,
          "eval: the breakdown shows bars")
    check_sorting(browser, "operator-table", "energy_j", "eval")

    # Typing in the text filter keeps exactly the operators whose row contains the text.
    browser.evaluate("document.querySelector(\"input[data-text='name']\").focus()")
    browser.call("Input.insertText", text="ffn_down")
    shown = browser.evaluate(
        "Array.prototype.map.call(document.querySelectorAll('#operator-table tbody tr'),"
        "function(r){return [r.classList.contains('filtered'), r.textContent.toLowerCase()]})")
    kept = [text for hidden, text in shown if not hidden]
    dropped = [text for hidden, text in shown if hidden]
    check(kept and all("ffn_down" in text for text in kept), "eval: the text filter keeps only matching rows")
    check(dropped and not any("ffn_down" in text for text in dropped), "eval: the text filter hides only the others")
    browser.evaluate("document.querySelector('.filters button[data-reset]').click()")
    browser.evaluate("window.scrollTo(0,0)")
    screenshot(browser, os.path.join(out, "report-eval.png"), "eval")
    for problem in console_problems(browser):
        check(False, "eval: " + problem)


def check_sweep(browser, path, points_csv, out, docs_screenshot, label="sweep"):
    with open(points_csv, newline="") as handle:
        rows = list(csv.DictReader(handle))
    header = list(rows[0].keys())
    keys = header[1:header.index("feasible")]
    by_id = {row["id"]: row for row in rows}
    os.makedirs(out, exist_ok=True)
    open_page(browser, path)
    check(browser.evaluate("document.querySelectorAll('#point-table tbody tr').length") == len(rows),
          f"{label}: the table has a row per point ({len(rows)})")
    check_sorting(browser, "point-table", "latency_s", label)

    # Hover a front point: the tooltip names its axis values as points.csv has them.
    browser.evaluate("document.getElementById('pareto').scrollIntoView()")
    mark = center(browser, "#pareto-chart svg .front[data-id]", scroll=False)
    if check(mark, f"{label}: the Pareto chart has a front point"):
        point = browser.evaluate("document.querySelector('#pareto-chart svg .front[data-id]').getAttribute('data-id')")
        browser.call("Input.dispatchMouseEvent", type="mouseMoved", x=mark["x"], y=mark["y"])
        tip = browser.evaluate("(function(){var t=document.getElementById('tooltip');"
                               "return {hidden:t.hidden, text:t.innerText};})()")
        check(not tip["hidden"], f"{label}: hovering a Pareto point shows the tooltip")
        for key in keys:
            expected = f"{key} = {by_id[point][key]}"
            check(expected in tip["text"], f"{label}: the tooltip of point {point} shows '{expected}': {tip['text']!r}")
        if docs_screenshot:
            shot = screenshot(browser, os.path.join(out, "report-sweep-hover.png"), label + " (hover)")
            os.makedirs(os.path.dirname(docs_screenshot) or ".", exist_ok=True)
            pathlib.Path(docs_screenshot).write_bytes(shot)
            print(f"wrote {docs_screenshot}")
        click(browser, mark["x"], mark["y"])
        selected = browser.evaluate("(function(){var r=document.querySelector('tr.highlight');"
                                    "return r?r.id:null;})()")
        check(selected == f"point-{point}", f"{label}: clicking point {point} selects its row (got {selected})")
        browser.call("Input.dispatchMouseEvent", type="mouseMoved", x=1, y=1)

    # A max filter hides the rows (and their points) above the bound, and no others.
    latencies = sorted(float(row["latency_s"]) for row in rows if row["latency_s"])
    bound = latencies[len(latencies) // 2]
    expected_hidden = {row["id"] for row in rows if not row["latency_s"] or float(row["latency_s"]) > bound}
    browser.evaluate(
        "(function(){var i=document.querySelector(\"input[data-bound='max'][data-key='latency_s']\");"
        f"i.value={repr(repr(bound))}; i.dispatchEvent(new Event('input', {{bubbles:true}}));}})()")
    hidden_rows = set(browser.evaluate(
        "Array.prototype.map.call(document.querySelectorAll('#point-table tr.filtered'),"
        "function(r){return r.getAttribute('data-point')})"))
    check(hidden_rows == expected_hidden,
          f"{label}: latency_s <= {bound} hides rows {sorted(expected_hidden)}, hid {sorted(hidden_rows)}")
    hidden_marks = set(browser.evaluate(
        "Array.prototype.map.call(document.querySelectorAll('#pareto-chart [data-id].filtered'),"
        "function(m){return m.getAttribute('data-id')})"))
    drawn = set(browser.evaluate(
        "Array.prototype.map.call(document.querySelectorAll('#pareto-chart [data-id]'),"
        "function(m){return m.getAttribute('data-id')})"))
    check(hidden_marks == expected_hidden & drawn, f"{label}: the filter hides the same points in the chart")
    browser.evaluate("document.querySelector('.filters button[data-reset]').click()")
    check(browser.evaluate("document.querySelectorAll('#point-table tr.filtered').length") == 0,
          f"{label}: clear shows every row again")

    # With several Pareto charts, the menu shows the chosen one only, and its points hover too.
    options = browser.evaluate(
        "Array.prototype.map.call(document.querySelectorAll('select[data-charts] option'),function(o){return o.value})")
    for option in options or []:
        browser.evaluate(
            "(function(){var s=document.querySelector('select[data-charts]');"
            f"s.value={option!r}; s.dispatchEvent(new Event('change', {{bubbles:true}}));}})()")
        visible = browser.evaluate(
            "Array.prototype.filter.call(document.querySelectorAll('figure.interactive'),"
            "function(f){return f.getBoundingClientRect().height>0}).map(function(f){return f.id})")
        check(visible == [option], f"{label}: choosing chart {option} shows it alone (shown: {visible})")
        selector = f"#{option} svg .front[data-id]"
        mark = center(browser, selector)
        if check(mark, f"{label}: chart {option} has a front point"):
            point = browser.evaluate(f"document.querySelector({selector!r}).getAttribute('data-id')")
            browser.call("Input.dispatchMouseEvent", type="mouseMoved", x=mark["x"], y=mark["y"])
            tip = browser.evaluate("(function(){var t=document.getElementById('tooltip');"
                                   "return t.hidden ? null : t.innerText;})()")
            text = tip or ""
            check(tip is not None and all(f"{key} = {by_id[point][key]}" in text for key in keys),
                  f"{label}: hovering point {point} in {option} shows its axis values: {text!r}")
            browser.call("Input.dispatchMouseEvent", type="mouseMoved", x=1, y=1)
    if options:
        browser.evaluate(
            "(function(){var s=document.querySelector('select[data-charts]');"
            f"s.value={options[0]!r}; s.dispatchEvent(new Event('change', {{bubbles:true}}));}})()")

    browser.evaluate("document.getElementById('pareto').scrollIntoView()")
    screenshot(browser, os.path.join(out, "report-sweep.png"), label)
    for problem in console_problems(browser):
        check(False, f"{label}: " + problem)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", required=True)
    parser.add_argument("--sweep", required=True, action="append", help="a sweep page (repeatable)")
    parser.add_argument("--points", required=True, action="append", help="its sweep's points.csv, in --sweep order")
    parser.add_argument("--out", required=True, help="folder for the screenshots")
    parser.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser"))
    parser.add_argument("--docs-screenshot", help="also save the sweep page, a point hovered, here")
    arguments = parser.parse_args()
    if not arguments.chromium:
        print("no chromium found (Debian: apt-get install chromium)", file=sys.stderr)
        return 1
    os.makedirs(arguments.out, exist_ok=True)
    start = time.time()
    browser = cdp.Browser(arguments.chromium)
    try:
        browser.call("Emulation.setDeviceMetricsOverride", width=1200, height=900, deviceScaleFactor=1, mobile=False)
        for domain in ("Page", "Runtime", "Log"):
            browser.call(domain + ".enable")
        check_eval(browser, arguments.eval, arguments.out)
        if len(arguments.sweep) != len(arguments.points):
            parser.error("give one --points per --sweep")
        for index, (page, points) in enumerate(zip(arguments.sweep, arguments.points)):
            name = os.path.splitext(os.path.basename(page))[0]
            check_sweep(browser, page, points, os.path.join(arguments.out, name),
                        arguments.docs_screenshot if index == 0 else None, label=name)
    finally:
        browser.quit()
    print(f"browser checks: {len(failures)} failures in {time.time() - start:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
