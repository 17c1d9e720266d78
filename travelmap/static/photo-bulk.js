// The review list's bulk panel: ticking photos (a "select all" box, Shift-click for a range), a live count,
// and one click on the panel's map to place every ticked photo there. The form works without this script too:
// its buttons send the ticked ids, and "Select all" is a link that comes back with every box ticked.
(function () {
  "use strict";
  var form = document.getElementById("bulk");
  if (!form) return;
  var boxes = Array.prototype.slice.call(document.querySelectorAll('input[name="ids"][form="bulk"]'));
  var all = form.querySelector("[data-select-all]");
  var count = form.querySelector(".tm-bulk-count");
  var place = form.querySelector("[data-place]");
  var last = null;

  form.classList.add("tm-bulk-js");  // on a phone the count and "select all" then ride along at the bottom
  form.querySelector(".tm-bulk-jump").hidden = false;
  all.parentNode.hidden = false;
  form.querySelector("[data-noscript]").hidden = true;
  form.querySelector(".tm-bulk-tip").hidden = false;

  function picked() { return boxes.filter(function (box) { return box.checked; }).length; }

  function update() {
    var n = picked();
    count.textContent = n === 0 ? "None selected" : n + (n === 1 ? " photo" : " photos") + " selected";
    all.checked = n > 0 && n === boxes.length;
    all.indeterminate = n > 0 && n < boxes.length;
    form.classList.toggle("tm-bulk-some", n > 0);
  }

  boxes.forEach(function (box, i) {
    box.addEventListener("click", function (event) {
      if (event.shiftKey && last !== null && last !== i) {  // the range from the last box ticked takes its state
        var from = Math.min(last, i), to = Math.max(last, i);
        for (var k = from; k <= to; k++) boxes[k].checked = box.checked;
      }
      last = i;
      update();
    });
  });
  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
    last = null;
    update();
  });

  // One click on the map places the selection: the click-to-fill script has set the fields by then.
  var map = window.travelmapMap;
  if (map && place) {
    map.on("click", function () {
      window.setTimeout(function () {
        if (!picked()) {
          count.textContent = "Tick the photos to place first, then click the map.";
          return;
        }
        count.textContent = "Placing " + picked() + " photos…";
        if (form.requestSubmit) form.requestSubmit(place); else place.click();
      }, 0);
    });
  }
  update();
})();
