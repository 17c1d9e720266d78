// Draws a trip from compact data: legs as polylines inside their layer-control groups, numbered stops
// whose popups are built from text nodes, and — when the reader zooms in — each leg's detailed lines.
(function () {
  "use strict";
  var kit = window.travelmapKit, decode = kit.decode, el = kit.el, local = kit.local, origin = null;

  function tooltip(text) { return el("span", "", text); }  // a node, so Leaflet never parses it as HTML

  // A line's tooltip makes Chromium put the SVG path in the tab order (it has focus listeners): an invisible,
  // nameless stop for keyboard users. The stops and the timeline carry what the line's tooltip says.
  function unfocusable(layer) {
    function fix() { var path = layer.getElement(); if (path) path.setAttribute("tabindex", "-1"); }
    layer.on("add", fix);
    fix();
  }

  function drawLines(leg, group) {
    return leg.lines.map(function (line, i) {
      var polyline = L.polyline(kit.unwrap(decode(line), origin), {
        color: leg.colour, weight: leg.dash ? 3 : 4, opacity: 0.9,
        dashArray: leg.dash ? "8 10" : (leg.planned[i] ? "2 8" : null)
      });
      polyline.bindTooltip(tooltip(leg.name), { sticky: true });
      group.addLayer(polyline);
      unfocusable(polyline);
      return polyline;
    });
  }

  function stopPopup(row) {
    var box = el("div", "tm-popup");
    box.appendChild(el("div", "tm-popup-title", row[2] + ". " + row[3]));
    if (row[5]) {
      var when = el("div", "tm-popup-when"), time = el("time", "", "Arrived " + row[5]);
      time.setAttribute("datetime", row[6]);
      when.appendChild(time);
      box.appendChild(when);
    }
    if (local(row[7])) {
      var link = el("a", "tm-popup-link", "Read the post");
      link.href = row[7];
      link.target = "_top";
      box.appendChild(link);
    }
    return box;
  }

  function stopMarker(row) {
    var pin = el("div", "tm-pin", String(row[2]));
    pin.setAttribute("data-stop", row[8]);
    pin.style.background = row[4];
    pin.style.color = row[10] || "#ffffff";  // black or white, whichever reads better on the leg's colour
    var marker = L.marker([row[0], kit.shift(row[1], origin)], {
      icon: L.divIcon({ html: pin, className: "tm-stop", iconSize: [44, 44], iconAnchor: [22, 22] }),
      title: row[3], alt: row[3], zIndexOffset: 1000
    });
    marker.bindPopup(function () { return stopPopup(row); }, { maxWidth: 280 });
    marker.bindTooltip(tooltip(row[2] + ". " + row[3]), { direction: "top", offset: [0, -16] });
    return marker;
  }

  window.travelmapTrip = function (map, groups, data) {
    origin = data.origin === undefined ? null : data.origin;
    map.travelmapOrigin = origin;  // for the elevation profile's marker
    var drawn = data.legs.map(function (leg, i) { return drawLines(leg, groups[i]); });
    // For the workspace's scripts: a new upload is drawn into its leg's layer without a reload.
    map.travelmapLegs = { groups: groups, draw: function (i, leg) { return drawLines(leg, groups[i]); } };
    var markers = {};
    data.stops.forEach(function (row) {
      var marker = stopMarker(row);
      markers[row[8]] = marker;
      groups[row[9]].addLayer(marker);
    });
    // For page scripts that steer the map (story.js): each leg's drawn lines, each stop's marker by slug.
    map.travelmapTrip = { lines: drawn, markers: markers };
    var loaded = {};
    function loadDetail() {
      if (map.getZoom() < data.detailZoom) return;
      var view = map.getBounds();
      data.legs.forEach(function (leg, i) {
        if (!leg.detail || loaded[i] || !drawn[i].length) return;
        var box = L.latLngBounds([]);
        drawn[i].forEach(function (line) { box.extend(line.getBounds()); });
        if (!box.intersects(view)) return;
        loaded[i] = true;
        fetch(leg.detail, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; })
          .then(function (detail) {
            if (!detail) { loaded[i] = false; return; }
            drawn[i].forEach(function (line) { groups[i].removeLayer(line); });
            drawn[i] = drawLines({ name: leg.name, colour: leg.colour, dash: false, lines: detail.lines,
                                   planned: detail.planned }, groups[i]);
          }, function () { loaded[i] = false; });
      });
    }
    map.on("zoomend moveend", loadDetail);
    loadDetail();
  };
})();
