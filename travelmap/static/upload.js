// Upload track files (GPX, FIT, TCX, KML/KMZ, GeoJSON) one per request, with a progress bar and the result (stats or the error) per file.
(function () {
  "use strict";
  function km(m) { return m == null ? "–" : (m / 1000).toFixed(m >= 100000 ? 0 : 1) + " km"; }
  function metres(m) { return m == null ? "–" : Math.round(m).toLocaleString() + " m"; }

  function row(list, name) {
    var li = document.createElement("li");
    var label = document.createElement("strong");
    label.textContent = name;
    var bar = document.createElement("progress");
    bar.max = 100; bar.value = 0;
    var text = document.createElement("span");
    text.className = "tm-upload-text";
    text.textContent = "waiting…";
    li.append(label, " ", bar, " ", text);
    list.appendChild(li);
    return { li: li, bar: bar, text: text };
  }

  // The new track joins its leg's list (with its far-away warning) and the workspace map, without a reload.
  function addTrack(form, body) {
    var leg = form.closest(".tm-workleg");
    var list = leg && leg.querySelector(".tm-worktracks");
    if (list && body.edit_url) {
      var li = document.createElement("li");
      li.className = "tm-worktrack tm-new";
      li.setAttribute("data-track", body.id);
      var row = document.createElement("div");
      row.className = "tm-row";
      var label = document.createElement("span");
      var name = document.createElement("a");
      name.className = "tm-worktrack-name";
      name.href = body.edit_url;
      name.textContent = body.name;
      var meta = document.createElement("small");
      meta.className = "tm-help";
      meta.textContent = km(body.distance_m) + " · " + body.points.toLocaleString("en") + " points";
      label.append(name, " ", meta);
      var actions = document.createElement("span");
      actions.className = "tm-actions";
      [["Edit", body.edit_url, "tm-small"], ["Delete", body.delete_url, "tm-small tm-danger"]].forEach(function (a) {
        var link = document.createElement("a");
        link.className = a[2]; link.href = a[1]; link.textContent = a[0];
        actions.appendChild(link);
      });
      row.append(label, actions);
      li.appendChild(row);
      if (body.far_away) {
        var warning = document.createElement("p");
        warning.className = "tm-warning";
        warning.setAttribute("role", "note");
        warning.textContent = "⚠ " + body.far_away;
        li.appendChild(warning);
      }
      list.appendChild(li);
      var count = leg.querySelector(".tm-trackcount");
      var n = list.querySelectorAll(".tm-worktrack").length;
      if (count) count.textContent = n + (n === 1 ? " track" : " tracks");
    }
    var map = window.travelmapMap;
    if (map && map.travelmapLegs && list && body.lines && body.lines.length) {
      var index = parseInt(list.getAttribute("data-leg-index"), 10);
      var drawn = map.travelmapLegs.draw(index, { name: body.name, colour: body.colour, dash: false,
                                                   lines: body.lines, planned: body.planned });
      var box = L.latLngBounds([]);
      drawn.forEach(function (line) { box.extend(line.getBounds()); });
      if (box.isValid()) map.fitBounds(box.extend(map.getBounds()), { padding: [16, 16] });
    }
  }

  function send(form, file, ui) {
    return new Promise(function (done) {
      var data = new FormData();
      data.append("file", file, file.name);
      var waypoints = form.querySelector('input[name="waypoints"]');
      if (waypoints && waypoints.checked) data.append("waypoints", "stops");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRFToken", form.querySelector('input[name="csrf_token"]').value);
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) { ui.bar.value = Math.round(100 * e.loaded / e.total); ui.text.textContent = "uploading…"; }
      };
      xhr.upload.onload = function () { ui.text.textContent = "reading the track…"; };
      xhr.onload = function () {
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (err) { body = null; }
        ui.bar.value = 100;
        if (xhr.status === 201 && body) {
          ui.li.className = "tm-ok";
          ui.text.textContent = km(body.distance_m) + ", " + (body.ascent_m == null ? "no heights" : "↑ " + metres(body.ascent_m)) + ", " + body.points + " points" +
            (body.warnings && body.warnings.length ? " — " + body.warnings.map(function (w) { return w.message; }).join(" ") : "");
          if (body.far_away) { ui.li.classList.add("tm-far"); }
          addTrack(form, body);
        } else {
          ui.li.className = "tm-failed";
          ui.text.textContent = body && body.error ? body.error.message : "The upload failed (HTTP " + xhr.status + ").";
        }
        done(xhr.status === 201);
      };
      xhr.onerror = function () { ui.li.className = "tm-failed"; ui.text.textContent = "The connection failed."; done(false); };
      xhr.send(data);
    });
  }

  document.querySelectorAll("form.tm-upload").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var input = form.querySelector('input[type="file"]');
      if (!input.files.length) { event.preventDefault(); input.focus(); return; }
      event.preventDefault();
      var list = form.querySelector(".tm-upload-results");
      list.innerHTML = "";
      var files = Array.prototype.slice.call(input.files);
      var rows = files.map(function (f) { return row(list, f.name); });
      var chain = Promise.resolve(0);
      files.forEach(function (file, i) {
        chain = chain.then(function (ok) { return send(form, file, rows[i]).then(function (good) { return ok + (good ? 1 : 0); }); });
      });
      chain.then(function (ok) {
        var li = document.createElement("li");
        li.className = "tm-upload-done";
        li.textContent = ok ? (ok === 1 ? "1 track added to the leg's list and the map above."
                                        : ok + " tracks added to the leg's list and the map above.")
                            : "Nothing was added.";
        list.appendChild(li);
        input.value = "";
      });
    });
  });
})();
