// The elevation profile: hovering, touching or the arrow keys (it is a slider) show the place on the map and in
// the profile's mini map (what a phone shows, where the page's map has scrolled away), and read out distance and
// height.
(function () {
  "use strict";
  var figure = document.getElementById("tm-profile");
  var dataEl = document.getElementById("tm-profile-data");
  if (!figure || !dataEl) return;
  var points = JSON.parse(dataEl.textContent);
  var slider = figure.querySelector(".tm-profile-slider");
  var svg = figure.querySelector(".tm-profile-svg");
  var cursor = svg.querySelector(".tm-cursor");
  var readout = figure.querySelector(".tm-profile-readout");
  var mini = figure.querySelector(".tm-profile-mini");
  var dot = mini ? mini.querySelector(".tm-mini-dot") : null;
  var total = parseFloat(svg.getAttribute("data-total"));
  var left = parseFloat(svg.getAttribute("data-left"));
  var right = parseFloat(svg.getAttribute("data-right"));
  var width = svg.viewBox.baseVal.width;
  var marker = null, index = 0;

  function nearest(d) {
    var lo = 0, hi = points.length - 1;
    while (hi - lo > 1) { var mid = (lo + hi) >> 1; if (points[mid][0] < d) lo = mid; else hi = mid; }
    return Math.abs(points[lo][0] - d) <= Math.abs(points[hi][0] - d) ? lo : hi;
  }

  function attr(el, name) { return parseFloat(el.getAttribute(name)); }

  function show(i) {
    index = Math.max(0, Math.min(points.length - 1, i));
    var p = points[index];
    var x = left + p[0] / total * (width - left - right);
    cursor.setAttribute("x1", x); cursor.setAttribute("x2", x); cursor.setAttribute("visibility", "visible");
    var text = (p[0] / 1000).toFixed(1) + " km · " + Math.round(p[1]).toLocaleString("en") + " m";
    readout.textContent = text;
    if (slider) {
      slider.setAttribute("aria-valuenow", (p[0] / 1000).toFixed(1));
      slider.setAttribute("aria-valuetext", (p[0] / 1000).toFixed(1) + " kilometres, " +
                          Math.round(p[1]).toLocaleString("en") + " metres high");
    }
    if (dot) {
      dot.setAttribute("cx", (attr(mini, "data-left") + (p[3] - attr(mini, "data-west")) * attr(mini, "data-kx")).toFixed(1));
      dot.setAttribute("cy", (attr(mini, "data-top") + (attr(mini, "data-north") - p[2]) * attr(mini, "data-ky")).toFixed(1));
      dot.setAttribute("visibility", "visible");
    }
    var map = window.travelmapMap;
    if (map && window.L) {
      var place = [p[2], window.travelmapKit ? window.travelmapKit.shift(p[3], map.travelmapOrigin) : p[3]];
      if (!map.getPane("tmProfile")) { map.createPane("tmProfile").style.zIndex = 650; }  // above stop pins
      if (!marker) marker = L.circleMarker(place, { pane: "tmProfile", radius: 7, color: "#111827", weight: 3, fillColor: "#fde047", fillOpacity: 1, className: "tm-profile-marker" }).addTo(map);
      else marker.setLatLng(place);
    }
  }

  function pointer(event) {
    var box = svg.getBoundingClientRect();
    var vx = (event.clientX - box.left) / box.width * width;
    show(nearest(Math.max(0, Math.min(total, (vx - left) / (width - left - right) * total))));
  }

  function hide() {
    cursor.setAttribute("visibility", "hidden");
    if (dot) dot.setAttribute("visibility", "hidden");
    if (marker) { marker.remove(); marker = null; }
  }

  svg.addEventListener("pointermove", pointer);
  svg.addEventListener("pointerdown", pointer);
  svg.addEventListener("pointerleave", function (event) {
    if (event.pointerType === "mouse" && document.activeElement !== slider) hide();
  });
  if (slider) {
    slider.addEventListener("keydown", function (event) {
      var step = Math.max(1, Math.round(points.length / 100)), big = Math.max(1, Math.round(points.length / 10));
      var moves = { ArrowRight: step, ArrowUp: step, ArrowLeft: -step, ArrowDown: -step, PageUp: big, PageDown: -big };
      if (event.key in moves) show((marker ? index : 0) + moves[event.key]);
      else if (event.key === "Home") show(0);
      else if (event.key === "End") show(points.length - 1);
      else return;
      event.preventDefault();
    });
    slider.addEventListener("focus", function () { show(index); });
    slider.addEventListener("blur", hide);
  }
})();
