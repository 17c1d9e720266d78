// The photo layer: each photo a small square thumbnail on the map, in clusters that show their first photo and a
// count; made from compact data (an encoded polyline of places and the ids). A click (or Enter) on a photo opens
// the lightbox (lightbox.js) with every photo of the map a step away; its text (caption, local time, stop) is
// fetched once for all photos on first use, and built from text nodes.
(function () {
  "use strict";
  var kit = window.travelmapKit, decode = kit.decode, el = kit.el, local = kit.local;
  var details = {};

  function loadDetails(url) {
    if (!details[url]) {
      details[url] = fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : {}; },
                                                                     function () { return {}; });
    }
    return details[url];
  }

  function thumbnail(src, alt) {
    var img = el("img");
    img.src = src;
    img.alt = alt;
    img.decoding = "async";  // not lazy: the cluster layer only ever draws the photos in view
    img.draggable = false;
    return img;
  }

  window.travelmapPhotos = function (map, group, data) {
    var places = decode(data.points), count = places.length;
    var origin = data.origin === undefined ? null : data.origin;
    var thumb = function (id) { return data.thumb[0] + id + data.thumb[1]; };
    var display = function (id) { return (data.display || data.thumb)[0] + id + (data.display || data.thumb)[1]; };
    var embedded = window.top !== window.self;

    function open(i, from) {
      loadDetails(data.details).then(function (all) {
        var items = data.ids.map(function (id) {
          var row = all[String(id)] || [];
          return { src: display(id), caption: row[0] || "", when: row[1] || "",
                   stopName: row[2] || "", stopUrl: local(row[3]) ? row[3] : "", postUrl: local(row[5]) ? row[5] : "",
                   target: embedded ? "_top" : "" };
        });
        if (window.travelmapLightbox) window.travelmapLightbox.open(items, i, from);
      });
    }

    var cluster = L.markerClusterGroup({
      showCoverageOnHover: false, maxClusterRadius: 48, chunkedLoading: true,
      iconCreateFunction: function (c) {
        var children = c.getAllChildMarkers(), n = children.length;
        var box = el("div", "tm-photo-thumb tm-photo-stack");
        box.appendChild(thumbnail(thumb(children[0].options.photoId), ""));
        var badge = el("span", "tm-photo-count", String(n));
        badge.appendChild(el("span", "tm-sr", n === 1 ? " photo" : " photos, zoom in to see them"));
        box.appendChild(badge);
        return L.divIcon({ html: box, className: "tm-photo-marker tm-photo-cluster", iconSize: [48, 48], iconAnchor: [-8, 56] });
      }
    });
    var markers = places.map(function (place, i) {
      place = [place[0], kit.shift(place[1], origin)];
      var id = data.ids[i];
      var box = el("div", "tm-photo-thumb");
      box.setAttribute("data-photo", String(id));
      box.appendChild(thumbnail(thumb(id), "Photo " + (i + 1) + " of " + count));
      // Up and right of the place, so a stop pin at the same spot never hides it.
      var icon = L.divIcon({ className: "tm-photo-marker", html: box, iconSize: [44, 44], iconAnchor: [-8, 52] });
      var marker = L.marker(place, { icon: icon, photoId: id, riseOnHover: true });
      marker.on("click", function () { open(i, marker.getElement()); });
      marker.on("keypress", function (event) {
        if (event.originalEvent.key === "Enter" || event.originalEvent.key === " ") open(i, marker.getElement());
      });
      return marker;
    });
    // Enter on a focused cluster does what a click does: zoom in to it, or fan it out where it cannot part.
    cluster.on("clusterkeypress", function (event) {
      var key = event.originalEvent && event.originalEvent.key;
      if (key !== "Enter" && key !== " ") return;
      if (map.getZoom() >= map.getMaxZoom()) event.layer.spiderfy();
      else event.layer.zoomToBounds({ padding: [40, 40] });
    });
    cluster.addLayers(markers);
    group.addLayer(cluster);
  };
})();
