"""Images/s and peak memory of one optimizer step of the paper model, naive vs memory-lean head.

    python scripts/bench_train.py --batch 2                          # CPU, fp32
    python scripts/bench_train.py --device cuda --batch 64           # GPU, bf16 autocast
    python scripts/bench_train.py --device cuda --find-max-batch     # largest per-device batch that fits

The model is radzero/configs/model/dinov2_mpnet.yaml (XrayDINOv2-base frozen at 518 px, 2 align layers,
MPNet-base) built offline with random weights. Each image gets ``--sentences`` finding sentences
(the paper's MIMIC average is 6.45). One step = forward, multi-positive loss, backward, AdamW step.
Each (variant, batch) runs in its own subprocess so peaks do not mix.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SENTENCES = [
    "There is small left pleural effusion", "There is no pneumothorax", "There is mild cardiomegaly",
    "There is consolidation of right lower lobe", "There may be atelectasis of left lung base",
    "There is no pulmonary edema", "There is nodule of right upper lobe",
]


def _worker(args: argparse.Namespace) -> dict:
    import torch
    from omegaconf import OmegaConf

    from radzero import CONFIG_DIR
    from radzero.loss import RadZeroLoss
    from radzero.model import RadZero, RadZeroConfig
    from radzero.training.optim import build_optimizer
    from radzero.utils.memory import PeakMemory

    torch.manual_seed(0)
    device = torch.device(args.device)
    values = OmegaConf.to_container(OmegaConf.load(CONFIG_DIR / "model" / f"{args.model}.yaml"))
    values.pop("init_from", None)
    values["vision"] = {**values["vision"], "pretrained": False, "image_size": args.image_size}
    values["text"] = {**values["text"], "pretrained": False}
    values["lean_head"] = args.variant == "lean"
    net = RadZero(RadZeroConfig.from_dict(values)).to(device).train()
    optimizer = build_optimizer(net, lr=1e-4, weight_decay=0.05)
    loss = RadZeroLoss(net.config.kl_weight, net.config.row_sum, net.config.col_sum)
    sentences = [SENTENCES[i % len(SENTENCES)] for i in range(args.batch * args.sentences)]
    tokens = {k: v.to(device) for k, v in net.tokenize(sentences).items()}
    group = torch.arange(args.batch, device=device).repeat_interleave(args.sentences)
    images = torch.randn(args.batch, 3, args.image_size, args.image_size, device=device)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else torch.autocast(
        "cpu", enabled=False)

    def step() -> None:
        with autocast:
            features = net(images, tokens["input_ids"], tokens["attention_mask"])  # (N, D), (B, L, D)
            output = loss(features.text, features.tokens, group, features.tau, net.logits)
        output.losses["loss"].backward()
        torch.nn.utils.clip_grad_norm_(net.trainable_parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if device.type == "cuda":
            torch.cuda.synchronize()

    step()  # warm-up (allocates optimizer state)
    with PeakMemory(device) as peak:
        step()
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    seconds = statistics.median(times)
    return {"variant": args.variant, "batch": args.batch, "peak_bytes": peak.bytes, "seconds": seconds,
            "images_per_s": args.batch / seconds}


def _run(args: argparse.Namespace, variant: str, batch: int) -> dict | None:
    command = [sys.executable, __file__, "--variant", variant, "--batch", str(batch)] + [
        f"--{k.replace('_', '-')}={getattr(args, k)}" for k in ("device", "model", "image_size", "sentences", "repeats")
    ]
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536", "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        if "out of memory" in result.stderr.lower():
            return None
        sys.exit(f"{variant} batch {batch} failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--model", default="dinov2_mpnet", help="a file in radzero/configs/model/")
    parser.add_argument("--image-size", type=int, default=518)
    parser.add_argument("--batch", type=int, default=2, help="per-device batch")
    parser.add_argument("--sentences", type=int, default=6, help="finding sentences per image")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--find-max-batch", action="store_true", help="double, then bisect, the batch until OOM")
    parser.add_argument("--variant", choices=["naive", "lean"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(_worker(args)))
        return

    print(f"one optimizer step, {args.model} (random weights) at {args.image_size} px, "
          f"{args.sentences} sentences/image, on {args.device}")
    print("| head | per-device batch | images/s | step (s) | peak memory (GiB) |")
    print("|---|---:|---:|---:|---:|")
    for variant in ("naive", "lean"):
        row = _run(args, variant, args.batch)
        if row is None:
            print(f"| {variant} | {args.batch} | out of memory | | |")
            continue
        print(f"| {variant} | {row['batch']} | {row['images_per_s']:.2f} | {row['seconds']:.3f} | "
              f"{row['peak_bytes'] / 2**30:.2f} |")
    if args.find_max_batch:
        for variant in ("naive", "lean"):
            good, bad = 0, None
            batch = max(args.batch, 8)
            while bad is None or bad - good > max(1, good // 16):
                row = _run(args, variant, batch)
                if row is None:
                    bad = batch
                else:
                    good = batch
                batch = batch * 2 if bad is None else (good + bad) // 2
            print(f"largest per-device batch that fits, {variant} head: {good}")


if __name__ == "__main__":
    main()
