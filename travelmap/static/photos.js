// The photo layer: markers in a cluster, made from compact data (an encoded polyline of places and the
// ids); a popup's text is fetched once for all photos when the first popup opens, and built from text nodes.
(function () {
  "use strict";
  var kit = window.travelmapKit, decode = kit.decode, el = kit.el, local = kit.local;

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
    var origin = data.origin === undefined ? null : data.origin;
    var markers = places.map(function (place, i) {
      place = [place[0], kit.shift(place[1], origin)];
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
