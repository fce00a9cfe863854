"""What the benchmarks print about the machine they ran on (figures mean little without it)."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def describe() -> str:
    """Cores, CPU model (from /proc/cpuinfo, when readable) and Python version."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}"
