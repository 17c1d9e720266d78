// Drag-and-drop photo upload: one request for the whole batch (so camera clock offsets can be learned),
// with a progress bar, then the review list.
(function () {
  "use strict";
  var form = document.querySelector("form.tm-photo-upload");
  if (!form) return;
  var input = form.querySelector('input[type="file"]');
  var zone = form.querySelector(".tm-dropzone");
  var box = form.querySelector(".tm-upload-progress");
  var bar = box.querySelector("progress"), text = box.querySelector("span");

  function send(files) {
    if (!files.length) return;
    var data = new FormData();
    Array.prototype.forEach.call(files, function (file) { data.append("file", file, file.name); });
    data.append("clock_offset", form.querySelector('input[name="clock_offset"]').value);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", form.querySelector('input[name="csrf_token"]').value);
    box.hidden = false;
    text.textContent = "Uploading " + files.length + " photo" + (files.length > 1 ? "s" : "") + "…";
    xhr.upload.onprogress = function (e) { if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total); };
    xhr.upload.onload = function () { text.textContent = "Reading, placing and resizing…"; };
    xhr.onload = function () {
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (err) { body = null; }
      if (body && body.redirect) { window.location = body.redirect; return; }
      text.textContent = body && body.error ? body.error.message : "The upload failed (HTTP " + xhr.status + ").";
      box.classList.add("tm-failed");
    };
    xhr.onerror = function () { text.textContent = "The connection failed."; box.classList.add("tm-failed"); };
    xhr.send(data);
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); send(input.files); });
  input.addEventListener("change", function () { send(input.files); });
  ["dragenter", "dragover"].forEach(function (type) {
    zone.addEventListener(type, function (event) { event.preventDefault(); zone.classList.add("tm-dragging"); });
  });
  ["dragleave", "drop"].forEach(function (type) {
    zone.addEventListener(type, function () { zone.classList.remove("tm-dragging"); });
  });
  zone.addEventListener("drop", function (event) { event.preventDefault(); send(event.dataTransfer.files); });
})();
