/* 统计图表: draw each chart from the figures the page hands over in
   <script type="application/json" id="dashboard-data"> (data, never executed, so the Content-Security-Policy
   allows it) with the local ECharts. Every chart's numbers are also in the table below it. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof echarts === "undefined") { return; }
  var charts = JSON.parse(source.textContent).charts;

  function axisOptions(chart) {
    var many = chart.labels.length > 12;
    return {
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { top: 4 },
      grid: { left: 16, right: 16, top: 40, bottom: many ? 36 : 16, containLabel: true },
      xAxis: {
        type: "category",
        data: chart.labels,
        axisLabel: { interval: many ? "auto" : 0, rotate: chart.labels.length > 6 ? 30 : 0, width: 96, overflow: "truncate" }
      },
      yAxis: { type: "value", name: chart.unit, max: chart.unit === "%" ? 100 : null },
      dataZoom: many ? [{ type: "inside" }, { type: "slider", height: 16, bottom: 6 }] : [],
      series: chart.series.map(function (s) {
        return { name: s.name, type: chart.kind, data: s.data, connectNulls: true };
      })
    };
  }

  function pieOptions(chart) {
    var values = chart.series[0].data;
    return {
      tooltip: { trigger: "item", renderMode: "richText" },
      legend: { type: "scroll", bottom: 0 },
      series: [{
        name: chart.series[0].name,
        type: "pie",
        radius: ["35%", "65%"],
        data: chart.labels.map(function (label, i) { return { name: label, value: values[i] }; })
      }]
    };
  }

  charts.forEach(function (chart) {
    var box = document.getElementById("chart-" + chart.key);
    if (!box || chart.labels.length === 0) { return; }
    var drawn = echarts.init(box, null, { renderer: "canvas" });
    drawn.setOption(chart.kind === "pie" ? pieOptions(chart) : axisOptions(chart));
    window.addEventListener("resize", function () { drawn.resize(); });
  });
})();
