/* gongkai review pages: cell <-> finding <-> source linking, upload niceties, charts.
   Loaded from this server only (the CSP forbids inline script); data comes from
   <script type="application/json"> blocks, which browsers never execute. */
(function () {
  "use strict";

  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function cellId(path) { return "c-" + path.replace(/\./g, "-"); }

  /* --- upload form ----------------------------------------------------------------------- */
  function initUpload() {
    $all("form.upload").forEach(function (form) {
      var drop = form.querySelector(".drop");
      var input = form.querySelector("input[type=file]");
      var button = form.querySelector("button[type=submit]");
      if (drop && input) {
        ["dragenter", "dragover"].forEach(function (ev) {
          drop.addEventListener(ev, function (e) { e.preventDefault(); drop.classList.add("over"); });
        });
        ["dragleave", "drop"].forEach(function (ev) {
          drop.addEventListener(ev, function (e) { e.preventDefault(); drop.classList.remove("over"); });
        });
        drop.addEventListener("drop", function (e) {
          if (e.dataTransfer && e.dataTransfer.files.length) {
            input.files = e.dataTransfer.files;
            form.requestSubmit ? form.requestSubmit() : form.submit();
          }
        });
        input.addEventListener("change", function () {
          var strong = drop.querySelector("strong");
          if (input.files.length && strong) strong.textContent = input.files[0].name;
        });
      }
      form.addEventListener("submit", function () {
        if (button) { button.disabled = true; button.textContent = button.dataset.busy || button.textContent; }
      });
    });
  }

  /* --- check page: select a cell ---------------------------------------------------------- */
  function clearSelection() {
    $all(".sel, .sel-weak").forEach(function (el) { el.classList.remove("sel", "sel-weak"); });
    $all("tr.finding.active").forEach(function (el) { el.classList.remove("active"); });
  }

  function scrollSourceTo(el) {
    var box = document.getElementById("source");
    if (!box || !el) return;
    var offset = el.getBoundingClientRect().top - box.getBoundingClientRect().top;
    box.scrollTop = Math.max(0, box.scrollTop + offset - box.clientHeight / 3);
  }

  function selectCell(td, scrollPage) {
    if (!td) return;
    clearSelection();
    td.classList.add("sel");
    var path = td.getAttribute("data-path");
    var lineNo = td.getAttribute("data-line");
    if (lineNo) {
      var line = document.getElementById("L" + lineNo);
      if (line) {
        var marks = $all("mark.sc", line).filter(function (m) {
          return (" " + m.getAttribute("data-cells") + " ").indexOf(" " + path + " ") >= 0;
        });
        marks.forEach(function (m) { m.classList.add("sel"); });
        // a long line (a crawled page flattened to one line) is only tinted; its mark carries the eye
        line.classList.add(marks.length && line.textContent.length > 300 ? "sel-weak" : "sel");
        scrollSourceTo(marks.length ? marks[0] : line);
      }
    }
    $all("tr.finding").forEach(function (tr) {
      var cells = (tr.getAttribute("data-cells") || "").split(" ");
      if (cells.indexOf(path) >= 0) tr.classList.add("active");
    });
    if (scrollPage) td.scrollIntoView({ block: "center", behavior: "auto" });
  }

  function initCheckPage() {
    $all("td.v").forEach(function (td) {
      td.addEventListener("click", function (e) {
        if (e.target.closest("a.cv")) e.preventDefault();
        selectCell(td, false);
      });
    });
    $all("a.goto").forEach(function (a) {
      a.addEventListener("click", function (e) {
        var cells = (a.getAttribute("data-cells") || "").split(" ").filter(Boolean);
        if (!cells.length) return; // a table anchor: let the browser jump
        e.preventDefault();
        var first = document.getElementById(cellId(cells[0]));
        selectCell(first, true);
        cells.forEach(function (p) {
          var td = document.getElementById(cellId(p));
          if (td) { td.classList.remove("flash"); void td.offsetWidth; td.classList.add("flash"); }
        });
        var row = a.closest("tr.finding");
        if (row) row.classList.add("active");
      });
    });
    $all("mark.sc").forEach(function (m) {
      m.addEventListener("click", function () {
        var first = (m.getAttribute("data-cells") || "").split(" ")[0];
        if (first) selectCell(document.getElementById(cellId(first)), true);
      });
    });
  }

  /* --- charts ------------------------------------------------------------------------------- */
  var PALETTE = ["#2563a8", "#e07b39", "#3f9b5a", "#c94a4a", "#8a63c2", "#2ea3a3", "#c2a13a", "#7d8794",
                 "#d66fa5", "#5a7d2a", "#4a4fb5", "#a0522d"];

  function chartOption(spec, animate) {
    var horizontal = spec.kind === "hbar";
    var stacked = spec.kind === "stacked";
    var line = spec.kind === "line";
    var category = { type: "category", data: spec.categories, axisLabel: { interval: 0, hideOverlap: true } };
    var value = { type: "value", minInterval: 1 };
    return {
      animation: animate,
      color: PALETTE,
      textStyle: { fontFamily: "Noto Sans CJK SC, Microsoft YaHei, sans-serif" },
      tooltip: { trigger: horizontal ? "item" : "axis", confine: true },
      legend: spec.series.length > 1 ? { type: "plain", top: 0, itemWidth: 14, itemHeight: 9, itemGap: 10,
                                         textStyle: { fontSize: 11 } } : undefined,
      grid: { left: horizontal ? 190 : 48, right: 24, top: spec.series.length > 4 ? 58 : (spec.series.length > 1 ? 34 : 14),
              bottom: 30, containLabel: !horizontal },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? Object.assign({}, category, { inverse: true }) : value,
      series: spec.series.map(function (s) {
        var asLine = line || s.kind === "line";
        return {
          name: s.name, type: asLine ? "line" : "bar", data: s.data,
          stack: stacked && !asLine ? "total" : undefined, z: asLine ? 5 : 2,
          smooth: false, symbolSize: 7, connectNulls: false,
          barMaxWidth: 42, emphasis: { focus: "series" },
          itemStyle: s.color ? { color: s.color } : undefined, lineStyle: s.color ? { color: s.color } : undefined,
          label: horizontal ? { show: true, position: "right" } : undefined
        };
      })
    };
  }

  function initCharts() {
    var holder = document.getElementById("chart-data");
    if (!holder || typeof echarts === "undefined") return;
    var specs;
    try { specs = JSON.parse(holder.textContent); } catch (e) { return; }
    var animate = document.body.getAttribute("data-chart-animation") !== "off";
    var charts = [];
    specs.forEach(function (spec) {
      var el = document.getElementById("chart-" + spec.id);
      if (!el) return;
      var chart = echarts.init(el, null, { renderer: "canvas" });
      chart.on("finished", function () { el.setAttribute("data-rendered", "yes"); });
      chart.setOption(chartOption(spec, animate));
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  function init() {
    initUpload();
    initCheckPage();
    initCharts();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
  document.addEventListener("htmx:afterSwap", function () { initUpload(); });
})();
