// A lightbox for photo galleries: click a thumbnail for the larger copy; arrows and Escape work.
(function () {
  "use strict";
  document.querySelectorAll(".tm-gallery-wrap").forEach(function (wrap) {
    var items = Array.prototype.slice.call(wrap.querySelectorAll(".tm-gallery-item"));
    var dialog = wrap.querySelector(".tm-lightbox");
    if (!dialog || !dialog.showModal) return;
    var img = dialog.querySelector("img"), caption = dialog.querySelector("figcaption"), index = 0;
    function show(i) {
      index = (i + items.length) % items.length;
      img.src = items[index].getAttribute("href");
      img.alt = items[index].getAttribute("data-caption") || "Photo";
      caption.textContent = items[index].getAttribute("data-caption") || "";
    }
    items.forEach(function (item, i) {
      item.addEventListener("click", function (event) { event.preventDefault(); show(i); dialog.showModal(); });
    });
    dialog.addEventListener("click", function (event) {
      var step = event.target.getAttribute("data-step");
      if (step) show(index + parseInt(step, 10));
      else if (event.target.hasAttribute("data-close") || event.target === dialog) dialog.close();
    });
    dialog.addEventListener("keydown", function (event) {
      if (event.key === "ArrowRight") show(index + 1);
      if (event.key === "ArrowLeft") show(index - 1);
    });
  });
})();
