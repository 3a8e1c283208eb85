"""The environments of the matrix: named ways to run the same snippets.

    cpu-native      this CPU as it is: the environment the site's outputs are recorded in
    cpu-default     this CPU with ATEN_CPU_CAPABILITY=default: ATen's kernels without
                    vector instructions, as on a CPU without AVX2 (any ATen capability
                    works the same way: cpu-avx2, cpu-avx512)
    cuda            every snippet that states `devices=cpu,cuda` on a GPU, its top-level
                    `DEVICE = "cpu"` line run as `DEVICE = "cuda"`
    torch-X.Y.Z     another PyTorch release, in a virtual environment of its own that is
                    made on demand under .cache/verified_snippets/torch-X.Y.Z/
    processor-amd   this CPU as it is, on a machine whose processor is made by AMD (or
                    processor-intel, ...): MKL takes its own code paths by maker, and no
                    setting changes that (see processor.py), so only such a machine runs it

Standard library only: the build reads these names from mkdocs.yml without torch.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

NATIVE = "cpu-native"
CAPABILITY_NAME = re.compile(r"^cpu-(?P<capability>[a-z][a-z0-9]*)$")
RELEASE_NAME = re.compile(r"^torch-(?P<version>\d+\.\d+\.\d+)$")
PROCESSOR_NAME = re.compile(r"^processor-(?P<maker>[a-z][a-z0-9]*)$")
DEVICE_NAMES = ("cuda",)
FORMS = "cpu-native, cpu-<ATen capability> (cpu-default, cpu-avx2, cpu-avx512), cuda, torch-<X.Y.Z> (e.g. torch-2.14.1), processor-<maker> (processor-amd, processor-intel)"


class EnvironmentNameError(ValueError):
    pass


@dataclass(frozen=True)
class Environment:
    name: str
    capability: str | None = None  # ATEN_CPU_CAPABILITY for this run
    device: str | None = None  # what DEVICE becomes
    torch: str | None = None  # another PyTorch release, X.Y.Z
    processor: str | None = None  # the maker this machine's processor must have ("amd")

    @property
    def variables(self) -> dict[str, str]:
        """Environment variables the run sets, as a reader would in their shell."""
        return {"ATEN_CPU_CAPABILITY": self.capability} if self.capability else {}

    @property
    def needs_hardware(self) -> bool:
        """Whether only some machines can run it (a GPU, a maker's processor)."""
        return self.device is not None or self.processor is not None

    @property
    def runs_anywhere(self) -> bool:
        """Whether any machine runs it in seconds with what `make setup` installed (no GPU, no download).

        Only such an environment's stale cells fail a strict build; the others' are marked
        stale on the page and listed by `matrix check`, so a contributor who edits a snippet
        is never asked for a GPU or a multi-GB download.
        """
        return not self.needs_hardware and self.torch is None

    @property
    def command(self) -> str:
        return f"make matrix ENV={self.name}"

    @property
    def is_release(self) -> bool:
        return self.torch is not None


def parse(name: str) -> Environment:
    """The environment a name stands for; raises EnvironmentNameError with the accepted forms."""
    name = name.strip()
    if name == NATIVE:
        return Environment(name)
    if name in DEVICE_NAMES:
        return Environment(name, device=name)
    if match := RELEASE_NAME.match(name):
        return Environment(name, torch=match.group("version"))
    if match := PROCESSOR_NAME.match(name):
        return Environment(name, processor=match.group("maker"))
    if match := CAPABILITY_NAME.match(name):
        return Environment(name, capability=match.group("capability"))
    raise EnvironmentNameError(f"unknown environment '{name}'; use one of: {FORMS}")
