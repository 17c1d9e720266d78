// The photo layer: markers in a cluster, made from compact data (an encoded polyline of places and the
// ids); a popup's text is fetched once for all photos when the first popup opens, and built from text nodes.
(function () {
  "use strict";
  function decode(text) {
    var points = [], index = 0, lat = 0, lng = 0;
    while (index < text.length) {
      var deltas = [0, 0];
      for (var k = 0; k < 2; k++) {
        var shift = 0, result = 0, byte;
        do { byte = text.charCodeAt(index++) - 63; result |= (byte & 31) << shift; shift += 5; } while (byte >= 32);
        deltas[k] = result & 1 ? ~(result >> 1) : result >> 1;
      }
      lat += deltas[0]; lng += deltas[1];
      points.push([lat / 1e5, lng / 1e5]);
    }
    return points;
  }
  function local(url) { return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/"; }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }
  function link(text, href) {
    var a = el("a", "tm-popup-link", text);
    a.href = href;
    a.target = "_top";
    return a;
  }
  var details = null;
  function loadDetails(url) {
    if (!details) {
      details = fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : {}; },
                                                                 function () { return {}; });
    }
    return details;
  }
  function popup(data, id) {
    var box = el("div", "tm-popup tm-photo");
    var img = el("img");
    img.src = data.thumb[0] + id + data.thumb[1];
    img.alt = "Photo";
    img.loading = "lazy";
    box.appendChild(img);
    var text = el("div", "tm-popup-text");
    box.appendChild(text);
    loadDetails(data.details).then(function (all) {
      var row = all[String(id)];
      if (!row) return;
      if (row[0]) { text.appendChild(el("div", "tm-popup-caption", row[0])); img.alt = row[0]; }
      if (row[1]) text.appendChild(el("div", "tm-popup-when", row[1]));
      var links = el("div", "tm-popup-links");
      if (row[2] && local(row[3])) links.appendChild(link(row[2], row[3]));
      if (row[4] && local(row[5])) links.appendChild(link("Read the post", row[5]));
      if (links.childNodes.length) text.appendChild(links);
    });
    return box;
  }
  window.travelmapPhotos = function (map, group, data) {
    var cluster = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 40, chunkedLoading: true });
    var places = decode(data.points);
    var markers = places.map(function (place, i) {
      var id = data.ids[i];
      var pin = el("div", "tm-photo-pin");
      pin.setAttribute("data-photo", String(id));
      // Up and right of the place, so a stop pin at the same spot never hides it.
      var icon = L.divIcon({ className: "tm-photo-marker", html: pin, iconSize: [22, 22], iconAnchor: [-2, 24] });
      var marker = L.marker(place, { icon: icon, title: "Photo", alt: "Photo" });
      marker.bindPopup(function () { return popup(data, id); }, { maxWidth: 240 });
      return marker;
    });
    cluster.addLayers(markers);
    group.addLayer(cluster);
  };
})();
