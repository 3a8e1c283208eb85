// page-weight: the article's blocks, skipped by content-visibility until now, laid out
// a few at a time once the page has loaded (see progressive_blocks.py for why).
(function () {
  "use strict";
  var root = document.documentElement;
  if (!root.classList.contains("pw-progressive")) return;

  function reveal() {
    var blocks = Array.prototype.slice.call(document.querySelectorAll(".md-content__inner > *"));
    var hash = location.hash ? decodeURIComponent(location.hash.slice(1)) : "";
    var target = hash ? document.getElementById(hash) : null;
    var moved = false, next = 0;
    ["wheel", "touchstart", "keydown", "pointerdown"].forEach(function (type) {
      addEventListener(type, function () { moved = true; }, { once: true, passive: true });
    });
    function step() {
      var started = performance.now();
      while (next < blocks.length && performance.now() - started < 10) {
        for (var end = Math.min(next + 4, blocks.length); next < end; next++) blocks[next].classList.add("pw-shown");
        void root.offsetHeight;  // lay this batch out now, inside this short task
      }
      if (next < blocks.length) {
        setTimeout(step, 0);
        return;
      }
      if (target && !moved) target.scrollIntoView();
      root.setAttribute("data-blocks-rendered", "");
    }
    step();
  }

  if (document.readyState === "complete") setTimeout(reveal, 0);
  else addEventListener("load", function () { setTimeout(reveal, 0); });
})();
