// Draw every chart on the page with Plotly (served by this node). Each chart's figure is in its
// data-figure attribute; a table of the same figures sits beside it for readers without scripts.
(function () {
  function draw() {
    if (!window.Plotly) { return; }
    document.querySelectorAll("div.chart[data-figure]").forEach(function (element) {
      var figure = JSON.parse(element.getAttribute("data-figure"));
      var layout = Object.assign({margin: {t: 30, r: 10, b: 40, l: 50}, autosize: true, height: 300,
                                  font: {family: "system-ui, sans-serif"}}, figure.layout || {});
      window.Plotly.newPlot(element, figure.data, layout, {displaylogo: false, responsive: true})
        .then(function () { element.setAttribute("data-drawn", "true"); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
