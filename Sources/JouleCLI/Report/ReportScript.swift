/// The report's hand-written script: sorting tables by a clicked header, filters that hide table
/// rows (and their chart points), and the tooltip that shows a chart point's design.
enum ReportScript {
    static let javaScript = #"""
        (function () {
          "use strict";
          var each = function (list, f) { Array.prototype.forEach.call(list, f); };

          // Sorting: a header click sorts by that column, a second click reverses; blanks go last.
          function sortBy(table, index, th) {
            var numeric = th.getAttribute("data-type") === "number";
            var ascending = th.getAttribute("aria-sort") !== "ascending";
            var body = table.tBodies[0];
            var rows = Array.prototype.slice.call(body.rows);
            var key = function (row) {
              var cell = row.cells[index];
              if (!cell) { return null; }
              if (numeric) {
                var text = cell.getAttribute("data-value");
                var number = text === null || text === "" ? NaN : Number(text);
                return isNaN(number) ? null : number;
              }
              return cell.textContent;
            };
            rows.sort(function (a, b) {
              var x = key(a), y = key(b);
              if (x === null || y === null) { return x === y ? 0 : (x === null ? 1 : -1); }
              var order = numeric ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true });
              return ascending ? order : -order;
            });
            rows.forEach(function (row) { body.appendChild(row); });
            each(th.parentNode.cells, function (other) { other.removeAttribute("aria-sort"); });
            th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
          }
          each(document.querySelectorAll("table.sortable"), function (table) {
            each(table.tHead.rows[0].cells, function (th, index) {
              th.addEventListener("click", function () { sortBy(table, index, th); });
              th.addEventListener("keydown", function (event) {
                if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sortBy(table, index, th); }
              });
            });
          });

          // Chart points by the id of the table row they stand for.
          var marks = {};
          each(document.querySelectorAll("figure.interactive [data-id]"), function (mark) {
            var id = mark.getAttribute("data-id");
            (marks[id] = marks[id] || []).push(mark);
            each(mark.querySelectorAll("title"), function (title) { title.parentNode.removeChild(title); });
          });

          // Filters: a row stays when it passes every filled-in bound, text and checkbox.
          function applyFilters(panel) {
            var table = document.getElementById(panel.getAttribute("data-table"));
            if (!table) { return; }
            var headers = table.tHead.rows[0].cells;
            var bounds = [];
            each(panel.querySelectorAll("input[data-bound]"), function (input) {
              var text = input.value.trim();
              if (text === "") { input.removeAttribute("aria-invalid"); return; }
              var limit = Number(text);
              if (isNaN(limit)) { input.setAttribute("aria-invalid", "true"); return; }
              input.removeAttribute("aria-invalid");
              each(headers, function (th, index) {
                if (th.getAttribute("data-key") === input.getAttribute("data-key")) {
                  bounds.push({ index: index, limit: limit, min: input.getAttribute("data-bound") === "min" });
                }
              });
            });
            var texts = [];
            each(panel.querySelectorAll("input[data-text]"), function (input) {
              if (input.value.trim() !== "") { texts.push(input.value.trim().toLowerCase()); }
            });
            var required = [];
            each(panel.querySelectorAll("input[data-require]"), function (input) {
              if (input.checked) { required.push(input.getAttribute("data-require")); }
            });
            var shown = 0;
            each(table.tBodies[0].rows, function (row) {
              var keep = bounds.every(function (bound) {
                var text = row.cells[bound.index] ? row.cells[bound.index].getAttribute("data-value") : "";
                if (text === null || text === "") { return false; }
                var value = Number(text);
                return bound.min ? value >= bound.limit : value <= bound.limit;
              });
              keep = keep && texts.every(function (text) { return row.textContent.toLowerCase().indexOf(text) >= 0; });
              keep = keep && required.every(function (name) { return row.getAttribute("data-" + name) === "true"; });
              row.classList.toggle("filtered", !keep);
              if (keep) { shown += 1; }
              var id = row.getAttribute("data-point");
              if (id !== null && marks[id]) {
                marks[id].forEach(function (mark) { mark.classList.toggle("filtered", !keep); });
              }
            });
            var count = panel.querySelector(".count");
            if (count) { count.textContent = shown + " of " + table.tBodies[0].rows.length + " rows shown"; }
          }
          each(document.querySelectorAll(".filters"), function (panel) {
            panel.addEventListener("input", function () { applyFilters(panel); });
            panel.addEventListener("change", function () { applyFilters(panel); });
            var reset = panel.querySelector("button[data-reset]");
            if (reset) {
              reset.addEventListener("click", function () {
                each(panel.querySelectorAll("input"), function (input) {
                  if (input.type === "checkbox") { input.checked = false; } else { input.value = ""; }
                });
                applyFilters(panel);
              });
            }
            applyFilters(panel);
          });

          // The tooltip: a point's design (axis values) and metrics, read from its table row.
          var tip = document.getElementById("tooltip");
          function line(parent, className, text) {
            var div = document.createElement("div");
            div.className = className;
            div.textContent = text;
            parent.appendChild(div);
          }
          function describe(row) {
            while (tip.firstChild) { tip.removeChild(tip.firstChild); }
            var headers = row.closest("table").tHead.rows[0].cells;
            line(tip, "tip-title", "point " + row.getAttribute("data-point"));
            ["axis", "metric"].forEach(function (role) {
              line(tip, "tip-group", role === "axis" ? "design" : "metrics");
              each(headers, function (th, index) {
                if (th.getAttribute("data-role") === role && row.cells[index]) {
                  line(tip, "tip-row", th.textContent + " = " + row.cells[index].textContent);
                }
              });
            });
            var state = row.getAttribute("data-front") === "true" ? "on the Pareto front"
              : (row.getAttribute("data-feasible") === "true" ? "feasible" : "infeasible");
            line(tip, "tip-group", state + " · click for its row");
          }
          function rowFor(mark) {
            var id = mark.getAttribute("data-id");
            return document.getElementById("point-" + id);
          }
          each(document.querySelectorAll("figure.interactive"), function (figure) {
            figure.addEventListener("mouseover", function (event) {
              var mark = event.target.closest("[data-id]");
              var row = mark && rowFor(mark);
              if (!row) { return; }
              describe(row);
              tip.hidden = false;
              tip.style.left = (event.pageX + 14) + "px";
              tip.style.top = (event.pageY + 14) + "px";
            });
            figure.addEventListener("mouseout", function (event) {
              if (event.target.closest("[data-id]")) { tip.hidden = true; }
            });
            figure.addEventListener("click", function (event) {
              var mark = event.target.closest("[data-id]");
              var row = mark && rowFor(mark);
              if (!row) { return; }
              each(document.querySelectorAll("tr.highlight"), function (other) { other.classList.remove("highlight"); });
              row.classList.add("highlight");
              row.scrollIntoView({ block: "center" });
              if (history.replaceState) { history.replaceState(null, "", "#" + row.id); }
            });
          });
          // A menu of Pareto charts shows the one chosen.
          each(document.querySelectorAll("select[data-charts]"), function (select) {
            select.addEventListener("change", function () {
              each(select.options, function (option) {
                var figure = document.getElementById(option.value);
                if (figure) { figure.hidden = option.value !== select.value; }
              });
            });
          });
          // A link to a row (#point-3) highlights it.
          function highlightTarget() {
            var row = location.hash.length > 1 ? document.getElementById(location.hash.slice(1)) : null;
            if (row && row.tagName === "TR") { row.classList.add("highlight"); }
          }
          window.addEventListener("hashchange", highlightTarget);
          highlightTarget();
        })();
        """#
}
