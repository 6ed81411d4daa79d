/* 办件统计 and 数据交换 charts: read the figures the page hands over in <script type="application/json" id="chart-data">
   (never executed, so the Content-Security-Policy allows it) and draw them with the local ECharts.
   Tooltips are drawn on the canvas (richText), since HTML tooltips would need inline styles.
   With many categories (every unit, window or item) the labels thin out and the chart can be zoomed.
   Rates that all sit near 100% (及时率, 准确率) start their axis at the lowest value (rates_min: "dataMin"). */
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var many = data.labels.length > 12;

  function draw(id, series, kind, axisName, max, min) {
    var box = document.getElementById(id);
    if (!box) { return; }
    var chart = echarts.init(box, null, { renderer: "canvas" });
    chart.setOption({
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { top: 4 },
      grid: { left: 16, right: 16, top: 40, bottom: many ? 36 : 16, containLabel: true },
      xAxis: {
        type: "category",
        data: data.labels,
        axisLabel: { interval: many ? "auto" : 0, rotate: data.labels.length > 6 ? 30 : 0, width: 96, overflow: "truncate" }
      },
      yAxis: { type: "value", name: axisName, max: max, min: min },
      dataZoom: many ? [{ type: "inside" }, { type: "slider", height: 16, bottom: 6 }] : [],
      series: series.map(function (s) {
        return { name: s.name, type: kind, data: s.data, connectNulls: true };
      })
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  draw("chart-volume", data.series.volume, "bar", "件");
  draw("chart-rates", data.series.rates, data.rates_kind, "%", 100, data.rates_min);
})();
