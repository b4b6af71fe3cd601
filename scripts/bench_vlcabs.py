"""Peak memory and time of VL-CABS forward+backward: naive (reference) vs memory-lean.

    python scripts/bench_vlcabs.py                      # B=64 N=400 L=1370 D=768, fp32, CPU
    python scripts/bench_vlcabs.py --device cuda --dtype bf16

Each variant runs in its own subprocess. On CPU the peak is the rise of the resident set (VmHWM,
reset through /proc/self/clear_refs) over the inputs; glibc is told to mmap every allocation over
64 KiB so freed blocks go back to the OS. On CUDA it is ``torch.cuda.max_memory_allocated``.
Peak counts everything the step allocates: intermediates and the input gradients.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

VARIANTS = ("naive", "lean")


def _worker(args: argparse.Namespace) -> dict:
    import torch

    from radzero.model.vlcabs import vlcabs, vlcabs_logits
    from radzero.utils.memory import PeakMemory

    torch.manual_seed(0)
    device = torch.device(args.device)
    dtype = {"fp32": torch.float32, "bf16": torch.bfloat16}[args.dtype]
    text = torch.randn(args.N, args.D, device=device, dtype=dtype, requires_grad=True)
    tokens = torch.randn(args.B, args.L, args.D, device=device, dtype=dtype, requires_grad=True)
    log_tau = torch.tensor(0.07, device=device).log().requires_grad_()
    upstream = torch.randn(args.N, args.B, device=device)

    def step() -> None:
        tau = log_tau.exp()
        if args.variant == "naive":
            logits, _ = vlcabs(text, tokens, tau, check_values=False)
        else:
            logits = vlcabs_logits(text, tokens, tau, check_values=False)
        (logits.float() * upstream).sum().backward()
        text.grad = tokens.grad = log_tau.grad = None

    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize()

    step()  # warm-up
    sync()
    with PeakMemory(device) as peak:
        step()
    times = []
    for _ in range(args.repeats):
        sync()
        start = time.perf_counter()
        step()
        sync()
        times.append(time.perf_counter() - start)
    return {"variant": args.variant, "peak_bytes": peak.bytes, "seconds": statistics.median(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--B", type=int, default=64)
    parser.add_argument("--N", type=int, default=400)
    parser.add_argument("--L", type=int, default=1370)
    parser.add_argument("--D", type=int, default=768)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="fp32", choices=["fp32", "bf16"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--variant", choices=VARIANTS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(_worker(args)))
        return

    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536"}
    rows = {}
    for variant in VARIANTS:
        command = [sys.executable, __file__, "--variant", variant] + [
            f"--{k}={getattr(args, k)}" for k in ("B", "N", "L", "D", "device", "dtype", "repeats")
        ]
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            sys.exit(f"{variant} run failed:\n{result.stderr}")
        rows[variant] = json.loads(result.stdout.strip().splitlines()[-1])

    naive, lean = rows["naive"], rows["lean"]
    print(f"VL-CABS forward+backward  B={args.B} N={args.N} L={args.L} D={args.D} {args.dtype} on {args.device}")
    print("| variant | peak memory (MiB) | time (s) |")
    print("|---|---:|---:|")
    for row in (naive, lean):
        print(f"| {row['variant']} | {row['peak_bytes'] / 2**20:,.0f} | {row['seconds']:.3f} |")
    memory_ratio = lean["peak_bytes"] / naive["peak_bytes"]
    time_ratio = lean["seconds"] / naive["seconds"]
    print(f"lean/naive: memory {memory_ratio:.1%} (target <= 25%), time {time_ratio:.2f}x (target <= 1.3x)")


if __name__ == "__main__":
    main()
