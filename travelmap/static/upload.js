// Upload GPX files one per request, with a progress bar and the result (stats or the error) per file.
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
            (body.warnings && body.warnings.length ? " — " + body.warnings.join(" ") : "");
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
        var link = document.createElement("a");
        link.href = window.location.pathname;
        link.textContent = ok ? "Reload to see the new tracks" : "Nothing was added";
        li.appendChild(link);
        list.appendChild(li);
        input.value = "";
      });
    });
  });
})();
