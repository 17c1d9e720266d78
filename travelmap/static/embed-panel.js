// The workspace's embed panel: choose what and how big, get the iframe snippet and page address, preview it live.
(function () {
  "use strict";
  var panel = document.querySelector(".tm-embed-panel");
  if (!panel) return;
  var what = panel.querySelector("#embed-what"), size = panel.querySelector("#embed-size");
  var photos = panel.querySelector("#embed-photos"), snippet = panel.querySelector("#embed-snippet");
  var page = panel.querySelector("#embed-page"), preview = panel.querySelector("#embed-preview");
  function escape(text) {
    return text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function update() {
    var option = what.options[what.selectedIndex];
    // The story has an embed of its own (text and map); the others are the map embed with a query.
    var own = option.getAttribute("data-embed");
    photos.disabled = !!own;
    var query = own ? "" : [what.value, photos.checked ? "" : "photos=0"].filter(Boolean).join("&");
    var src = (own || panel.getAttribute("data-embed")) + (query ? "?" + query : "");
    var parts = size.value.split("x"), width = parts[0], height = parts[1];
    // The iframe's title is the server's (embed.iframe_label), the same oEmbed puts in its snippet.
    snippet.value = '<iframe src="' + escape(src) + '" width="' + width + '" height="' + height +
      '" style="border:0;max-width:100%" loading="lazy" allowfullscreen title="' +
      escape(option.getAttribute("data-label")) + '"></iframe>';
    page.value = what.options[what.selectedIndex].getAttribute("data-page");
    preview.style.width = width.indexOf("%") >= 0 ? width : width + "px";
    preview.style.height = height + "px";
    if (preview.getAttribute("src") !== src) preview.setAttribute("src", src);
  }
  [what, size, photos].forEach(function (input) { input.addEventListener("change", update); });
  panel.addEventListener("click", function (event) {
    var id = event.target.getAttribute("data-copy");
    if (!id) return;
    var field = document.getElementById(id);
    field.select();
    // The button keeps its name; a status line beside it says it worked (and screen readers hear it).
    var status = panel.querySelector('[data-copied-for="' + id + '"]');
    var done = function () {
      if (!status) return;
      status.textContent = "Copied.";
      setTimeout(function () { status.textContent = ""; }, 2500);
    };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
    else { document.execCommand("copy"); done(); }
  });
  update();
})();
