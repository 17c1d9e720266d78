// Timeline buttons open their stop's popup on the map (the marker's icon carries data-stop).
(function () {
  "use strict";
  function headerHeight() {
    var header = document.querySelector(".tm-header");
    return header ? header.getBoundingClientRect().height : 0;
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-show-stop]");
    if (!button) return;
    var slug = button.getAttribute("data-show-stop");
    var pins = document.querySelectorAll(".tm-pin[data-stop]");
    for (var i = 0; i < pins.length; i++) {
      if (pins[i].getAttribute("data-stop") !== slug) continue;
      var map = document.querySelector(".tm-map");
      var top = map ? map.getBoundingClientRect().top : 0;
      if (map && top < headerHeight()) {
        // Bring the map back just below the sticky header (phones: the timeline is under the map).
        window.scrollTo({ top: window.scrollY + top - headerHeight() });
      }
      pins[i].parentElement.focus({ preventScroll: true });
      pins[i].parentElement.click();
      return;
    }
  });
})();
