// The photo layer: markers in a cluster, made from compact rows; popups built from text nodes when opened.
// Row: [lat, lon, thumbnail URL, caption, local time, stop name, stop URL, post title, post URL]
(function () {
  "use strict";
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
  function popup(row) {
    var box = el("div", "tm-popup tm-photo");
    if (local(row[2])) {
      var img = el("img");
      img.src = row[2];
      img.alt = row[3] || "Photo";
      img.loading = "lazy";
      box.appendChild(img);
    }
    if (row[3]) box.appendChild(el("div", "tm-popup-caption", row[3]));
    if (row[4]) box.appendChild(el("div", "tm-popup-when", row[4]));
    var links = el("div", "tm-popup-links");
    if (row[5] && local(row[6])) links.appendChild(link(row[5], row[6]));
    if (row[7] && local(row[8])) links.appendChild(link("Read the post", row[8]));
    if (links.childNodes.length) box.appendChild(links);
    return box;
  }
  window.travelmapPhotos = function (map, group, rows) {
    var cluster = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 40, chunkedLoading: true });
    var icon = L.divIcon({ className: "tm-photo-marker", html: '<div class="tm-photo-pin"></div>', iconSize: [22, 22], iconAnchor: [-2, 24] });  // up and right of the place, so a stop pin there never hides it
    var markers = rows.map(function (row) {
      var marker = L.marker([row[0], row[1]], { icon: icon, title: row[3] || "Photo", alt: row[3] || "Photo" });
      marker.bindPopup(function () { return popup(row); }, { maxWidth: 240 });
      return marker;
    });
    cluster.addLayers(markers);
    group.addLayer(cluster);
  };
})();
