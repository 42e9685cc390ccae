// The operator console's report page: the daily reductions chart, from the page's JSON data.
(function () {
  var target = document.getElementById("daily-chart");
  if (!window.Plotly || !target) { return; }
  var days = JSON.parse(document.getElementById("daily-data").textContent);
  window.Plotly.newPlot(target, [{
    type: "bar",
    x: days.map(function (d) { return d.day; }),
    y: days.map(function (d) { return d.reduction_kg; }),
    marker: { color: "#17663a" },
    hovertemplate: "%{x}: %{y:,.3f} kg<extra></extra>"
  }], {
    height: 280,
    margin: { t: 10, r: 10, b: 50, l: 60 },
    yaxis: { title: { text: "kg CO2e" }, rangemode: "tozero" }
  }, { displayModeBar: false, responsive: true });
})();
