"""The search index loaded when a reader first turns to search, not while every page loads.

Material's script requests `search/search_index.json` as soon as a page
loads, parses it on the main thread and copies it to its search worker. For
this site the index holds every page in both languages: 1.1 MB, 205 KB
gzipped. On a phone that is a download competing with the page's own and two
long tasks after the page has painted (Lighthouse's simulated phone counts
them as blocking time), on every page, for a search that most visits never
make.

One edit to the site's copy of Material's bundle makes the index an
observable that starts the request on the first of:

* the reader turning to the search form: focus inside it (a click or tap on
  the field, the header's search button on a phone, or Material's keyboard
  shortcuts, which all move the focus there), or a pointer or key pressed in
  it;
* a page opened with `?h=` (from a search result, for `search.highlight`),
  whose terms are highlighted from the index's settings at once.

The request is Material's own (shared by every subscriber, as before); until
it ends, the search shows Material's "Initializing search" as it did while
the index loaded with the page.
"""
from __future__ import annotations

import re
from pathlib import Path

from .site_files import BundleCodeNotFound, edit_bundles

# Material's minified set-up of the index: `<index>=document.forms.namedItem("search")?<load>():<empty>`.
_INDEX = re.compile(r'(\w+)=document\.forms\.namedItem\("search"\)\?(\w+)\(\):(\w+)(?=[,;])')
# The observable constructor Material's request uses (`new <Observable>(r=>{let o=new XMLHttpRequest;`).
_OBSERVABLE = re.compile(r"new (\w+)\(\w+=>\{let \w+=new XMLHttpRequest;")
# Marks the edit, so that a site folder edited by an earlier build is left as it is.
MARKER = "/*search index on demand*/"

# The names are Material's minified ones: `load` returns its shared request of the index, `observable`
# is its Observable class. In the script, `s` (start) calls `load` once and hands its request to every
# subscriber waiting in `w`; `q` is that request once made.
_LAZY = (
    "{marker}(()=>{{let q,w=[],f=document.forms.namedItem(\"search\"),"
    "s=()=>{{if(!q){{q={load}();w.splice(0).forEach(g=>g())}}}};"
    "new URLSearchParams(location.search).has(\"h\")?s():"
    "[\"focusin\",\"pointerdown\",\"keydown\"].forEach(t=>f.addEventListener(t,s,{{once:!0}}));"
    "return new {observable}(o=>{{let u,g=()=>{{u=q.subscribe(o)}};q?g():w.push(g);"
    "return()=>{{w=w.filter(x=>x!==g);u&&u.unsubscribe()}}}})}})()"
)


def load_on_demand(bundle: str, name: str) -> str:
    """Material's bundle with the search index requested on the reader's first use of search."""
    if MARKER in bundle:
        return bundle  # edited by an earlier build into the same site folder
    found = _INDEX.findall(bundle)
    if len(found) != 1:
        raise BundleCodeNotFound(f"{name}: Material's request of the search index at load was found {len(found)} times, not once")
    constructors = set(_OBSERVABLE.findall(bundle))
    if len(constructors) != 1:
        raise BundleCodeNotFound(f"{name}: Material's Observable class (its XMLHttpRequest wrapper) was found {len(constructors)} times, not once")
    index, load, empty = found[0]
    lazy = _LAZY.format(marker=MARKER, load=load, observable=constructors.pop())
    return _INDEX.sub(f'{index}=document.forms.namedItem("search")?{lazy}:{empty}', bundle)


def rewrite_site(site_dir: Path) -> list[Path]:
    """Edit the site's copy of Material's bundle; returns the files edited."""
    return edit_bundles(site_dir, load_on_demand)
