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
