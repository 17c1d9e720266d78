// The track editor: pick the trim's start and end and the split point on the map, on the elevation profile, with a
// slider (arrow keys step one point, Page Up/Down a tenth) or by typing the number. The map greys out what a trim
// would cut and marks each point; the readouts say where a point is (its number, distance and local time).
(function () {
  "use strict";
  var dataEl = document.getElementById("tm-track-data");
  if (!dataEl) return;
  var data = JSON.parse(dataEl.textContent);
  var samples = data.samples, last = data.count - 1;
  if (!samples.length || last < 1) return;
  var COLOURS = { start: "#15803d", end: "#b91c1c", at: "#ea580c" };
  var NAMES = { start: "Start", end: "End", at: "Split" };
  var map = window.travelmapMap;
  var pickmode = document.querySelector(".tm-pickmode");
  var active = "start";

  // ---------------------------------------------------------------- where a point is
  function sampleAt(number) {  // the sample nearest a point number (samples are sorted by number)
    var lo = 0, hi = samples.length - 1;
    while (hi - lo > 1) { var mid = (lo + hi) >> 1; if (samples[mid][0] <= number) lo = mid; else hi = mid; }
    return number - samples[lo][0] <= samples[hi][0] - number ? samples[lo] : samples[hi];
  }
  function sampleAtDistance(metres) {
    var lo = 0, hi = samples.length - 1;
    while (hi - lo > 1) { var mid = (lo + hi) >> 1; if (samples[mid][1] <= metres) lo = mid; else hi = mid; }
    return metres - samples[lo][1] <= samples[hi][1] - metres ? samples[lo] : samples[hi];
  }
  function sampleNear(lat, lon) {
    var best = samples[0], bestD = Infinity, k = Math.cos(lat * Math.PI / 180);
    samples.forEach(function (s) {
      var dy = s[3] - lat, dx = (s[4] - lon) * k, d = dx * dx + dy * dy;
      if (d < bestD) { bestD = d; best = s; }
    });
    return best;
  }
  function clock(posix) {  // the time where the track starts (its UTC offset), as the traveller lived it
    var d = new Date((posix + data.offset * 60) * 1000);
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return two(d.getUTCHours()) + ":" + two(d.getUTCMinutes());
  }
  function describe(number) {
    var s = sampleAt(number);
    var text = "point " + number.toLocaleString("en") + " · " + (s[1] / 1000).toFixed(2) + " km";
    if (s[5] != null) text += " · " + clock(s[5]);
    return text;
  }

  // ---------------------------------------------------------------- the three fields
  var fields = {};
  var IDS = { start: "start", end: "end", at: "split-at" };  // the form fields' ids
  ["start", "end", "at"].forEach(function (key) {
    var input = document.getElementById(IDS[key]);
    if (!input) return;
    var box = input.closest(".tm-field");
    var slider = document.createElement("input");
    slider.type = "range"; slider.min = 0; slider.max = last; slider.step = 1;
    slider.className = "tm-point-slider";
    slider.setAttribute("aria-label", NAMES[key] + " point");
    slider.style.accentColor = COLOURS[key];
    var readout = document.createElement("output");
    readout.className = "tm-point-readout";
    readout.setAttribute("for", IDS[key]);
    box.insertBefore(slider, input.nextSibling);
    box.insertBefore(readout, slider.nextSibling);
    fields[key] = { input: input, slider: slider, readout: readout };
    function choose() { setActive(key); }
    input.addEventListener("focus", choose);
    slider.addEventListener("focus", choose);
    slider.addEventListener("input", function () { set(key, parseInt(slider.value, 10), false); });
    input.addEventListener("input", function () {
      var n = Number(input.value.trim());
      if (input.value.trim() !== "" && Number.isInteger(n) && n >= 0 && n <= last) set(key, n, true);
    });
  });
  if (!fields.start && !fields.at) return;

  function value(key) {
    var f = fields[key];
    if (!f) return null;
    var n = Number(f.input.value.trim());
    return f.input.value.trim() !== "" && Number.isInteger(n) ? Math.max(0, Math.min(last, n)) : null;
  }

  function set(key, number, fromInput) {
    var f = fields[key];
    if (!f) return;
    if (!fromInput) f.input.value = String(number);
    f.slider.value = String(number);
    f.readout.textContent = describe(number);
    draw();
  }

  function setActive(key) {
    if (active === key) return;
    active = key;
    if (pickmode) {
      var radio = pickmode.querySelector('input[value="' + key + '"]');
      if (radio) radio.checked = true;
    }
    drawMap();
  }
  if (pickmode) {
    pickmode.hidden = false;
    pickmode.addEventListener("change", function (e) { if (e.target.name === "pick") setActive(e.target.value); });
  }

  function pick(sample) { set(active, sample[0], false); }

  // ---------------------------------------------------------------- the map
  var layer = null, markers = {};
  if (map && window.L) {
    if (!map.getPane("tmEdit")) { map.createPane("tmEdit").style.zIndex = 640; }
    layer = L.layerGroup().addTo(map);
    var all = samples.map(function (s) { return [s[3], s[4]]; });
    var bounds = L.latLngBounds(all);
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [24, 24], animate: false });
    map.on("click", function (e) { var p = e.latlng.wrap(); pick(sampleNear(p.lat, p.lng)); });
  }

  function coords(from, to) {  // sample places for point numbers from..to
    return samples.filter(function (s) { return s[0] >= from && s[0] <= to; }).map(function (s) { return [s[3], s[4]]; });
  }

  function drawMap() {
    if (!layer) return;
    layer.clearLayers();
    var start = value("start"), end = value("end");
    if (start == null) start = 0;
    if (end == null) end = last;
    var cut = [];
    if (start > 0) cut.push(coords(0, start));
    if (end < last) cut.push(coords(end, last));
    cut.forEach(function (line) {
      if (line.length >= 2) {
        L.polyline(line, { pane: "tmEdit", color: "#f8fafc", weight: 7, opacity: 0.9, interactive: false }).addTo(layer);
        L.polyline(line, { pane: "tmEdit", color: "#6b7280", weight: 3, dashArray: "4 6", interactive: false,
                           className: "tm-cut" }).addTo(layer);
      }
    });
    Object.keys(fields).forEach(function (key) {
      var n = value(key);
      if (n == null) return;
      var s = sampleAt(n);
      markers[key] = L.circleMarker([s[3], s[4]], { pane: "tmEdit", radius: key === active ? 9 : 7,
        color: "#111827", weight: 2, fillColor: COLOURS[key], fillOpacity: 1, interactive: false,
        className: "tm-mark tm-mark-" + key }).addTo(layer);
    });
  }

  // ---------------------------------------------------------------- the profile
  var figure = document.getElementById("track-profile");
  var svg = figure && figure.querySelector("svg");
  var marks = {}, shades = [];
  if (svg) {
    var total = parseFloat(svg.getAttribute("data-total"));
    var left = parseFloat(svg.getAttribute("data-left")), right = parseFloat(svg.getAttribute("data-right"));
    var width = svg.viewBox.baseVal.width, height = svg.viewBox.baseVal.height;
    var cursor = svg.querySelector(".tm-cursor");
    var readout = figure.querySelector(".tm-profile-readout");
    var NS = "http://www.w3.org/2000/svg";
    var xOf = function (d) { return left + d / total * (width - left - right); };
    var distanceAt = function (event) {
      var box = svg.getBoundingClientRect();
      var vx = (event.clientX - box.left) / box.width * width;
      return Math.max(0, Math.min(total, (vx - left) / (width - left - right) * total));
    };
    for (var i = 0; i < 2; i++) {
      var shade = document.createElementNS(NS, "rect");
      shade.setAttribute("class", "tm-profile-cut");
      shade.setAttribute("y", 0); shade.setAttribute("height", height); shade.setAttribute("fill", "#6b7280");
      shade.setAttribute("fill-opacity", "0.25");
      svg.appendChild(shade);
      shades.push(shade);
    }
    Object.keys(fields).forEach(function (key) {
      var line = document.createElementNS(NS, "line");
      line.setAttribute("class", "tm-profile-mark tm-profile-mark-" + key);
      line.setAttribute("y1", 0); line.setAttribute("y2", height);
      line.setAttribute("stroke", COLOURS[key]); line.setAttribute("stroke-width", "2");
      line.setAttribute("vector-effect", "non-scaling-stroke");
      svg.appendChild(line);
      marks[key] = line;
    });
    svg.addEventListener("pointermove", function (event) {
      var s = sampleAtDistance(distanceAt(event));
      var x = xOf(s[1]);
      cursor.setAttribute("x1", x); cursor.setAttribute("x2", x); cursor.setAttribute("visibility", "visible");
      readout.textContent = describe(s[0]) + (s[2] != null ? " · " + Math.round(s[2]).toLocaleString("en") + " m" : "")
        + " — click to set the " + NAMES[active].toLowerCase() + " here";
    });
    svg.addEventListener("pointerleave", function () { cursor.setAttribute("visibility", "hidden"); });
    svg.addEventListener("click", function (event) { pick(sampleAtDistance(distanceAt(event))); });
  }

  function drawProfile() {
    if (!svg) return;
    var start = value("start"), end = value("end");
    if (start == null) start = 0;
    if (end == null) end = last;
    var x0 = xOf(0), xs = xOf(sampleAt(start)[1]), xe = xOf(sampleAt(end)[1]), x1 = xOf(total);
    shades[0].setAttribute("x", x0); shades[0].setAttribute("width", Math.max(0, xs - x0));
    shades[1].setAttribute("x", xe); shades[1].setAttribute("width", Math.max(0, x1 - xe));
    Object.keys(marks).forEach(function (key) {
      var n = value(key);
      var x = n == null ? -10 : xOf(sampleAt(n)[1]);
      marks[key].setAttribute("x1", x); marks[key].setAttribute("x2", x);
    });
  }

  function draw() { drawMap(); drawProfile(); }

  Object.keys(fields).forEach(function (key) {
    var n = value(key);
    if (n != null) { fields[key].slider.value = String(n); fields[key].readout.textContent = describe(n); }
  });
  draw();
})();
