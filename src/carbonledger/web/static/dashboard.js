/* The public dashboard, live: draws the figures with plotly.js (served by the platform) and
   follows /api/v1/dashboard/stream (server-sent events), redrawing numbers, tables and charts on
   each change without reloading. The page's numbers and tables are rendered by the server, so it
   reads without this script too. */
(function () {
  "use strict";
  var figures = JSON.parse(document.getElementById("dashboard-figures").textContent);
  var labels = JSON.parse(document.getElementById("dashboard-labels").textContent);
  var texts = labels.texts;
  var FLOWS = ["redeemed", "held", "donated", "spent_on_lotteries", "expired", "clawed_back", "outstanding"];
  var INK = "#e8f5ec", GRID = "#24412f", GREEN = "#3ddc84", LIGHT = "#8fe3ad", GOLD = "#f2b705";

  function grouped(value, digits) {
    return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }
  /* The same units as the server's `grams` filter: g below a kilogram, kg below a tonne, else t. */
  function mass(milligrams) {
    var grams = milligrams / 1000;
    if (Math.abs(grams) < 1000) { return grouped(grams, 1) + " g"; }
    if (Math.abs(grams) < 1000000) { return grouped(grams / 1000, 2) + " kg"; }
    return grouped(grams / 1000000, 3) + " t";
  }
  function count(value) { return grouped(value, 0); }
  function at(object, path) {
    return path.split(".").reduce(function (found, key) { return found == null ? found : found[key]; }, object);
  }
  function nameOf(kind, code) { return code ? (labels[kind][code] || code) : texts.unknown; }
  function kilograms(milligrams) { return milligrams / 1000000; }

  function setState(state) {
    var badge = document.getElementById("live-state");
    badge.dataset.state = state;
    badge.textContent = texts[state];
  }

  function updateNumbers() {
    document.querySelectorAll("[data-figure]").forEach(function (element) {
      var value = at(figures, element.dataset.figure) || 0;
      element.textContent = element.dataset.format === "mass" ? mass(value) : count(value);
    });
    document.getElementById("as-of").textContent = figures.as_of;
  }

  function updateTables() {
    document.querySelectorAll("table[data-breakdown]").forEach(function (table) {
      var kind = table.dataset.breakdown, field = table.dataset.field;
      var body = document.createElement("tbody");
      figures["by_" + field].forEach(function (row) {
        var line = body.insertRow();
        var head = document.createElement("th");
        head.scope = "row";
        head.textContent = nameOf(kind, row[field]);
        line.appendChild(head);
        var headers = table.tHead.rows[0].cells;
        [count(row.accepted), mass(row.reduction_mg), count(row.points)].forEach(function (text, n) {
          var cell = line.insertCell();
          cell.className = "num";
          cell.dataset.label = headers[n + 1].textContent;
          cell.textContent = text;
        });
      });
      table.replaceChild(body, table.tBodies[0]);
    });
  }

  function layout(extra) {
    var base = {
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)",
      font: { color: INK, size: 15 }, margin: { l: 110, r: 20, t: 10, b: 50 },
      xaxis: { gridcolor: GRID, automargin: true }, yaxis: { gridcolor: GRID, automargin: true },
      showlegend: false
    };
    return Object.assign(base, extra || {});
  }
  var CONFIG = { displayModeBar: false, responsive: true };

  function draw(id, data, extra) { window.Plotly.react(id, data, layout(extra), CONFIG); }

  function byReduction(rows, kind, field) {
    var sorted = rows.slice().sort(function (a, b) { return a.reduction_mg - b.reduction_mg; });
    return {
      names: sorted.map(function (row) { return nameOf(kind, row[field]); }),
      values: sorted.map(function (row) { return kilograms(row.reduction_mg); })
    };
  }

  function drawCharts() {
    if (!window.Plotly) { return; }
    var trend = figures.trend;
    draw("chart-trend", [
      { type: "bar", name: texts.kg, x: trend.map(function (d) { return d.day; }),
        y: trend.map(function (d) { return kilograms(d.reduction_mg); }), marker: { color: GREEN } },
      { type: "scatter", mode: "lines+markers", name: texts.records, yaxis: "y2",
        x: trend.map(function (d) { return d.day; }), y: trend.map(function (d) { return d.accepted; }),
        line: { color: GOLD, width: 3 } }
    ], {
      showlegend: true, legend: { orientation: "h", y: 1.12 }, margin: { l: 60, r: 60, t: 30, b: 50 },
      yaxis: { title: { text: texts.kg }, gridcolor: GRID, rangemode: "tozero" },
      yaxis2: { title: { text: texts.records }, overlaying: "y", side: "right", showgrid: false, rangemode: "tozero",
        tickmode: "auto" }
    });
    var scenarios = byReduction(figures.by_scenario, "scenarios", "scenario");
    draw("chart-scenario", [{ type: "bar", orientation: "h", x: scenarios.values, y: scenarios.names,
      marker: { color: GREEN }, hovertemplate: "%{y}: %{x:,.2f} kg<extra></extra>" }],
      { xaxis: { title: { text: texts.kg }, gridcolor: GRID } });
    var regions = byReduction(figures.by_region, "regions", "region");
    draw("chart-region", [{ type: "bar", x: regions.names.reverse(), y: regions.values.reverse(),
      marker: { color: LIGHT }, hovertemplate: "%{x}: %{y:,.2f} kg<extra></extra>" }],
      { yaxis: { title: { text: texts.kg }, gridcolor: GRID }, margin: { l: 60, r: 20, t: 10, b: 70 } });
    var partners = figures.by_partner.slice().sort(function (a, b) { return a.accepted - b.accepted; });
    draw("chart-partner", [{ type: "bar", orientation: "h",
      x: partners.map(function (row) { return row.accepted; }),
      y: partners.map(function (row) { return nameOf("partners", row.partner); }),
      marker: { color: GOLD }, hovertemplate: "%{y}: %{x:,}<extra></extra>" }],
      { xaxis: { title: { text: texts.records }, gridcolor: GRID } });
    var flow = figures.points;
    var shown = FLOWS.filter(function (name) { return flow[name] > 0; });
    draw("chart-flow", [{ type: "sankey", arrangement: "snap",
      node: { label: [labels.flows.issued + " " + count(flow.issued)].concat(shown.map(function (name) {
        return labels.flows[name] + " " + count(flow[name]);
      })), color: [GREEN].concat(shown.map(function () { return LIGHT; })), pad: 18, thickness: 22,
        line: { width: 0 } },
      link: { source: shown.map(function () { return 0; }),
        target: shown.map(function (_, n) { return n + 1; }),
        value: shown.map(function (name) { return flow[name]; }), color: "rgba(61,220,132,0.35)" }
    }], { margin: { l: 10, r: 10, t: 10, b: 10 } });
  }

  function update(next) {
    figures = next;
    updateNumbers();
    updateTables();
    drawCharts();
  }

  drawCharts();
  if (!window.EventSource) { return; }
  setState("connecting");
  var source = new EventSource("/api/v1/dashboard/stream");
  source.onopen = function () { setState("live"); };
  source.onmessage = function (event) { update(JSON.parse(event.data)); };
  /* The browser reconnects by itself (after the server's `retry`), and the stream then starts with
     the current figures, so nothing is missed while it was away. */
  source.onerror = function () { setState(source.readyState === EventSource.CLOSED ? "static" : "reconnecting"); };
}());
