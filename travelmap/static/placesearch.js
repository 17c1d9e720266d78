// The stop and photo forms' "find a place by name" box: a type-ahead list over /author/places (an ARIA
// combobox: arrows, Enter, Escape), and, after a click on the map, the nearest town as the stop's name.
// Choosing a place fills the latitude and longitude fields and sends them a "change" event, so the map's
// click-to-fill script moves its marker; this script only pans the map there.
(function () {
  "use strict";
  var DELAY_MS = 150, LIMIT = 8;

  function init(box) {
    var input = box.querySelector("input[role=combobox]");
    var list = box.querySelector("[role=listbox]");
    var status = box.querySelector(".tm-placesearch-status");
    var lat = document.getElementById(box.getAttribute("data-lat"));
    var lon = document.getElementById(box.getAttribute("data-lon"));
    var name = box.getAttribute("data-name") ? document.getElementById(box.getAttribute("data-name")) : null;
    if (!input || !list || !lat || !lon || !window.fetch) return;
    box.hidden = false;

    var results = [], active = -1, timer = null, pending = null, asked = "", chosen = false;

    // folium declares each map as a global named by its container's id.
    function map() {
      var container = document.querySelector(".tm-map-picker .folium-map");
      var m = container ? window[container.id] : null;
      return m && typeof m.setView === "function" ? m : null;
    }

    function say(text) { status.textContent = text; }

    function ask(url, done) {
      if (pending) pending.abort();
      pending = window.AbortController ? new AbortController() : null;
      fetch(url, {headers: {Accept: "application/json"}, credentials: "same-origin",
                  signal: pending ? pending.signal : undefined})
        .then(function (response) {
          return response.json().then(function (body) { return {ok: response.ok, body: body}; });
        })
        .then(function (answer) {
          if (answer.ok) { done(answer.body); return; }
          var error = answer.body && answer.body.error;
          say(error && error.message ? error.message : "The place search did not answer; click the map instead.");
        })
        .catch(function (error) {
          if (error && error.name === "AbortError") return;
          say("The place search did not answer; click the map instead.");
        });
    }

    function label(place) { return place.country ? place.name + ", " + place.country : place.name; }

    // The name to give a stop: what the author recognised when it is a native spelling (包头, München),
    // else the gazetteer's own name (not a lower-case transliteration such as "bao tou").
    function stopName(place) {
      return place.matched && /[^\u0000-\u007f]/.test(place.matched) ? place.matched : place.name;
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var items = list.children;
      for (var i = 0; i < items.length; i++) items[i].setAttribute("aria-selected", i === index ? "true" : "false");
      active = index;
      if (index < 0) { input.removeAttribute("aria-activedescendant"); return; }
      input.setAttribute("aria-activedescendant", items[index].id);
      items[index].scrollIntoView({block: "nearest"});
    }

    function show(places, query) {
      results = places;
      chosen = false;
      list.textContent = "";
      places.forEach(function (place, i) {
        var item = document.createElement("li");
        item.id = list.id + "-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        var main = document.createElement("span");
        main.className = "tm-placesearch-name";
        main.textContent = place.name;
        item.appendChild(main);
        if (place.matched && place.matched !== place.name) {
          var matched = document.createElement("span");
          matched.className = "tm-placesearch-matched";
          matched.textContent = place.matched;
          item.appendChild(matched);
        }
        var where = document.createElement("span");
        where.className = "tm-placesearch-where";
        where.textContent = [place.country || place.country_code,
                             place.population ? place.population.toLocaleString("en") + " people" : ""]
          .filter(Boolean).join(" · ");
        item.appendChild(where);
        // mousedown would move the focus away first and close the list before the click lands.
        item.addEventListener("mousedown", function (event) { event.preventDefault(); });
        item.addEventListener("click", function () { choose(i); });
        list.appendChild(item);
      });
      if (!places.length) {
        close();
        say("No town or city called “" + query + "”. Try another spelling, or click the map.");
        return;
      }
      say(places.length + (places.length === 1 ? " place" : " places") + " found; use the arrow keys or tap one.");
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(-1);
    }

    function search() {
      var query = input.value.trim();
      if (query === asked) return;
      asked = query;
      if (!query) { close(); say(""); if (pending) pending.abort(); return; }
      ask(box.getAttribute("data-search") + "?limit=" + LIMIT + "&q=" + encodeURIComponent(query), function (places) {
        if (input.value.trim() === query) show(places, query);
      });
    }

    function setName(text, why) {
      if (!name) return;
      var current = name.value.trim();
      if (!current || current === name.getAttribute("data-suggested")) {
        name.value = text;
        name.setAttribute("data-suggested", text);
        suggestion("Name suggested: " + text + " (" + why + "). Change it as you like.");
      } else if (current !== text) {
        suggestion("The nearest town is " + text + ". ", text);
      }
    }

    function suggestion(text, offer) {
      var field = name.closest(".tm-field") || name.parentNode;
      var note = field.querySelector(".tm-suggestion");
      if (!note) {
        note = document.createElement("div");
        note.className = "tm-suggestion tm-help";
        note.setAttribute("role", "status");
        field.appendChild(note);
      }
      note.textContent = text;
      if (offer) {
        var use = document.createElement("button");
        use.type = "button";
        use.className = "tm-suggestion-use";
        use.textContent = "Use “" + offer + "”";
        use.addEventListener("click", function () {
          name.value = offer;
          name.setAttribute("data-suggested", offer);
          note.textContent = "Name set to " + offer + ".";
          name.focus();
        });
        note.appendChild(use);
      }
    }

    var placing = false;  // our own "change" events must not ask for the nearest town again

    function moveTo(a, b) {
      placing = true;
      lat.value = a.toFixed(6);
      lon.value = b.toFixed(6);
      [lat, lon].forEach(function (field) { field.dispatchEvent(new Event("change", {bubbles: true})); });
      placing = false;
      var m = map();
      if (m) m.setView([a, b], Math.max(m.getZoom(), 11));
    }

    function choose(index) {
      var place = results[index];
      if (!place) return;
      moveTo(place.lat, place.lon);
      input.value = label(place);
      asked = input.value.trim();
      chosen = true;
      close();
      say("Placed at " + label(place) + ": " + lat.value + ", " + lon.value + ". Click the map to adjust.");
      setName(stopName(place), "found by name");
    }

    function suggestNearest(a, b) {
      if (!isFinite(a) || !isFinite(b)) return;
      ask(box.getAttribute("data-nearest") + "?lat=" + a + "&lon=" + b, function (places) {
        var place = places[0];
        if (!place) { say("No town within 30 km of this point."); return; }
        var km = place.distance_m / 1000;
        var away = km < 1 ? "under 1 km away" : km.toFixed(km < 10 ? 1 : 0) + " km away";
        say("Near " + label(place) + " (" + away + ").");
        setName(place.name, "the nearest town, " + away);
      });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, DELAY_MS);
    });
    input.addEventListener("keydown", function (event) {
      var open = !list.hidden && results.length;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!open) { asked = ""; search(); return; }
        // -1 is the text box itself: down from the last place, or up from the first, goes back to it.
        var n = results.length;
        if (event.key === "ArrowDown") highlight(active + 1 >= n ? -1 : active + 1);
        else highlight(active <= -1 ? n - 1 : active - 1);
      } else if (event.key === "Enter") {
        event.preventDefault();  // never submit the form from the search box
        clearTimeout(timer);
        if (open) choose(active >= 0 ? active : 0);
        else { asked = ""; search(); }
      } else if (event.key === "Escape") {
        if (open) { event.preventDefault(); close(); }
      } else if (event.key === "Tab") {
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
    input.addEventListener("focus", function () {
      if (results.length && !chosen && input.value.trim() === asked) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
    });

    var m = map();
    if (m) {
      m.on("click", function (event) {
        var p = event.latlng.wrap();
        suggestNearest(p.lat, p.lng);
      });
    }
    [lat, lon].forEach(function (field) {
      field.addEventListener("change", function () {
        if (!placing && lat.value.trim() && lon.value.trim()) {
          suggestNearest(parseFloat(lat.value), parseFloat(lon.value));
        }
      });
    });
  }

  var boxes = document.querySelectorAll(".tm-placesearch");
  for (var i = 0; i < boxes.length; i++) init(boxes[i]);
})();
