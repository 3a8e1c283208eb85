// page-weight: the article's blocks, skipped by content-visibility until now, laid out
// a few at a time once the page has loaded (see progressive_blocks.py for why).
(function () {
  "use strict";
  var root = document.documentElement;
  if (!root.classList.contains("pw-progressive")) return;

  function anchorTarget() {
    try {
      return location.hash ? document.getElementById(decodeURIComponent(location.hash.slice(1))) : null;
    } catch (error) {  // a malformed escape in the address: no anchor to come back to
      return null;
    }
  }

  function showAll() {
    // Whatever went wrong, nothing may stay skipped: it would stay out of the accessibility tree.
    root.classList.remove("pw-progressive");
    root.setAttribute("data-blocks-rendered", "");
  }

  function reveal() {
    var blocks = Array.prototype.slice.call(document.querySelectorAll(".md-content__inner > *"));
    var target = anchorTarget();
    var moved = false, next = 0;
    ["wheel", "touchstart", "keydown", "pointerdown"].forEach(function (type) {
      addEventListener(type, function () { moved = true; }, { once: true, passive: true });
    });
    function step() {
      try {
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
      } catch (error) {
        showAll();
        throw error;
      }
    }
    step();
  }

  function start() {
    setTimeout(function () {
      try {
        reveal();
      } catch (error) {
        showAll();
        throw error;
      }
    }, 0);
  }

  if (document.readyState === "complete") start();
  else addEventListener("load", start);
})();
