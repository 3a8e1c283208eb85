"""Render TeX to HTML with KaTeX, through one long-running Node process.

Starting Node and loading KaTeX costs far more than rendering a formula, so a
:class:`KatexRenderer` starts ``katex_server.mjs`` once, on first use, and
sends every formula of the build to it over a pipe (newline-delimited JSON;
the protocol is described at the top of that script).

    with KatexRenderer() as katex:
        html = katex.render(r"\\frac{a}{b}", display=True)
        many = katex.render_many([("x", False), ("y^2", True)])

Identical ``(tex, display)`` requests are answered from a cache, errors
included. With ``cache_file``, the formulas rendered without error are also
kept on disk between builds (:meth:`KatexRenderer.save_cache`), keyed by the
TeX and salted with KaTeX's version and this renderer's script (its options):
a build whose formulas are all known never starts Node.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import queue
import shutil
import subprocess
import threading
from collections import deque
from collections.abc import Iterable
from pathlib import Path

from . import mathml_output

__all__ = [
    "KatexError",
    "KatexSetupError",
    "KatexRenderer",
    "SERVER_SCRIPT",
    "katex_package_dir",
]

HERE = Path(__file__).resolve().parent
SERVER_SCRIPT = HERE / "katex_server.mjs"
#: KaTeX's `output` settings the site can use: HTML with MathML for assistive technology, or MathML alone.
OUTPUTS = ("htmlAndMathml", "mathml")
#: The npm package that renders each output: MathML alone is Temml's (see katex_server.mjs).
ENGINES = {"htmlAndMathml": "katex", "mathml": "temml"}
#: Where KaTeX is looked for when no folder is given: the working folder's node_modules.
DEFAULT_NODE_MODULES = Path("node_modules")

_SETUP_HINT = "run `make` (or `npm ci`) in the site's folder"


class KatexError(ValueError):
    """KaTeX refused a formula. ``str(err)`` is KaTeX's own message."""

    def __init__(self, message: str, tex: str = "", display: bool = False):
        super().__init__(message)
        self.message = message
        self.tex = tex
        self.display = display


class KatexSetupError(RuntimeError):
    """Node, KaTeX or the renderer process is missing or broken."""


def katex_package_dir(node_modules: Path | str | None = None, package: str = "katex") -> Path:
    """``<node_modules>/katex`` (or another package: ``temml``); raise if it is not installed."""
    pkg = Path(node_modules if node_modules is not None else DEFAULT_NODE_MODULES).resolve() / package
    if not (pkg / "package.json").is_file():
        name = "KaTeX" if package == "katex" else package
        raise KatexSetupError(f"{name} is not installed: {pkg} is missing; {_SETUP_HINT}.")
    return pkg


def _find_node(node: str | None) -> str:
    candidate = node or os.environ.get("KATEX_PRERENDER_NODE") or "node"
    found = shutil.which(candidate)
    if found is None:
        raise KatexSetupError(
            f"Node.js ({candidate!r}) was not found on PATH; KaTeX formulas are rendered "
            f"at build time by Node. Install Node.js 20 or newer, then {_SETUP_HINT}."
        )
    return found


class KatexRenderer:
    """Renders TeX with KaTeX in one Node process, started lazily.

    ``timeout`` bounds the wait for any single answer (seconds); a stuck or
    dead process raises :class:`KatexSetupError` and is restarted on the next
    request.
    """

    def __init__(
        self,
        node_modules: Path | str | None = None,
        *,
        node: str | None = None,
        timeout: float = 60.0,
        cache_file: Path | None = None,
        output: str = "htmlAndMathml",
    ) -> None:
        if output not in OUTPUTS:
            raise ValueError(f"output must be one of {', '.join(OUTPUTS)}, not {output!r}")
        self.output = output
        self.node_modules = Path(node_modules if node_modules is not None else DEFAULT_NODE_MODULES).resolve()
        self.cache_file = cache_file
        self._disk: dict[str, str] = {}  # "display|tex" -> html, from cache_file
        self._disk_used: set[str] = set()
        self._disk_salt = ""
        self._load_disk_cache()
        self._node = node
        self.timeout = timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._lines: queue.Queue[bytes] = queue.Queue()
        self._stderr_tail: deque[str] = deque(maxlen=40)
        self._lock = threading.RLock()
        self._next_id = 0
        self._cache: dict[tuple[str, bool], str | KatexError] = {}
        #: How many Node processes this renderer has started (1 in a healthy build).
        self.starts = 0
        #: KaTeX's version, known once the process has started.
        self.katex_version: str | None = None

    # -- lifecycle ---------------------------------------------------------

    @property
    def pid(self) -> int | None:
        """Process id of the running Node process, or None if none runs."""
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    @property
    def running(self) -> bool:
        return self.pid is not None

    def start(self) -> None:
        """Start the Node process now (normally it starts on the first render)."""
        with self._lock:
            if self.running:
                return
            self._discard_process()
            katex_package_dir(self.node_modules, ENGINES[self.output])
            node = _find_node(self._node)
            self._lines = queue.Queue()
            self._stderr_tail.clear()
            try:
                proc = subprocess.Popen(
                    [node, str(SERVER_SCRIPT), str(self.node_modules), self.output],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                )
            except OSError as err:
                raise KatexSetupError(f"cannot start Node ({node}): {err}") from err
            self._proc = proc
            self.starts += 1
            threading.Thread(
                target=self._pump_stdout, args=(proc, self._lines), daemon=True,
                name="katex-stdout",
            ).start()
            threading.Thread(
                target=self._pump_stderr, args=(proc,), daemon=True, name="katex-stderr",
            ).start()
            hello = self._read_line()
            if not hello.get("ready"):
                self._discard_process()
                raise KatexSetupError(
                    f"the KaTeX renderer did not start: {hello.get('error', hello)}"
                )
            self.katex_version = hello.get("katex")

    def close(self) -> None:
        """Stop the Node process (if any). The renderer can be used again later."""
        with self._lock:
            self._discard_process()

    def __enter__(self) -> KatexRenderer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:  # a safety net; close() is the real interface
        with contextlib.suppress(Exception):
            self._discard_process()

    def _discard_process(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.close()  # Node exits by itself when stdin closes
            proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
        finally:
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()

    @staticmethod
    def _pump_stdout(proc: subprocess.Popen[bytes], lines: queue.Queue[bytes]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(b"")  # end of output: the process is gone

    def _pump_stderr(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            self._stderr_tail.append(line.decode("utf-8", "replace").rstrip("\n"))

    # -- protocol ----------------------------------------------------------

    def _read_line(self) -> dict:
        try:
            raw = self._lines.get(timeout=self.timeout)
        except queue.Empty:
            self._discard_process()
            raise KatexSetupError(
                f"the KaTeX renderer gave no answer within {self.timeout:g} s"
            ) from None
        if not raw:
            proc = self._proc
            code = proc.wait() if proc is not None else None
            self._discard_process()
            detail = "\n".join(self._stderr_tail).strip()
            raise KatexSetupError(
                f"the KaTeX renderer (Node) exited unexpectedly (exit status {code})"
                + (f":\n{detail}" if detail else "")
            )
        try:
            return json.loads(raw)
        except ValueError as err:
            self._discard_process()
            raise KatexSetupError(f"the KaTeX renderer sent a bad answer {raw[:200]!r}") from err

    def _request(self, payload: dict) -> dict:
        """Send one request line and return its answer (starting Node if needed)."""
        self.start()
        proc = self._proc
        assert proc is not None and proc.stdin is not None
        self._next_id += 1
        payload = {"id": self._next_id, **payload}
        data = (json.dumps(payload) + "\n").encode("utf-8")
        try:
            proc.stdin.write(data)
            proc.stdin.flush()
        except OSError:
            # The process died; _read_line reports how (its stderr).
            pass
        reply = self._read_line()
        if reply.get("id") != payload["id"]:
            self._discard_process()
            raise KatexSetupError(
                f"the KaTeX renderer answered request {reply.get('id')!r} "
                f"instead of {payload['id']!r}: {reply.get('error', '')}"
            )
        return reply

    # -- rendering ---------------------------------------------------------

    def render(self, tex: str, display: bool = False) -> str:
        """KaTeX HTML (+MathML) for ``tex``; raise :class:`KatexError` if KaTeX refuses it."""
        result = self.render_many([(tex, display)])[0]
        if isinstance(result, KatexError):
            # A fresh exception each time: the cached one must not collect tracebacks.
            raise KatexError(result.message, result.tex, result.display)
        return result

    def render_many(
        self, formulas: Iterable[tuple[str, bool]]
    ) -> list[str | KatexError]:
        """Render many formulas in one round trip.

        Returns, in order, the HTML of each formula or the :class:`KatexError`
        it raised (returned, not raised, so one bad formula does not hide the
        others).
        """
        keys = [(str(tex), bool(display)) for tex, display in formulas]
        with self._lock:
            for key in keys:
                disk_key = _disk_key(*key)
                if key not in self._cache and disk_key in self._disk:
                    self._cache[key] = self._disk[disk_key]
                self._disk_used.add(disk_key)
            missing = list(dict.fromkeys(k for k in keys if k not in self._cache))
            if missing:
                reply = self._request(
                    {"batch": [{"tex": tex, "display": display} for tex, display in missing]}
                )
                results = reply.get("results")
                if not isinstance(results, list) or len(results) != len(missing):
                    self._discard_process()
                    raise KatexSetupError(
                        f"the KaTeX renderer sent a malformed batch answer: {reply.get('error', '')}"
                    )
                for (tex, display), res in zip(missing, results):
                    if isinstance(res, dict) and isinstance(res.get("html"), str):
                        html = res["html"]
                        self._cache[(tex, display)] = mathml_output.for_browsers(html) if self.output == "mathml" else html
                    else:
                        message = res.get("error") if isinstance(res, dict) else None
                        self._cache[(tex, display)] = KatexError(
                            str(message or "unknown KaTeX error"), tex, display
                        )
            return [self._cache[k] for k in keys]

    def characters_in_use(self) -> set[str]:
        """The characters shown by the formulas in use (since :meth:`forget_unused`): what the math font must hold."""
        with self._lock:
            found: set[str] = set()
            for key, rendered in self._cache.items():
                if isinstance(rendered, str) and _disk_key(*key) in self._disk_used:
                    found |= _math_characters(rendered)
            for disk_key in self._disk_used:
                if disk_key in self._disk and (disk_key[2:], disk_key.startswith("D|")) not in self._cache:
                    found |= _math_characters(self._disk[disk_key])
            return found

    # -- the cache on disk --------------------------------------------------

    def _salt(self) -> str:
        try:
            version = json.loads((self.node_modules / ENGINES[self.output] / "package.json").read_text(encoding="utf-8")).get("version", "")
        except (OSError, ValueError):
            version = ""
        sources = SERVER_SCRIPT.read_text(encoding="utf-8") + (HERE / "mathml_output.py").read_text(encoding="utf-8")
        return hashlib.sha256((version + "\n" + self.output + "\n" + sources).encode("utf-8")).hexdigest()

    def _load_disk_cache(self) -> None:
        if self.cache_file is None:
            return
        self._disk_salt = self._salt()
        try:
            data = json.loads(self.cache_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(data, dict) and data.get("salt") == self._disk_salt and isinstance(data.get("formulas"), dict):
            self._disk = data["formulas"]

    def keep_in_use(self, formulas: Iterable[tuple[str, bool]]) -> None:
        """Count formulas as in use without rendering them (a page typeset earlier and reused)."""
        with self._lock:
            self._disk_used.update(_disk_key(str(tex), bool(display)) for tex, display in formulas)

    def formulas_in_use(self) -> set[tuple[str, bool]]:
        """The formulas (TeX, display) in use since :meth:`forget_unused`."""
        with self._lock:
            return {(key[2:], key.startswith("D|")) for key in self._disk_used}

    def forget_unused(self) -> None:
        """Start counting anew which formulas are in use: the next save keeps only those rendered from now on."""
        with self._lock:
            self._disk_used = set()

    def save_cache(self) -> None:
        """Write the formulas rendered without error and in use (since :meth:`forget_unused`) to ``cache_file``."""
        if self.cache_file is None:
            return
        with self._lock:
            rendered = {_disk_key(tex, display): html for (tex, display), html in self._cache.items() if isinstance(html, str)}
            kept = {key: html for key, html in {**self._disk, **rendered}.items() if key in self._disk_used}
            self._disk = kept
        self.cache_file.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.cache_file.with_suffix(".tmp")
        temporary.write_text(json.dumps({"salt": self._disk_salt, "formulas": kept}, ensure_ascii=False), encoding="utf-8")
        temporary.replace(self.cache_file)

    def render_one_request(self, tex: str, display: bool = False) -> str:
        """Render through the single-formula message, bypassing the cache.

        Mostly for tests of the protocol; :meth:`render` is the normal interface.
        """
        with self._lock:
            reply = self._request({"tex": tex, "display": bool(display)})
        if "html" in reply:
            return reply["html"]
        raise KatexError(str(reply.get("error", "unknown KaTeX error")), tex, display)

    @property
    def requests(self) -> int:
        """How many requests (a batch counts once) were sent to Node so far."""
        return self._next_id



def _disk_key(tex: str, display: bool) -> str:
    return ("D|" if display else "I|") + tex


@functools.lru_cache(maxsize=20_000)
def _math_characters(mathml: str) -> frozenset[str]:
    """A formula's characters, worked out once: every build asks for those of every formula in use (the font's subset)."""
    return frozenset(mathml_output.math_characters(mathml))
