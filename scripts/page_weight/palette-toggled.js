// Sets data-md-palette-toggled on <body> for two frames when a reader switches
// the palette, so that colours change at once (the page-weight plugin moved
// Material's "no transitions while switching" rule onto this attribute; see
// palette_switching.py). Capture phase: set before Material applies the palette.
document.addEventListener("change", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || input.name !== "__palette") return;
  document.body.setAttribute("data-md-palette-toggled", "");
  requestAnimationFrame(() => requestAnimationFrame(() => document.body.removeAttribute("data-md-palette-toggled")));
}, true);
