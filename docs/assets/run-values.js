/*
 * Where a number comes from: a card on hover, focus or tap.
 *
 * Every number bound to a snippet's run is a link (.run-value) to that
 * snippet's output, whose accessible name says where the number comes from
 * (verified_snippets/value_provenance.py writes it). In prose it is an <a>;
 * in a formula it is a MathML element with the link role, a tabindex and
 * data-href (MathML has no <a>), which this script follows on a click or on
 * Enter, as a browser follows a link. The script shows the same sentence to
 * sighted readers, in one card for the whole page:
 *
 * - mouse: on hover; the card stays while the pointer is on it;
 * - keyboard: on focus; Enter follows the link; Escape hides the card;
 * - touch: the first tap shows the card, a second tap follows the link.
 *
 * The card is hidden from assistive technology: the link's name already says
 * it all. It is placed inside the viewport, so it never widens the page.
 */
(function () {
  "use strict";

  var HINTS = {
    en: { mouse: "Click for the snippet's output", keyboard: "Press Enter for the snippet's output", touch: "Tap again for the snippet's output" },
    zh: { mouse: "点击查看该代码片段的输出", keyboard: "按回车键查看该代码片段的输出", touch: "再点一次，查看该代码片段的输出" },
  };
  var GAP = 6;
  var MARGIN = 8;

  var card = null;
  var shownFor = null;
  var hideTimer = null;
  var lastPointer = "mouse";
  var shownAtPointerDown = null;

  function hints() {
    var lang = (document.documentElement.lang || "en").slice(0, 2).toLowerCase();
    return HINTS[lang] || HINTS.en;
  }

  function makeCard() {
    card = document.createElement("div");
    card.className = "run-value-card";
    card.setAttribute("aria-hidden", "true");
    card.hidden = true;
    card.appendChild(document.createElement("p")).className = "run-value-card__origin";
    card.appendChild(document.createElement("p")).className = "run-value-card__hint";
    card.addEventListener("mouseenter", function () { clearTimeout(hideTimer); });
    card.addEventListener("mouseleave", function () { hideSoon(); });
    document.body.appendChild(card);
    return card;
  }

  function place(link) {
    var box = link.getBoundingClientRect();
    var width = card.offsetWidth;
    var height = card.offsetHeight;
    var left = Math.min(Math.max(box.left, MARGIN), document.documentElement.clientWidth - width - MARGIN);
    var top = box.bottom + GAP;
    if (top + height > window.innerHeight && box.top - GAP - height > 0) top = box.top - GAP - height;
    card.style.left = Math.max(left, MARGIN) + window.scrollX + "px";
    card.style.top = top + window.scrollY + "px";
  }

  function show(link) {
    clearTimeout(hideTimer);
    if (!card) makeCard();
    card.firstChild.textContent = link.getAttribute("aria-label") || "";
    card.lastChild.textContent = hints()[lastPointer] || hints().mouse;
    card.hidden = false;
    shownFor = link;
    place(link);
  }

  function hide() {
    clearTimeout(hideTimer);
    if (card) card.hidden = true;
    shownFor = null;
  }

  function hideSoon() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(function () {
      if (shownFor && shownFor !== document.activeElement) hide();
    }, 200);
  }

  function valueLink(event) {
    return event.target instanceof Element ? event.target.closest(".run-value") : null;
  }

  function follow(link) {
    var href = link.getAttribute("data-href");
    if (href) window.location.assign(new URL(href, document.baseURI).href);
  }

  document.addEventListener("pointerdown", function (event) {
    lastPointer = event.pointerType || "mouse";
    var link = valueLink(event);
    shownAtPointerDown = link && link === shownFor ? link : null;
    if (!link && card && !card.contains(event.target)) hide();
  });
  document.addEventListener("click", function (event) {
    var link = valueLink(event);
    if (link && lastPointer === "touch" && shownAtPointerDown !== link) {
      event.preventDefault();  // the first tap shows where the number comes from
      show(link);
    } else if (link && !link.hasAttribute("href")) {
      follow(link);
    }
  });
  document.addEventListener("pointerover", function (event) {
    var link = valueLink(event);
    if (!link || event.pointerType === "touch") return;  // a tap is handled on click
    lastPointer = "mouse";
    show(link);
  });
  document.addEventListener("mouseout", function (event) {
    var link = valueLink(event);
    if (link && !link.contains(event.relatedTarget)) hideSoon();
  });
  document.addEventListener("focusin", function (event) {
    var link = valueLink(event);
    if (link && lastPointer !== "touch" && link.matches(":focus-visible")) lastPointer = "keyboard";
    if (link) show(link);
    else if (shownFor) hide();
  });
  document.addEventListener("focusout", function (event) {
    if (valueLink(event) && lastPointer !== "touch") hideSoon();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && shownFor) hide();
    var link = valueLink(event);
    if (event.key === "Enter" && link && !link.hasAttribute("href")) {
      event.preventDefault();
      follow(link);
    }
  });
  window.addEventListener("resize", function () { if (shownFor) place(shownFor); });
})();
