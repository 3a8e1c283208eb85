// Long-running KaTeX renderer for the MkDocs build.
//
// One process serves a whole build: it reads newline-delimited JSON requests
// on stdin and answers each with exactly one JSON line on stdout, in order.
//
//   {"id": 1, "tex": "\\frac{a}{b}", "display": false}
//     -> {"id": 1, "html": "<span class=\"katex\">..."}
//     -> {"id": 1, "error": "KaTeX parse error: ..."}
//
//   {"id": 2, "batch": [{"tex": "...", "display": true}, ...]}
//     -> {"id": 2, "results": [{"html": "..."} | {"error": "..."}, ...]}
//
// On start it prints {"ready": true, "katex": "<version>"} so the caller
// knows KaTeX was found. It exits when stdin closes.
//
// Usage: node katex_server.mjs <node_modules folder> [htmlAndMathml|mathml]. KaTeX (or Temml) is loaded from that
// folder (installed there by `npm ci`), not from wherever this script lives, so
// the plugin works for a site anywhere on disk.

import { createRequire } from "node:module";
import { join } from "node:path";
import { createInterface } from "node:readline";

const OUTPUT = process.argv[3] || "htmlAndMathml";
if (OUTPUT !== "htmlAndMathml" && OUTPUT !== "mathml") {
  process.stdout.write(JSON.stringify({ ready: false, error: `unknown output ${JSON.stringify(OUTPUT)}: htmlAndMathml or mathml` }) + "\n");
  process.exit(2);
}

// KaTeX for its HTML (+ MathML); Temml, KaTeX's MathML-only descendant, for
// MathML alone: KaTeX's own MathML is written to be read out beside its HTML,
// not shown, and MathML Core browsers lay it out poorly (no alignment in
// `aligned`, \mathbb shown plain, \overset broken, TeX's spacing lost).
let engine;
try {
  const nodeModules = process.argv[2] || join(process.cwd(), "node_modules");
  engine = createRequire(join(nodeModules, "noop.js"))(OUTPUT === "mathml" ? "temml" : "katex");
} catch (err) {
  process.stdout.write(
    JSON.stringify({
      ready: false,
      error:
        `cannot load the '${OUTPUT === "mathml" ? "temml" : "katex"}' package (` +
        (err && err.message ? err.message.split("\n")[0] : String(err)) +
        "); run `npm ci` (or `make`) in the repository root",
    }) + "\n",
  );
  process.exit(3);
}

// The options are fixed here, not taken from requests: every formula on the
// site is rendered the same way, and a formula KaTeX merely warns about is an
// error.
//
// One HTML extension is trusted: \htmlData, with which the site marks where a
// bound number comes from (a span with data-* attributes; KaTeX prefixes every
// key with "data-", so it cannot set an event handler or a style). Its use
// is what strict mode calls "htmlExtension"; that one code is let through, and
// the trust function refuses every other command that asks for trust
// (\href, \url, \includegraphics, \htmlClass, \htmlId, \htmlStyle). KaTeX
// renders a refused command as red text without raising, so renderOne turns
// a refusal into an error itself. Temml names the command \data (the macro
// below maps \htmlData to it) and keeps its attributes on the MathML element
// of its body; it raises on a refused command itself.
let refused = [];
const TRUSTED = OUTPUT === "mathml" ? "\\data" : "\\htmlData";
const trust = (context) => {
  if (context.command === TRUSTED) return true;
  refused.push(context.command);
  return false;
};
const OPTIONS = Object.freeze(
  OUTPUT === "mathml"
    ? { throwOnError: true, annotate: true, trust, macros: { "\\htmlData": "\\data" } }
    : {
        throwOnError: true,
        strict: (errorCode) => (errorCode === "htmlExtension" ? "ignore" : "error"),
        output: "htmlAndMathml",
        trust,
      },
);
const NAME = OUTPUT === "mathml" ? "Temml" : "KaTeX";

function renderOne(tex, display) {
  if (typeof tex !== "string") {
    return { error: "request has no string 'tex'" };
  }
  refused = [];
  try {
    // Temml adds macros it defines to the options object it is given: a fresh copy each time.
    const options = { ...OPTIONS, macros: OPTIONS.macros ? { ...OPTIONS.macros } : undefined, displayMode: Boolean(display) };
    const html = engine.renderToString(tex, options);
    if (refused.length > 0) {
      return {
        error:
          NAME + " error: " + [...new Set(refused)].join(", ") +
          " is not allowed on this site (the only trusted command is \\htmlData, for bound values)",
      };
    }
    return { html: OUTPUT === "mathml" ? `<span class="katex">${html}</span>` : html };
  } catch (err) {
    // ParseError.message is "KaTeX parse error: ..." (Temml's has no prefix: it gets one); anything
    // else (a bug in the engine, say) is reported the same way rather than killing the server.
    const message = err && err.message ? err.message.trim() : String(err);
    return { error: OUTPUT === "mathml" && !message.startsWith("Temml") ? `Temml parse error: ${message}` : message };
  }
}

function answer(line) {
  let req;
  try {
    req = JSON.parse(line);
  } catch (err) {
    return { id: null, error: "request is not JSON: " + err.message };
  }
  if (req === null || typeof req !== "object") {
    return { id: null, error: "request is not a JSON object" };
  }
  const id = req.id === undefined ? null : req.id;
  if (Array.isArray(req.batch)) {
    return {
      id,
      results: req.batch.map((item) =>
        item && typeof item === "object"
          ? renderOne(item.tex, item.display)
          : { error: "batch item is not a JSON object" },
      ),
    };
  }
  return { id, ...renderOne(req.tex, req.display) };
}

process.stdout.write(JSON.stringify({ ready: true, katex: engine.version, engine: NAME }) + "\n");

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
lines.on("line", (line) => {
  if (line.trim() === "") return;
  process.stdout.write(JSON.stringify(answer(line)) + "\n");
});
// When stdin closes nothing is left to wait for and Node exits by itself,
// after flushing stdout.
