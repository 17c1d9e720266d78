// Photo galleries: a click (or Enter) on a thumbnail opens the lightbox (lightbox.js) at that photo, with the
// gallery's other photos a step away; without script the link opens the larger copy itself.
(function () {
  "use strict";
  if (!window.travelmapLightbox) return;
  document.querySelectorAll(".tm-gallery-wrap").forEach(function (wrap) {
    var links = Array.prototype.slice.call(wrap.querySelectorAll(".tm-gallery-item"));
    var items = links.map(function (a) {
      return { src: a.getAttribute("href"), caption: a.getAttribute("data-caption") || "",
               when: a.getAttribute("data-when") || "", stopName: a.getAttribute("data-stop-name") || "",
               stopUrl: a.getAttribute("data-stop-url") || "", postUrl: a.getAttribute("data-post-url") || "",
               target: a.getAttribute("target") || "" };
    });
    links.forEach(function (a, i) {
      a.addEventListener("click", function (event) {
        if (event.ctrlKey || event.metaKey || event.shiftKey) return;  // a new tab, as the reader asked
        if (window.travelmapLightbox.open(items, i, a)) event.preventDefault();
      });
    });
  });
})();
