/* The partner portal's enterprise ledger charts, drawn with the platform's own plotly.js from the
   figures rendered into the page: daily reductions stacked by scenario, and daily records stacked
   by result. The table below the charts holds the same figures for reading without script. */
(function () {
  "use strict";
  var source = document.getElementById("ledger-data");
  if (!source || !window.Plotly) { return; }
  var data = JSON.parse(source.textContent);
  var days = Array.from(new Set(data.days.map(function (row) { return row.day; }))).sort();
  var STATUS_COLOURS = { accepted: "#17663a", duplicate: "#78909c", pending: "#c98a00", rejected: "#a11a1a" };
  var PALETTE = ["#17663a", "#2e86ab", "#c98a00", "#8e44ad", "#d35400", "#16a085", "#7f8c8d", "#c0392b"];
  var layout = {
    barmode: "stack", margin: { l: 60, r: 10, t: 10, b: 60 }, legend: { orientation: "h", y: -0.25 },
    paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)", font: { size: 13 },
    xaxis: { type: "category", tickvals: days, ticktext: days.map(function (day) { return day.slice(5); }) }
  };
  var config = { displayModeBar: false, responsive: true };

  function series(pick) {
    var byDay = {};
    data.days.forEach(function (row) { byDay[row.day] = (byDay[row.day] || 0) + pick(row); });
    return days.map(function (day) { return byDay[day] || 0; });
  }

  var scenarios = Array.from(new Set(data.days.map(function (row) { return row.scenario; })));
  window.Plotly.newPlot("chart-reduction", scenarios.map(function (scenario, n) {
    return {
      type: "bar", name: data.scenarios[scenario] || scenario, x: days,
      y: series(function (row) { return row.scenario === scenario ? row.reduction_mg / 1000000 : 0; }),
      marker: { color: PALETTE[n % PALETTE.length] }
    };
  }), Object.assign({}, layout, { yaxis: { title: { text: data.kg }, rangemode: "tozero" } }), config);

  window.Plotly.newPlot("chart-status", Object.keys(STATUS_COLOURS).map(function (status) {
    return {
      type: "bar", name: data.statuses[status], x: days,
      y: series(function (row) { return row[status]; }), marker: { color: STATUS_COLOURS[status] }
    };
  }), Object.assign({}, layout, { yaxis: { title: { text: data.records }, rangemode: "tozero" } }), config);
}());
