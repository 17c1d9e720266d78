// One lightbox for every photo a reader opens: from a gallery (gallery.js) or from a thumbnail on a map (photos.js).
// A modal <dialog>: previous/next (buttons, arrow keys, a swipe on a phone), the caption, the local time and links
// to the photo's stop and post; Escape or the close button closes it and gives the focus back to what opened it. Built from
// text nodes, never from HTML.
(function () {
  "use strict";
  if (window.travelmapLightbox) return;  // a page may load it twice (the map's head and a gallery)
  var dialog, img, caption, when, place, post, counter, prev, next, close;
  var items = [], index = 0, opener = null, touchX = null;

  function node(tag, className, parent) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (parent) parent.appendChild(el);
    return el;
  }

  function button(label, text, onClick) {
    var b = node("button", "tm-lightbox-button");
    b.type = "button";
    b.setAttribute("aria-label", label);
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }

  function build() {
    dialog = node("dialog", "tm-lightbox", document.body);
    dialog.setAttribute("aria-label", "Photo");
    var figure = node("figure", "", dialog);
    img = node("img", "", figure);
    var text = node("figcaption", "", figure);
    caption = node("span", "tm-lightbox-caption", text);
    var meta = node("span", "tm-lightbox-meta", text);
    when = node("time", "tm-lightbox-when", meta);
    place = node("a", "tm-lightbox-stop", meta);
    post = node("a", "tm-lightbox-post", meta);
    post.textContent = "Read the post";
    counter = node("span", "tm-lightbox-count", meta);
    counter.setAttribute("aria-live", "polite");
    var bar = node("div", "tm-lightbox-bar", dialog);
    prev = button("Previous photo", "‹", function () { show(index - 1); });
    close = button("Close", "✕", function () { dialog.close(); });
    next = button("Next photo", "›", function () { show(index + 1); });
    bar.appendChild(prev); bar.appendChild(close); bar.appendChild(next);

    dialog.addEventListener("click", function (event) { if (event.target === dialog) dialog.close(); });
    dialog.addEventListener("keydown", function (event) {
      if (event.key === "ArrowRight") { event.preventDefault(); show(index + 1); }
      else if (event.key === "ArrowLeft") { event.preventDefault(); show(index - 1); }
      else if (event.key === "Home") { event.preventDefault(); show(0); }
      else if (event.key === "End") { event.preventDefault(); show(items.length - 1); }
      else if (event.key === "Tab") {
        // Keep the focus inside the open dialog (the page behind it is inert anyway).
        var stops = Array.prototype.filter.call(dialog.querySelectorAll("a[href], button"), function (el) {
          return !el.hidden && el.offsetWidth > 0;
        });
        if (!stops.length) return;
        var first = stops[0], last = stops[stops.length - 1];
        if (event.shiftKey && document.activeElement === first) { event.preventDefault(); last.focus(); }
        else if (!event.shiftKey && document.activeElement === last) { event.preventDefault(); first.focus(); }
      }
    });
    // A swipe sideways on a phone steps through the photos.
    figure.addEventListener("touchstart", function (event) {
      touchX = event.touches.length === 1 ? event.touches[0].clientX : null;
    }, { passive: true });
    figure.addEventListener("touchend", function (event) {
      if (touchX === null || !event.changedTouches.length) return;
      var dx = event.changedTouches[0].clientX - touchX;
      touchX = null;
      if (Math.abs(dx) > 40) show(index + (dx < 0 ? 1 : -1));
    });
    dialog.addEventListener("close", function () {
      img.removeAttribute("src");
      if (opener && document.contains(opener)) opener.focus({ preventScroll: true });
      opener = null;
    });
  }

  function show(i) {
    if (!items.length) return;
    index = (i + items.length) % items.length;
    var item = items[index];
    img.src = item.src;
    img.alt = item.caption || "Photo " + (index + 1) + " of " + items.length;
    caption.textContent = item.caption || "";
    when.textContent = item.when || "";
    when.hidden = !item.when;
    var here = item.stopUrl && item.stopUrl.split("#")[0] === window.location.pathname;
    place.hidden = !item.stopName || !item.stopUrl || here;
    place.textContent = item.stopName ? "At " + item.stopName : "";
    if (item.stopUrl) place.href = item.stopUrl; else place.removeAttribute("href");
    if (item.target) place.target = post.target = item.target;
    var postHere = item.postUrl && item.postUrl.split("#")[0] === window.location.pathname;
    post.hidden = !item.postUrl || postHere;
    if (item.postUrl) post.href = item.postUrl; else post.removeAttribute("href");
    counter.textContent = items.length > 1 ? "Photo " + (index + 1) + " of " + items.length : "";
    prev.hidden = next.hidden = items.length < 2;
  }

  // items: [{src, caption, when, stopName, stopUrl, postUrl, target}]; index: the one to show; from: what to focus
  // on close.
  window.travelmapLightbox = {
    open: function (list, i, from) {
      if (!dialog) build();
      if (!dialog.showModal) return false;
      items = list;
      opener = from || document.activeElement;
      show(i);
      if (!dialog.open) dialog.showModal();
      close.focus();
      return true;
    }
  };
})();
