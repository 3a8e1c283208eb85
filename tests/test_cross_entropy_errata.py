"""The errata of the cross-entropy article stay fixed, in both editions.

An expert review of the first article found slips: an unscoped bit-for-bit
claim, a tolerance said to hold "everywhere", a miscounted list, a wrong sign,
an operator count typed by hand under a trace that showed another number, an
incomplete account of `detach`, sentences in one edition only, booleans read
out in running prose, links to PyTorch's moving `main` branch, and heavy
internals in the newcomer's path. Each check below reads the Markdown, the
snippets or their recorded outputs, and returns the problems it finds;
`test_every_check_catches_its_slip` puts each slip back into a copy of the
text and requires the check to fail on it.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SNIPPETS = ROOT / "snippets" / "cross_entropy"
EN = DOCS / "cross-entropy.md"
ZH = DOCS / "cross-entropy.zh.md"
PINNED_TAG = "v2.13.0"

BINDING = re.compile(r"\{\{\s*run:\s*(?P<snippet>[^\s|}]+)\s+(?P<name>\w+)(?P<indexes>(?:\[-?\d+\])*)\s*(?:\|[^}]*)?\}\}")


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class Texts:
    """Everything the checks read, so that a test can hand them a modified copy."""

    en: str
    zh: str
    index_en: str
    index_zh: str
    batch_source: str
    outputs: dict[str, dict]  # snippet file name without .py -> its "values"
    sections: dict[str, dict]  # snippet file name without .py -> its "sections"

    def replace(self, **changes) -> Texts:
        return Texts(**{**self.__dict__, **changes})


def load() -> Texts:
    outputs, sections = {}, {}
    for path in sorted((SNIPPETS / "outputs").glob("[!_]*.json")):  # `_`-named files are not snippets' records
        record = json.loads(path.read_text(encoding="utf-8"))
        outputs[path.stem] = record["values"]
        sections[path.stem] = record["sections"]
    return Texts(
        en=EN.read_text(encoding="utf-8"),
        zh=ZH.read_text(encoding="utf-8"),
        index_en=(DOCS / "index.md").read_text(encoding="utf-8"),
        index_zh=(DOCS / "index.zh.md").read_text(encoding="utf-8"),
        batch_source=(SNIPPETS / "batch.py").read_text(encoding="utf-8"),
        outputs=outputs,
        sections=sections,
    )


@pytest.fixture(scope="module")
def texts() -> Texts:
    return load()


# ---------------------------------------------------------------- a small Markdown scanner


@dataclass
class Block:
    """A paragraph, list item, table, formula, fence, heading or admonition, with what it holds."""

    kind: str  # "p", "li", "table", "math", "fence", "h", "adm"
    text: str  # the block's source, lines joined with "\n"
    label: str = ""  # fence: the embed target; adm: "??? note" or "!!! warning"; h: "##"
    children: list[Block] | None = None


FENCE = re.compile(r"^(`{3,}|~{3,})")
LIST_ITEM = re.compile(r"^(\*|-|\d+\.)\s+")
ADMONITION = re.compile(r"^(!!!|\?\?\?\+?)\s+(\w+)")
EMBED = re.compile(r"""^\s*-+8<-+\s+["']([^"']+)["']""")


def _dedent(lines: list[str], width: int) -> list[str]:
    return [line[min(width, len(line) - len(line.lstrip(" "))):] for line in lines]


def scan(markdown: str | list[str]) -> list[Block]:
    """The top-level blocks of `markdown`; list items and admonitions hold their own blocks."""
    lines = markdown.split("\n") if isinstance(markdown, str) else markdown
    blocks, i = [], 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        fence = FENCE.match(line)
        if fence:
            end = i + 1
            while end < len(lines) and not lines[end].startswith(fence.group(1)):
                end += 1
            body = lines[i + 1:end]
            targets = [EMBED.match(b).group(1) for b in body if EMBED.match(b)]
            blocks.append(Block("fence", "\n".join(lines[i:end + 1]), targets[0] if targets else line))
            i = end + 1
            continue
        if line.startswith("$$"):
            end = i + 1
            while end < len(lines) and not lines[end].startswith("$$"):
                end += 1
            blocks.append(Block("math", "\n".join(lines[i:end + 1])))
            i = end + 1
            continue
        if line.startswith("#"):
            blocks.append(Block("h", line, line.split(" ")[0]))
            i += 1
            continue
        admonition = ADMONITION.match(line)
        list_item = LIST_ITEM.match(line)
        if admonition or list_item:
            end = i + 1
            while end < len(lines) and (not lines[end].strip() or lines[end].startswith(" ")):
                end += 1
            while end > i + 1 and not lines[end - 1].strip():
                end -= 1
            if admonition:
                inner = _dedent(lines[i + 1:end], 4)
                label = f"{admonition.group(1)} {admonition.group(2)}"
                blocks.append(Block("adm", "\n".join(lines[i:end]), label, scan(inner)))
            else:
                first = line[list_item.end():]
                inner = [first] + _dedent(lines[i + 1:end], 4)
                blocks.append(Block("li", "\n".join(lines[i:end]), "", scan(inner)))
            i = end
            continue
        if line.startswith("|"):
            end = i
            while end < len(lines) and lines[end].startswith("|"):
                end += 1
            blocks.append(Block("table", "\n".join(lines[i:end])))
            i = end
            continue
        end = i
        while end < len(lines) and lines[end].strip() and not FENCE.match(lines[end]) \
                and not lines[end].startswith("$$") and not (end > i and LIST_ITEM.match(lines[end])):
            end += 1
        blocks.append(Block("p", "\n".join(lines[i:end])))
        i = end
    return blocks


def walk(blocks: list[Block]):
    for block in blocks:
        yield block
        if block.children:
            yield from walk(block.children)


def prose_blocks(markdown: str) -> list[str]:
    """The text of every paragraph and every list item's own paragraphs, whitespace-normalised."""
    return [" ".join(b.text.split()) for b in walk(scan(markdown)) if b.kind == "p"]


def sections(markdown: str) -> list[tuple[str, list[Block]]]:
    """(heading, blocks) for the part before the first `##` heading and for each `##` section."""
    found, heading, current = [], "(top)", []
    for block in scan(markdown):
        if block.kind == "h" and block.label == "##":
            found.append((heading, current))
            heading, current = block.text[3:].strip(), []
        else:
            current.append(block)
    found.append((heading, current))
    return found


def section(markdown: str, starts_with: str) -> list[Block]:
    matches = [blocks for heading, blocks in sections(markdown) if heading.startswith(starts_with)]
    assert len(matches) == 1, f"expected one section starting with {starts_with!r}"
    return matches[0]


def signature(blocks: list[Block]) -> list:
    """The shape of some blocks, without their words: what both editions must share."""
    shape = []
    for block in blocks:
        if block.kind == "fence":
            shape.append(("fence", block.label))
        elif block.kind in ("adm", "li"):
            shape.append((block.kind, block.label, signature(block.children or [])))
        elif block.kind == "h":
            shape.append(("h", block.label))
        elif block.kind == "p":
            text = BINDING.sub("", block.text)
            shape.append(("p", len(BINDING.findall(block.text)), len(re.findall(r"(?<!\$)\$(?!\$)", text)) // 2,
                          len(re.findall(r"\]\(", text))))
        else:
            shape.append((block.kind,))
    return shape


def sentences(paragraph: str, lang: str) -> list[str]:
    if lang == "zh":
        return [s for s in re.split(r"(?<=。)", paragraph) if s.strip()]
    return [s for s in re.split(r"(?<=[.!?:])\s+(?=[A-Z`$(\[])", paragraph) if s.strip()]


# ---------------------------------------------------------------- the checks


def unscoped_bit_for_bit_claims(t: Texts) -> list[str]:
    """Every sentence that claims bit-for-bit agreement names its conditions or points at a run.

    Accepted: a sentence naming both the CPU and autocast; one about CUDA (what the
    page says it did not test); or one about a particular run shown in an output block.
    """
    problems = []
    for lang, pages, claim, run in (
        ("en", (t.en, t.index_en), re.compile(r"bit[ -]for[ -]bit", re.IGNORECASE), "output"),
        ("zh", (t.zh, t.index_zh), re.compile(r"逐位"), "输出"),
    ):
        for page in pages:
            for paragraph in prose_blocks(page):
                for sentence in sentences(paragraph, lang):
                    if not claim.search(sentence):
                        continue
                    scoped = ("CPU" in sentence and "autocast" in sentence) or "CUDA" in sentence or run in sentence
                    if not scoped:
                        problems.append(f"{lang}: unscoped: {sentence[:160]}")
    return problems


def missing_autocast_counterexample(t: Texts) -> list[str]:
    problems = []
    values = t.outputs.get("autocast")
    if values is None:
        return ["snippets/cross_entropy/outputs/autocast.json is missing"]
    if not (values["on_equal"] is False and values["off_equal"] is True and values["on32_equal"] is True):
        problems.append(f"autocast.py no longer shows the mismatch: {values}")
    if values["step_dtypes"] != ["bfloat16", "bfloat16", "float32", "float32"]:
        problems.append(f"autocast dtypes changed: {values['step_dtypes']}")
    for lang, page, heading in (("en", t.en, "Bit-for-bit"), ("zh", t.zh, "逐位一致")):
        embedded = [b.label for b in walk(section(page, heading)) if b.kind == "fence"]
        for needed in ("cross_entropy/autocast.py:dtypes", "cross_entropy/autocast.py:mismatch"):
            if needed not in embedded:
                problems.append(f"{lang}: the bit-for-bit section does not show {needed}")
    return problems


def cuda_left_unstated(t: Texts) -> list[str]:
    problems = []
    for lang, page, untested in (("en", t.en, "not run anything on CUDA"), ("zh", t.zh, "没有在 CUDA 上运行")):
        text = " ".join(page.split())
        for needed in (untested, "use_deterministic_algorithms", "nll_loss2d_forward_out_cuda_template"):
            if needed not in text:
                problems.append(f"{lang}: says nothing of {needed!r}")
    return problems


def fixed_tolerance_claimed(t: Texts) -> list[str]:
    problems = []
    if re.search(r"holds everywhere", t.batch_source):
        problems.append("batch.py claims a tolerance that 'holds everywhere'")
    if re.search(r"atol\s*=\s*1e-6", t.batch_source):
        problems.append("batch.py compares the formula with a fixed atol=1e-6")
    batch, gap = t.outputs["batch"], t.outputs["formula_gap"]
    if batch.get("formula_within_bound") is not True:
        problems.append("batch.py: the formula is not within its stated bound")
    if not gap["largest_gap_at_scale_10"] > 1e-6:
        problems.append("formula_gap.py no longer shows a gap above 1e-6 for logits around 10")
    if not gap["largest_relative"] <= batch["formula_bound_k"]:
        problems.append("the sweep exceeds the bound batch.py checks")
    return problems


NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "一": 1, "两": 2, "二": 2, "三": 3, "四": 4}


def miscounted_properties(t: Texts) -> list[str]:
    """'The N properties a distribution needs, and M more': N is 2 and N + M is the list's length."""
    problems = []
    for lang, page, heading, pattern in (
        ("en", t.en, "Softmax", r"It has the (\w+) properties a distribution needs, and (\w+) more"),
        ("zh", t.zh, "Softmax", r"所需的(.)条性质，另外还有(.)条"),
    ):
        blocks = section(page, heading)
        for k, block in enumerate(blocks):
            match = re.search(pattern, " ".join(block.text.split()))
            if match:
                needed, more = (NUMBER_WORDS.get(g) for g in match.groups())
                items = []
                for following in blocks[k + 1:]:
                    if following.kind != "li":
                        break
                    items.append(following)
                if needed != 2:
                    problems.append(f"{lang}: a distribution needs 2 properties (positive, sums to one), text says {match.group(1)}")
                if needed is None or more is None or needed + more != len(items):
                    problems.append(f"{lang}: text counts {match.group(1)} + {match.group(2)}, the list has {len(items)}")
                break
        else:
            problems.append(f"{lang}: the sentence introducing softmax's properties is gone")
    return problems


def wrong_sign_of_the_log_derivative(t: Texts) -> list[str]:
    problems = []
    for lang, page in (("en", t.en), ("zh", t.zh)):
        text = " ".join(page.split())
        if re.search(r"at 0 is \$-1/0|在 0 处的导数是 \$-1/0", text):
            problems.append(f"{lang}: the derivative of log at 0 is +1/0, not -1/0")
        if "$1/0 = +\\infty$" not in text:
            problems.append(f"{lang}: the derivative of log at 0 is not stated as $1/0 = +\\infty$")
    if t.outputs["stability"].get("naive_grad_at_p_is_neg_inf") is not True:
        problems.append("stability.py no longer shows the -inf gradient at the probabilities")
    return problems


def operator_count_not_from_the_run(t: Texts) -> list[str]:
    problems = []
    internals = t.outputs["internals"]
    tree = [line for line in t.sections["internals"]["op_tree"].splitlines() if line.strip()]
    if internals["n_ops"] != len(tree):
        problems.append(f"internals.n_ops is {internals['n_ops']}, the printed tree has {len(tree)} operators")
    if internals.get("same_ops_as_tree") is not True:
        problems.append("the composite table no longer lists the tree's operators")
    count = r"(\{\{[^}]*\}\}|\S+)"
    for lang, page, pattern in (("en", t.en, rf"Of these {count} operators"), ("zh", t.zh, rf"这 {count} 个算子中")):
        match = re.search(pattern, " ".join(page.split()))
        if not match:
            problems.append(f"{lang}: the sentence counting the tree's operators is gone")
        elif not re.fullmatch(r"\{\{ run: cross_entropy/internals\.py n_ops \}\}", match.group(1)):
            problems.append(f"{lang}: the operator count is {match.group(1)!r}, not bound to internals.py n_ops")
    return problems


def detach_explained_without_grad(t: Texts) -> list[str]:
    problems = []
    if t.outputs["internals"].get("autograd_grad_drops_last_detach") is not True:
        problems.append("internals.py no longer shows that autograd.grad drops the last detach")
    for lang, page in (("en", t.en), ("zh", t.zh)):
        paragraphs = [p for p in prose_blocks(page) if "`detach`" in p]
        if not paragraphs:
            problems.append(f"{lang}: no paragraph explains `detach`")
        for p in paragraphs:
            if "`.grad`" not in p or "torch.autograd.grad" not in p:
                problems.append(f"{lang}: explains `detach` without the leaf's `.grad`: {p[:120]}")
    return problems


#: Sentences that were in the Chinese edition only (some overclaimed); they must not come back.
CHINESE_ONLY = [
    "这就是数值稳定性的全部要点",
    "很多时候就是这个原因",
    "这是最常见的错误之一",
    "能说清楚的人并不多",
    "代码与英文版共用",
    "既准又不溢出",
    "结果始终有限",
]


def editions_out_of_step(t: Texts) -> list[str]:
    """Same sections; in each, the same sequence of blocks, with the same bindings, formulas and links."""
    problems = [f"zh: Chinese-only sentence is back: {s}" for s in CHINESE_ONLY if s in t.zh]
    en, zh = sections(t.en), sections(t.zh)
    if len(en) != len(zh):
        return problems + [f"{len(en) - 1} sections in English, {len(zh) - 1} in Chinese"]
    for (en_heading, en_blocks), (zh_heading, zh_blocks) in zip(en, zh):
        a, b = signature(en_blocks), signature(zh_blocks)
        if a != b:
            at = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
            problems.append(f"section {en_heading!r} / {zh_heading!r} differs at block {at}: "
                            f"en {a[at] if at < len(a) else 'end'}, zh {b[at] if at < len(b) else 'end'}")
    return problems


def log_softmax_range_missing(t: Texts) -> list[str]:
    problems = []
    zero = t.outputs["stability"]["stable_log_probs"][0][1]
    if zero != 0.0:
        problems.append(f"stability.py's log_softmax no longer reaches 0 (got {zero})")
    for lang, page in (("en", t.en), ("zh", t.zh)):
        decomposition = " ".join(b.text for b in section(page, "The decomposition" if lang == "en" else "分解推导"))
        if "\\log q_j \\le 0" not in decomposition:
            problems.append(f"{lang}: the decomposition does not state log q_j <= 0")
        if "{{ run: cross_entropy/stability.py stable_log_probs[0][1] | .1f }}" not in decomposition:
            problems.append(f"{lang}: the decomposition does not show the 0 that is reached, from the run")
    return problems


def unpinned_pytorch_links(t: Texts) -> list[str]:
    problems = []
    for name, page in (("en", t.en), ("zh", t.zh), ("index", t.index_en), ("index.zh", t.index_zh)):
        for url in re.findall(r"https?://github\.com/pytorch/pytorch[^\s)\"'>]*", page):
            if not re.match(rf"https://github\.com/pytorch/pytorch/(blob|tree)/{re.escape(PINNED_TAG)}/", url):
                problems.append(f"{name}: {url} is not pinned to {PINNED_TAG}")
    return problems


def internals_in_the_open(t: Texts) -> list[str]:
    """The profiler tree, the composite table, the dispatch-mode trace and the detach demo are collapsible."""
    problems = []
    heavy = {f"cross_entropy/internals.py:{s}" for s in ("op_tree", "composite", "kernels", "detach")}
    for lang, page, heading in (("en", t.en, "What PyTorch does inside"), ("zh", t.zh, "PyTorch 内部")):
        blocks = section(page, heading)
        open_embeds = {b.label for b in blocks if b.kind == "fence"} & heavy
        collapsed = set()
        for block in blocks:
            if block.kind == "adm" and block.label.startswith("???"):
                collapsed |= {b.label for b in walk(block.children or []) if b.kind == "fence"}
        if open_embeds:
            problems.append(f"{lang}: shown outside a collapsible block: {sorted(open_embeds)}")
        if not heavy <= collapsed:
            problems.append(f"{lang}: not in a '??? note' block: {sorted(heavy - collapsed)}")
    return problems


def booleans_read_out_in_prose(t: Texts) -> list[str]:
    problems = []
    for lang, page in (("en", t.en), ("zh", t.zh)):
        for match in BINDING.finditer(page):
            snippet = match["snippet"].split("/")[-1].removesuffix(".py")
            value = t.outputs.get(snippet, {}).get(match["name"])
            for index in re.findall(r"\[(-?\d+)\]", match["indexes"]):
                value = value[int(index)] if isinstance(value, list) else None
            if isinstance(value, bool):
                problems.append(f"{lang}: binds the boolean {match['name']} into prose")
        text = " ".join(page.split())
        for literal in re.findall(r"[(（]`torch\.(?:equal|allclose|isinf|isneginf|isnan)[^)）]*[:：]", text):
            problems.append(f"{lang}: reads a boolean out in prose: {literal}")
    return problems


CHECKS: dict[str, Callable[[Texts], list[str]]] = {
    "bit-for-bit claims carry their conditions": unscoped_bit_for_bit_claims,
    "the autocast counterexample is shown": missing_autocast_counterexample,
    "CUDA is named as untested, with what is known": cuda_left_unstated,
    "no fixed tolerance is claimed for the formula": fixed_tolerance_claimed,
    "softmax's properties are counted right": miscounted_properties,
    "the derivative of log at 0 has the right sign": wrong_sign_of_the_log_derivative,
    "the operator count comes from the run": operator_count_not_from_the_run,
    "the last detach is explained by .grad": detach_explained_without_grad,
    "the editions are in step": editions_out_of_step,
    "the range of log-softmax is given": log_softmax_range_missing,
    "PyTorch links are pinned": unpinned_pytorch_links,
    "heavy internals are collapsible": internals_in_the_open,
    "no boolean is read out in prose": booleans_read_out_in_prose,
}


@pytest.mark.parametrize("name", CHECKS)
def test_the_article_passes(name, texts):
    problems = CHECKS[name](texts)
    assert problems == [], "\n".join(problems)


# ---------------------------------------------------------------- the checks can fail


def _sub(text: str, old: str, new: str) -> str:
    """`text` with the first `old` replaced by `new`; a line break in the text matches any space in `old`."""
    pattern = r"\s+".join(re.escape(word) for word in old.split())
    assert re.search(pattern, text), f"mutation target not found: {old[:60]!r}"
    return re.sub(pattern, lambda _: new, text, count=1)


def _values(t: Texts, snippet: str, **changes) -> dict:
    return {**t.outputs, snippet: {**t.outputs[snippet], **changes}}


#: For each check, the slip the review found (or one like it), put back into a copy.
SLIPS: dict[str, Callable[[Texts], Texts]] = {
    "bit-for-bit claims carry their conditions": lambda t: t.replace(
        en=_sub(t.en, "same kernels and, on the CPU without autocast, agree bit for bit",
                "same kernels and agree bit for bit")),
    "the autocast counterexample is shown": lambda t: t.replace(
        en=_sub(t.en, '--8<-- "cross_entropy/autocast.py:mismatch"', '--8<-- "cross_entropy/batch.py:both_ways"')),
    "CUDA is named as untested, with what is known": lambda t: t.replace(
        zh=t.zh.replace("use_deterministic_algorithms", "deterministic")),
    "no fixed tolerance is claimed for the formula": lambda t: t.replace(
        batch_source=t.batch_source + '\n# agreement to 1e-6 is the claim that holds everywhere.\n'
        'print(torch.allclose(log_probs, log_probs_by_formula, rtol=0, atol=1e-6))\n'),
    "softmax's properties are counted right": lambda t: t.replace(
        en=_sub(t.en, "It has the two properties a distribution needs, and two more",
                "It has the three properties a distribution needs, and one more")),
    "the derivative of log at 0 has the right sign": lambda t: t.replace(
        zh=_sub(t.zh, "而 $\\log$ 在 0 处的导数是 $1/0 = +\\infty$", "而 $\\log$ 在 0 处的导数是 $-1/0 = -\\infty$")),
    "the operator count comes from the run": lambda t: t.replace(
        en=_sub(t.en, "Of these {{ run: cross_entropy/internals.py n_ops }} operators", "Of these 6 operators")),
    "the last detach is explained by .grad": lambda t: t.replace(
        en=_sub(t.en, "created by `.backward()`.",
                "created by `.backward()`, and `detach` is autograd's bookkeeping for the tensors it saves.")),
    "the editions are in step": lambda t: t.replace(
        zh=_sub(t.zh, "`log_softmax` 从头到尾都不会构造这个极小的概率。",
                "训练中见到 loss 突然变成 `inf`，很多时候就是这个原因。\n\n`log_softmax` 从头到尾都不会构造这个极小的概率。")),
    "the range of log-softmax is given": lambda t: t.replace(
        outputs=_values(t, "stability", stable_log_probs=[[-1000.0, -1e-30]])),
    "PyTorch links are pinned": lambda t: t.replace(
        en=t.en.replace("/blob/v2.13.0/aten/src/ATen/native/LossNLL.cpp", "/blob/main/aten/src/ATen/native/LossNLL.cpp")),
    "heavy internals are collapsible": lambda t: t.replace(
        zh=_sub(t.zh, '??? note "运行时的样子', '!!! note "运行时的样子')),
    "no boolean is read out in prose": lambda t: t.replace(
        en=_sub(t.en, "the same float32 number, as `torch.equal` in the output confirms.",
                "the same float32 number (`torch.equal`: {{ run: cross_entropy/batch.py losses_equal }}).")),
}


def test_every_check_has_a_slip():
    assert sorted(SLIPS) == sorted(CHECKS)


@pytest.mark.parametrize("name", CHECKS)
def test_every_check_catches_its_slip(name, texts):
    assert CHECKS[name](texts) == [], "the unmodified article must pass first"
    assert CHECKS[name](SLIPS[name](texts)) != [], f"{name}: the check did not notice the slip"


def test_the_editions_check_sees_a_sentence_added_to_one_edition(texts):
    """Beyond the known sentences: a new paragraph, a formula or a binding in one edition only."""
    zh = _sub(texts.zh, "## 小结", "这是一个只有中文版才有的段落。\n\n## 小结")
    assert editions_out_of_step(texts.replace(zh=zh))
    en = _sub(texts.en, "## Summary", "A paragraph with a formula, $x$, in English only.\n\n## Summary")
    assert editions_out_of_step(texts.replace(en=en))
