"""Copy KaTeX's stylesheet and fonts from the installed package into the site.

Only ``katex.min.css`` and the fonts it needs are copied. Every ``@font-face``
in KaTeX's stylesheet lists each font three times (woff2, woff, ttf); all
browsers the site targets read woff2 and stop at the first format they
support, so the copied stylesheet lists woff2 alone and only the woff2 files
are copied: about 0.3 MB instead of 1.2 MB, and no URL in the stylesheet
points at a file that is not there.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from .renderer import KatexSetupError, katex_package_dir

__all__ = ["woff2_only_css", "css_urls", "install_katex_assets", "STYLESHEET"]

#: Name of the stylesheet, relative to the destination folder.
STYLESHEET = "katex.min.css"

_FONT_FACE_RE = re.compile(r"@font-face\s*\{[^}]*\}")
_SRC_RE = re.compile(r"(?P<head>(?:^|[{;])\s*src\s*:)(?P<value>[^;}]*)")
_URL_RE = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""")


def _split_sources(value: str) -> list[str]:
    """Split a ``src`` value at top-level commas (not inside parentheses or quotes)."""
    items: list[str] = []
    current: list[str] = []
    depth, quote = 0, ""
    for ch in value:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            items.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    items.append("".join(current).strip())
    return [item for item in items if item]


def woff2_only_css(css: str) -> str:
    """``css`` with every ``@font-face`` ``src`` reduced to its woff2 sources.

    A ``@font-face`` without a woff2 source is left as it is.
    """

    def reduce_src(match: re.Match[str]) -> str:
        sources = _split_sources(match.group("value"))
        woff2 = [s for s in sources if re.search(r"""format\(\s*["']?woff2["']?\s*\)""", s)]
        if not woff2:
            return match.group(0)
        return match.group("head") + ",".join(woff2)

    def reduce_face(match: re.Match[str]) -> str:
        return _SRC_RE.sub(reduce_src, match.group(0))

    return _FONT_FACE_RE.sub(reduce_face, css)


def css_urls(css: str) -> list[str]:
    """Relative URLs the stylesheet refers to (``data:`` and absolute ones left out)."""
    urls = []
    for m in _URL_RE.finditer(css):
        url = next(g for g in m.groups() if g is not None)
        if url and not re.match(r"^(?:[a-z][a-z0-9+.-]*:|/|#)", url, re.I):
            urls.append(url.split("#", 1)[0].split("?", 1)[0])
    return list(dict.fromkeys(urls))


def install_katex_assets(dest: Path | str, node_modules: Path | str | None = None) -> list[Path]:
    """Write KaTeX's stylesheet (woff2 only) and its fonts into ``dest``.

    Returns the files written. Raises :class:`KatexSetupError` if KaTeX is not
    installed or the stylesheet refers to a file the package lacks.
    """
    pkg = katex_package_dir(node_modules)
    dist = pkg / "dist"
    source_css = dist / STYLESHEET
    if not source_css.is_file():
        raise KatexSetupError(f"{source_css} is missing; reinstall with `npm ci`.")
    version = json.loads((pkg / "package.json").read_text(encoding="utf-8")).get("version", "?")

    css = woff2_only_css(source_css.read_text(encoding="utf-8"))
    urls = css_urls(css)
    missing = [u for u in urls if not (dist / u).is_file()]
    if missing:
        raise KatexSetupError(
            f"{source_css} refers to files the KaTeX package lacks: {', '.join(missing)}"
        )

    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    banner = (
        f"/*! KaTeX {version} | MIT License (see LICENSE) | https://katex.org\n"
        f" * dist/{STYLESHEET} from the npm package, @font-face sources reduced to woff2. */\n"
    )
    out_css = dest / STYLESHEET
    out_css.write_text(banner + css, encoding="utf-8")
    written.append(out_css)
    for url in urls:
        target = dest / url
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(dist / url, target)
        written.append(target)
    if (pkg / "LICENSE").is_file():
        shutil.copyfile(pkg / "LICENSE", dest / "LICENSE")
        written.append(dest / "LICENSE")
    return written
