// Small helpers shared by our map scripts (tripmap.js, photos.js).
(function () {
  "use strict";
  window.travelmapKit = {
    // Google's encoded polyline, precision 5 -> [[lat, lon], ...]
    decode: function (text) {
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
    },
    // A longitude moved by whole turns into [origin, origin + 360): a map across the antimeridian has an
    // origin west of it, and everything on it is drawn east of that (null: the longitude as it is).
    shift: function (lon, origin) {
      return origin === null || origin === undefined ? lon : origin + (((lon - origin) % 360) + 360) % 360;
    },
    // [[lat, lon], ...] made continuous (each point within 180° of the one before, the first shifted east of
    // origin), so a line across the antimeridian goes on past ±180 instead of jumping across the map.
    unwrap: function (points, origin) {
      var previous = null;
      return points.map(function (p) {
        var lon = previous === null ? window.travelmapKit.shift(p[1], origin)
          : previous + ((((p[1] - previous + 180) % 360) + 360) % 360) - 180;
        previous = lon;
        return [p[0], lon];
      });
    },
    // An element with a class and text (never HTML).
    el: function (tag, className, text) {
      var node = document.createElement(tag);
      if (className) node.className = className;
      if (text) node.textContent = text;
      return node;
    },
    // Only links to this site's own pages.
    local: function (url) { return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/"; }
  };
})();
