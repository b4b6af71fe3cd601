"""Peak-memory measurement for benchmarks: CUDA allocator peak, or the process's resident set on CPU."""

from __future__ import annotations

from pathlib import Path

import torch


def _status_bytes(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"{field} not found in /proc/self/status (Linux only)")


class PeakMemory:
    """``with PeakMemory(device) as peak: ...`` then ``peak.bytes`` = peak rise over the start.

    CUDA: ``torch.cuda.max_memory_allocated`` after a reset. CPU: VmHWM after resetting it through
    ``/proc/self/clear_refs`` (Linux); run with ``MALLOC_MMAP_THRESHOLD_=65536`` so freed tensors
    return to the OS and earlier steps do not hide later peaks.
    """

    def __init__(self, device: torch.device | str) -> None:
        self.device = torch.device(device)
        self.bytes = 0
        self._base = 0

    def __enter__(self) -> PeakMemory:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
            self._base = torch.cuda.memory_allocated(self.device)
        else:
            self._base = _status_bytes("VmRSS")
            Path("/proc/self/clear_refs").write_text("5")  # VmHWM := current RSS
        return self

    def __exit__(self, *exc) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            self.bytes = torch.cuda.max_memory_allocated(self.device) - self._base
        else:
            self.bytes = _status_bytes("VmHWM") - self._base
