// Draws the dashboards from the JSON the page carries (no request of its own).
(function () {
  const COLOURS = ["#c8161d", "#d89e00", "#1456c7", "#1f8f4e", "#8a5cd1", "#646a73", "#e66f00"];
  const LEVEL_COLOURS = { yellow: "#d89e00", red: "#c8161d" };
  const charts = [];

  function empty(el, text) {
    el.classList.add("empty");
    return { title: { text: text, left: "center", top: "middle", textStyle: { color: "#646a73", fontSize: 14 } } };
  }

  function bars(el, data, options) {
    const opts = options || {};
    const chart = echarts.init(el, null, { renderer: "canvas" });
    charts.push(chart);
    if (!data.categories.length) {
      chart.setOption(empty(el, "暂无数据"));
      return chart;
    }
    const series = data.series.map((s, i) => {
      const item = { name: s.name, type: "bar", data: s.data, stack: opts.stack ? "all" : undefined,
        itemStyle: { color: s.level ? LEVEL_COLOURS[s.level] : COLOURS[i % COLOURS.length] },
        emphasis: { focus: "series" } };
      if (s.target !== undefined && s.target !== null) {
        item.markLine = { symbol: "none", data: [{ yAxis: s.target, name: "目标" }],
          label: { formatter: "目标 " + s.target + (opts.unit || "") }, lineStyle: { type: "dashed" } };
      }
      return item;
    });
    chart.setOption({
      color: COLOURS,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 16, bottom: 8, top: 40, containLabel: true },
      xAxis: { type: "category", data: data.categories, axisLabel: { interval: 0, rotate: data.categories.length > 4 ? 30 : 0 } },
      yAxis: { type: "value", max: opts.max, axisLabel: { formatter: "{value}" + (opts.unit || "") } },
      series: series,
    });
    return chart;
  }

  function draw() {
    const source = document.getElementById("dashboard-data");
    if (!source || typeof echarts === "undefined") return;
    const data = JSON.parse(source.textContent);
    const place = (id) => document.getElementById(id);
    bars(place("chart-coverage-community"), data.coverage_by_community, { stack: true });
    bars(place("chart-coverage-type"), data.coverage_by_type, { stack: true });
    bars(place("chart-workforce"), data.workforce, { unit: "%", max: 100 });
    bars(place("chart-contacts"), data.contacts, { stack: true });
    bars(place("chart-escalations"), data.escalations, { stack: true });
    bars(place("chart-commitments"), data.commitments, { stack: true });
    window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
