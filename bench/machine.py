"""What the benchmarks ran on: cores, CPU model, memory, Python, load, date, and the CPU a hypervisor took."""

from __future__ import annotations

import os
import platform
import timeit
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return 0.0


# `python_speed_us` of the reference machine, on which every target was met (docs/performance.md,
# 'Reference machine').
REFERENCE_PYTHON_SPEED_US = 110.0


def python_speed_us() -> float:
    """`python -m timeit "sum(range(10000))"` (best of 5, µs): one number to compare these machines by,
    since shared VMs of the same kind differ widely from day to day (docs/performance.md, 'Reference
    machine')."""
    runs = timeit.repeat("sum(range(10000))", number=500, repeat=5)
    return round(min(runs) / 500 * 1e6, 1)


def speed_note(speed_us: float) -> str:
    """How this machine compares with the reference one, printed beside the targets: the CPU-bound
    figures (intake rate and p99, the live end-to-end ratio) scale with it."""
    factor = speed_us / REFERENCE_PYTHON_SPEED_US
    if factor <= 1.15:
        return (
            f"machine speed: python_speed_us {speed_us:g}, as fast as the reference machine ({factor:.2f}x)"
        )
    return (
        f"machine speed: python_speed_us {speed_us:g}, {factor:.1f}x slower in plain Python than the "
        f"reference machine ({REFERENCE_PYTHON_SPEED_US:g} µs) on which every target was met; the "
        "CPU-bound figures (intake rate and p99, end to end live) scale with it (docs/performance.md)"
    )


def machine_info() -> dict[str, Any]:
    return {
        "nproc": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gib": _memory_gib(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "python_speed_us": python_speed_us(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


@dataclass(frozen=True)
class CpuTicks:
    """The machine's CPU time so far (/proc/stat, all cores): everything, and what the hypervisor stole."""

    total: int
    steal: int


def cpu_ticks() -> CpuTicks | None:
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()
    except (OSError, IndexError):
        return None
    # cpu user nice system idle iowait irq softirq steal [guest guest_nice: already counted in user/nice]
    ticks = [int(value) for value in first[1:9]]
    return CpuTicks(total=sum(ticks), steal=ticks[7]) if first[0] == "cpu" and len(ticks) == 8 else None


def steal_percent(before: CpuTicks | None, after: CpuTicks | None) -> float | None:
    """Share of the machine's CPU time that went to other virtual machines between the two readings: on
    a shared host the same code measures slower while neighbours are busy, and this says how much."""
    if before is None or after is None or after.total <= before.total:
        return None
    return round(100 * (after.steal - before.steal) / (after.total - before.total), 1)
