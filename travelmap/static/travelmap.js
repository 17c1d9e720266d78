// Timeline buttons open their stop's popup on the map (the marker's icon carries data-stop).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-show-stop]");
    if (!button) return;
    var slug = button.getAttribute("data-show-stop");
    var pins = document.querySelectorAll(".tm-pin[data-stop]");
    for (var i = 0; i < pins.length; i++) {
      if (pins[i].getAttribute("data-stop") === slug) {
        var map = document.querySelector(".tm-map");
        if (map && map.getBoundingClientRect().top < 0) map.scrollIntoView({ behavior: "smooth" });
        pins[i].parentElement.click();
        return;
      }
    }
  });
})();
