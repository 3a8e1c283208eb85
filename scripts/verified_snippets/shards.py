"""Sharded runs: a deterministic share of the snippets per machine, and the merge of the shares' records.

    run_snippets.py --force --shard 2/3 --shard-dir out/      (or `matrix run ENV --shard 2/3 --shard-dir out/`)
    python -m verified_snippets.shards merge out-1/ out-2/ out-3/

The split is decided from the committed records alone, so every runner that
checks out the same commit computes the same shares without talking to the
others: snippets are weighed by their recorded seconds (plus a fixed cost per
snippet; one without a record weighs the median), and handed out heaviest
first, each to the share that is lightest so far (ties: lowest share, then
name). That greedy rule is within 4/3 of the best possible split.

A shard run with `--shard-dir` copies the files its share wrote (records, or
one environment's cells) into that folder with a manifest, `shard.json`. The
merge checks every shard before it writes anything: all n shards present once,
their shares covering this checkout's snippets with none twice, every file
intact (hash-checked) and made from the snippet as it is now, all records from
one environment. Then it
copies the files in and, for recorded outputs, writes the notebooks and the
reference-check findings, as a full run would. A merge that finds a problem
names it and writes nothing.

How the runs are spread over machines is the CI system's business (its own
job matrix; see .github/workflows/outputs.yml), not a scheduler of ours.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .atomic_files import write_text_atomically
from .layout import Project, Snippet
from .matrix_records import cell_path, orphaned_cells, read_cell
from .output_records import CorruptRecord, read_record, sha256_file

MANIFEST = "shard.json"
MANIFEST_FORMAT = 1
RECORDED = "recorded"  # the environment name of a shard of the recorded outputs (not a matrix environment)
#: What one snippet costs beyond its own seconds: a fork, a result and a record (README, Performance).
PER_SNIPPET_S = 0.01
SHARE = re.compile(r"^(?P<index>\d+)/(?P<count>\d+)$")


@dataclass(frozen=True)
class Share:
    index: int  # 1-based
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_share(text: str) -> Share:
    match = SHARE.match(text.strip())
    if not match:
        raise ValueError(f"--shard takes I/N, e.g. 2/3, not '{text}'")
    share = Share(int(match.group("index")), int(match.group("count")))
    if not 1 <= share.index <= share.count:
        raise ValueError(f"--shard {text}: I must be between 1 and N")
    return share


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--shard", default=None, metavar="I/N", help="run only share I of N (deterministic, balanced by recorded seconds)")
    parser.add_argument("--shard-dir", default=None, metavar="DIR", help="with --shard: copy the share's files and a manifest here, for `python -m verified_snippets.shards merge`")


def weights(snippets: list[Snippet]) -> dict[str, float]:
    """Each snippet's expected cost: its recorded seconds, or the median where it has no record yet."""
    recorded: dict[str, float] = {}
    for snippet in snippets:
        try:
            recorded[snippet.name] = float(read_record(snippet.output_path).seconds)
        except (FileNotFoundError, CorruptRecord):
            continue
    import statistics  # here, not at the top: every run-snippets start imports this module for its options

    guess = statistics.median(recorded.values()) if recorded else 0.0
    return {s.name: recorded.get(s.name, guess) + PER_SNIPPET_S for s in snippets}


def partition(weight: dict[str, float], count: int) -> list[list[str]]:
    """`count` shares of the names: heaviest first, each to the lightest share so far."""
    shares: list[list[str]] = [[] for _ in range(count)]
    loads = [0.0] * count
    for name in sorted(weight, key=lambda n: (-weight[n], n)):
        lightest = min(range(count), key=lambda i: (loads[i], i))
        shares[lightest].append(name)
        loads[lightest] += weight[name]
    return [sorted(share) for share in shares]


def share_names(project: Project, share: Share) -> list[str]:
    return partition(weights(project.snippets()), share.count)[share.index - 1]


def select(project: Project, share: Share, selection: list[Snippet] | None = None) -> list[Snippet]:
    """The snippets of `share` (among `selection`, when given), in the project's order."""
    mine = set(share_names(project, share))
    return [s for s in (selection if selection is not None else project.snippets()) if s.name in mine]


def _file_of(snippet: Snippet, environment: str) -> Path:
    return snippet.output_path if environment == RECORDED else cell_path(snippet, environment)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def export(project: Project, share: Share, names: list[str], out: Path, environment: str = RECORDED, failed: list[str] | None = None) -> Path:
    """Copy the files of the share's snippets `names` (as they are now in the tree) and a manifest into `out`.

    `names` is the share as it was computed before the run: the run rewrote the
    recorded seconds that the split is computed from.
    """
    files = {}
    for name in names:
        source = _file_of(project.snippet(name), environment)
        if source.is_file():
            relative = project.display(source)
            write_text_atomically(out / relative, source.read_text(encoding="utf-8"))
            files[relative] = _sha256(source)
    manifest = {"format": MANIFEST_FORMAT, "shard": str(share), "environment": environment, "snippets": sorted(names), "files": files, "failed": failed or []}
    write_text_atomically(out / MANIFEST, json.dumps(manifest, indent=1) + "\n")
    return out / MANIFEST


# ------------------------------------------------------------------ merge


@dataclass
class Merge:
    environment: str = ""
    files: dict[str, str] = field(default_factory=dict)  # project-relative path -> text
    problems: list[str] = field(default_factory=list)


def _manifests(folders: list[Path], merge: Merge) -> list[tuple[Path, dict]]:
    found = []
    for folder in folders:
        try:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            if manifest.get("format") != MANIFEST_FORMAT:
                raise ValueError(f"not a shard manifest of format {MANIFEST_FORMAT}")
            found.append((folder, manifest))
        except (OSError, ValueError) as error:
            merge.problems.append(f"{folder / MANIFEST}: cannot be read: {error}")
    return found


def _check_shares(project: Project, manifests: list[tuple[Path, dict]], merge: Merge) -> None:
    """All n shards present once, and their shares split this checkout's snippets: none twice, none left out."""
    counts = {parse_share(m["shard"]).count for _, m in manifests}
    environments = {m["environment"] for _, m in manifests}
    if len(counts) != 1 or len(environments) != 1:
        merge.problems.append(f"the shards do not belong together: shard counts {sorted(counts)}, environments {sorted(environments)}")
        return
    count, merge.environment = counts.pop(), environments.pop()
    seen: dict[int, Path] = {}
    owner: dict[str, Path] = {}
    for folder, manifest in manifests:
        share = parse_share(manifest["shard"])
        if share.index in seen:
            merge.problems.append(f"{folder}: shard {share} again (also {seen[share.index]})")
        seen[share.index] = folder
        for name in manifest["snippets"]:
            if name in owner and owner[name] != folder:
                merge.problems.append(f"{folder}: {name} is in two shares (also {owner[name]}); were the shards made from different commits?")
            owner[name] = folder
        for error in manifest.get("failed", []):
            merge.problems.append(f"{folder}: a snippet failed in shard {share}: {error}")
    missing = [f"{i}/{count}" for i in range(1, count + 1) if i not in seen]
    if missing:
        merge.problems.append(f"missing shard(s) {', '.join(missing)} of {count}")
    left_out = sorted({s.name for s in project.snippets()} - set(owner))
    if left_out and not missing:
        merge.problems.append(f"no shard ran {', '.join(left_out)}; were the shards made from another commit?")


def _check_file(project: Project, folder: Path, relative: str, digest: str, environment: str, merge: Merge) -> dict | None:
    """Read and verify one shard file; returns its environment facts (a record's) or None."""
    path = folder / relative
    target = project.root / relative
    try:
        if _sha256(path) != digest:
            merge.problems.append(f"{path}: changed since the shard wrote its manifest")
            return None
        if environment == RECORDED:
            record = read_record(path)
            name, source, facts = record.snippet, record.source_sha256, record.environment
        else:
            cell = read_cell(path)
            name, source, facts = cell.snippet, cell.source_sha256, cell.provenance
    except (OSError, CorruptRecord) as error:
        merge.problems.append(f"{path}: {error}")
        return None
    snippet = project.snippet(name)
    if _file_of(snippet, environment) != target:
        merge.problems.append(f"{path}: holds {name}, which does not belong at {relative}")
        return None
    if source != sha256_file(snippet.path):
        merge.problems.append(f"{path}: was made from another version of {snippet.display_path} than this checkout's")
        return None
    merge.files[relative] = path.read_text(encoding="utf-8")
    return {key: facts.get(key) for key in ("torch", "python", "platform")}


def check(project: Project, folders: list[Path]) -> Merge:
    """Everything a merge would write, or the problems that stop it."""
    merge = Merge()
    manifests = _manifests(folders, merge)
    if merge.problems:
        return merge
    _check_shares(project, manifests, merge)
    environments: dict[str, list[str]] = {}
    for folder, manifest in manifests:
        for relative, digest in sorted(manifest["files"].items()):
            facts = _check_file(project, folder, relative, digest, merge.environment, merge)
            if facts is not None:
                environments.setdefault(json.dumps(facts, sort_keys=True), []).append(str(folder))
        if merge.environment == RECORDED:  # every snippet has an output (a matrix cell may be absent: not run)
            for name in manifest["snippets"]:
                if project.display(_file_of(project.snippet(name), RECORDED)) not in manifest["files"]:
                    merge.problems.append(f"{folder}: shard {manifest['shard']} has no output for {name}")
    if len(environments) > 1:
        listed = "; ".join(f"{facts} from {', '.join(sorted(set(where)))}" for facts, where in environments.items())
        merge.problems.append(f"the shards ran in different environments: {listed}")
    return merge


def merge(project: Project, folders: list[Path]) -> Merge:
    """Check every shard, then write their files into the project (nothing when a check fails)."""
    result = check(project, folders)
    if result.problems:
        return result
    for relative, text in result.files.items():
        write_text_atomically(project.root / relative, text)
    orphans = project.orphaned_outputs() if result.environment == RECORDED else orphaned_cells(project, result.environment)
    for orphan in orphans:
        orphan.unlink()
    return result


def main(argv: list[str] | None = None) -> int:
    from . import notebooks, reference_checks
    from .settings import SettingsError, load_site

    parser = argparse.ArgumentParser(prog="python -m verified_snippets.shards", description="Merge the records of sharded runs into the project.")
    parser.add_argument("command", choices=["merge"])
    parser.add_argument("folders", nargs="+", type=Path, help="each shard's --shard-dir")
    parser.add_argument("--root", default=".", help="the project's folder (default: the current one)")
    args = parser.parse_args(argv)
    try:
        project = load_site(Path(args.root)).project
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    result = merge(project, args.folders)
    if result.problems:
        print(f"nothing merged; {len(result.problems)} problem(s):", file=sys.stderr)
        for problem in result.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"merged {len(result.files)} file(s) of {len(args.folders)} shard(s) ({result.environment})")
    if result.environment == RECORDED:
        written, errors = notebooks.write_notebooks(project)
        findings, failures = reference_checks.update_results(project, project.checks_dir)
        for path in written + findings:
            print(f"wrote   {project.display(path)}")
        for problem in errors + failures:
            print(problem, file=sys.stderr)
        return 1 if errors or failures else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
