// Hovering (or touching) the elevation profile shows the place on the map and reads out distance and height.
(function () {
  "use strict";
  var figure = document.getElementById("tm-profile");
  var dataEl = document.getElementById("tm-profile-data");
  if (!figure || !dataEl) return;
  var points = JSON.parse(dataEl.textContent);
  var svg = figure.querySelector("svg");
  var cursor = svg.querySelector(".tm-cursor");
  var readout = figure.querySelector(".tm-profile-readout");
  var total = parseFloat(svg.getAttribute("data-total"));
  var left = parseFloat(svg.getAttribute("data-left"));
  var right = parseFloat(svg.getAttribute("data-right"));
  var width = svg.viewBox.baseVal.width;
  var marker = null;

  function nearest(d) {
    var lo = 0, hi = points.length - 1;
    while (hi - lo > 1) { var mid = (lo + hi) >> 1; if (points[mid][0] < d) lo = mid; else hi = mid; }
    return Math.abs(points[lo][0] - d) <= Math.abs(points[hi][0] - d) ? points[lo] : points[hi];
  }

  function show(event) {
    var box = svg.getBoundingClientRect();
    var vx = (event.clientX - box.left) / box.width * width;
    var d = Math.max(0, Math.min(total, (vx - left) / (width - left - right) * total));
    var p = nearest(d);
    var x = left + p[0] / total * (width - left - right);
    cursor.setAttribute("x1", x); cursor.setAttribute("x2", x); cursor.setAttribute("visibility", "visible");
    readout.textContent = (p[0] / 1000).toFixed(1) + " km · " + Math.round(p[1]).toLocaleString() + " m";
    var map = window.travelmapMap;
    if (map && window.L) {
      var place = [p[2], window.travelmapKit ? window.travelmapKit.shift(p[3], map.travelmapOrigin) : p[3]];
      if (!map.getPane("tmProfile")) { map.createPane("tmProfile").style.zIndex = 650; }  // above stop pins
      if (!marker) marker = L.circleMarker(place, { pane: "tmProfile", radius: 7, color: "#111827", weight: 3, fillColor: "#fde047", fillOpacity: 1, className: "tm-profile-marker" }).addTo(map);
      else marker.setLatLng(place);
    }
  }
  svg.addEventListener("pointermove", show);
  svg.addEventListener("pointerdown", show);
  svg.addEventListener("pointerleave", function () {
    cursor.setAttribute("visibility", "hidden");
    if (marker) { marker.remove(); marker = null; }
  });
})();
