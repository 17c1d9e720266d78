// The story view: the text steers the map. As a stop's section reaches the reading line (IntersectionObserver), or
// takes the keyboard focus, the map moves to the stop (a jump when the reader prefers reduced motion), the route
// travelled so far is drawn strong and the route ahead faint, and the stop's marker is highlighted. A click (or
// Enter) on a stop's marker brings its section into view. Loaded in <head>: it marks the page as scripted at once,
// so the map's place is kept only when a script will fill it (without scripts the story reads as plain text).
(function () {
  "use strict";
  document.documentElement.classList.add("tm-js");
  var motion = window.matchMedia ? window.matchMedia("(prefers-reduced-motion: reduce)") : null;
  function still() { return !!(motion && motion.matches); }
  var SECTIONS = "[data-story-stop], [data-story-leg], [data-story-trip]";
  var STRONG = { opacity: 1, weight: 5 }, FAINT = { opacity: 0.35, weight: 3 };

  window.travelmapStory = function (map, data) {
    var view = map.travelmapTrip;
    var container = map.getContainer().closest(".tm-story-map");
    var sections = Array.prototype.slice.call(document.querySelectorAll(SECTIONS));
    if (!view || !container || !sections.length) return;
    var travelled = L.layerGroup().addTo(map);
    var current = null, live = null, steering = null, highlighted = null, observer = null;

    var whole = null;
    data.legs.forEach(function (box) {
      if (!box) return;
      var b = L.latLngBounds([box[0], box[1]], [box[2], box[3]]);
      whole = whole ? whole.extend(b) : b;
    });

    function move(center, zoom) {
      if (still()) map.setView(center, zoom, { animate: false });
      else map.flyTo(center, zoom, { duration: 0.8 });
    }

    function fit(bounds) {
      if (!bounds) return;
      if (bounds.getNorth() === bounds.getSouth() && bounds.getEast() === bounds.getWest()) {
        move(bounds.getCenter(), data.zoom);
      } else if (still()) {
        map.fitBounds(bounds, { padding: [24, 24], animate: false });
      } else {
        map.flyToBounds(bounds, { padding: [24, 24], duration: 0.8 });
      }
    }

    // Everything before (leg, line, vertex) strong, everything after it faint; leg null: the whole route strong.
    function progress(leg, line, vertex) {
      travelled.clearLayers();
      view.lines.forEach(function (polylines, i) {
        polylines.forEach(function (polyline, j) {
          var done = leg === null || i < leg || (i === leg && j < line);
          polyline.setStyle(done ? STRONG : FAINT);
          if (i === leg && j === line && vertex > 0) {
            var o = polyline.options;
            travelled.addLayer(L.polyline(polyline.getLatLngs().slice(0, vertex + 1), {
              color: o.color, dashArray: o.dashArray, opacity: STRONG.opacity, weight: STRONG.weight,
              interactive: false
            }));
          }
        });
      });
    }

    function highlight(slug) {
      if (highlighted) {
        var old = highlighted.getElement();
        if (old) old.classList.remove("tm-stop-active");
        highlighted.setZIndexOffset(1000);
        highlighted = null;
      }
      var marker = slug ? view.markers[slug] : null;
      if (!marker) return;
      highlighted = marker;
      marker.setZIndexOffset(3000);
      var el = marker.getElement();
      if (el) el.classList.add("tm-stop-active");
    }

    function activate(section) {
      if (!section || section === current) return;
      if (current) { current.classList.remove("tm-story-active"); current.removeAttribute("data-active"); }
      current = section;
      section.classList.add("tm-story-active");
      section.setAttribute("data-active", "");
      var slug = section.getAttribute("data-story-stop"), leg = section.getAttribute("data-story-leg");
      if (slug !== null && data.stops[slug]) {
        var s = data.stops[slug];
        progress(s[0], s[3], s[4]);
        highlight(slug);
        move([s[1], s[2]], data.zoom);
      } else if (leg !== null) {
        var i = parseInt(leg, 10), box = data.legs[i];
        progress(i, 0, -1);
        highlight(null);
        fit(box ? L.latLngBounds([box[0], box[1]], [box[2], box[3]]) : null);
      } else {
        progress(null);
        highlight(null);
        fit(whole);
      }
    }

    // The reading line: 30% down the part of the window the text shows in (below the header, and below the map
    // where the map is pinned above the text, as on a phone).
    function readingLine() {
      var top = 0, header = document.querySelector(".tm-header");
      if (header) top = Math.max(0, header.getBoundingClientRect().bottom);
      var box = container.getBoundingClientRect();
      if (box.width > window.innerWidth * 0.8 && box.bottom > top) top = box.bottom;
      return Math.round(top + (window.innerHeight - top) * 0.3);
    }

    function observe() {
      if (observer) observer.disconnect();
      var y = readingLine();
      observer = new IntersectionObserver(function (entries) {
        entries.forEach(function (entry) {
          if (entry.isIntersecting) live = entry.target;
          else if (live === entry.target) live = null;
        });
        if (!steering && live) activate(live);
      }, { rootMargin: -y + "px 0px " + -(window.innerHeight - y - 1) + "px 0px" });
      sections.forEach(function (section) { observer.observe(section); });
    }

    // A reader's own scrolling takes the map back from a click on the map or a focused section.
    function release(event) {
      if (event && event.type === "keydown" && (event.key === "Tab" || event.key === "Shift")) return;
      if (!steering) return;
      steering = null;
      if (live) activate(live);
    }
    ["wheel", "touchstart", "keydown"].forEach(function (type) {
      window.addEventListener(type, release, { passive: true });
    });

    function sectionOf(slug) { return document.getElementById("stop-" + slug); }

    function show(slug) {
      var section = sectionOf(slug);
      if (!section) return;
      steering = section;
      activate(section);
      section.scrollIntoView({ behavior: still() ? "auto" : "smooth", block: "start" });
      // The keyboard goes on from the stop's text (a reader who pressed Enter on the marker reads on there).
      var link = section.querySelector("h3 a");
      if (link) link.focus({ preventScroll: true });
    }

    Object.keys(view.markers).forEach(function (slug) {
      var marker = view.markers[slug];
      marker.unbindPopup();
      marker.on("click", function () { show(slug); });
      marker.on("keypress", function (event) {
        if (event.originalEvent.key === "Enter" || event.originalEvent.key === " ") show(slug);
      });
    });

    document.addEventListener("focusin", function (event) {
      var target = event.target;
      if (container.contains(target)) {
        // A stop's marker taking the keyboard focus steers the map to it, as its section would: the page may scroll
        // to show the focused marker, and the text under the reading line must not take the map elsewhere.
        var pin = target.querySelector && target.querySelector(".tm-pin[data-stop]");
        var own = pin ? sectionOf(pin.getAttribute("data-stop")) : null;
        if (own) { steering = own; activate(own); }
        return;
      }
      var section = target.closest && target.closest(SECTIONS);
      if (!section) return;
      steering = section;
      activate(section);
    });

    var resizing = null;
    window.addEventListener("resize", function () {
      clearTimeout(resizing);
      resizing = setTimeout(function () { map.invalidateSize(); observe(); }, 150);
    });
    observe();
    var target = window.location.hash ? document.getElementById(window.location.hash.slice(1)) : null;
    if (target && target.matches(SECTIONS)) { steering = target; activate(target); }
  };
})();
