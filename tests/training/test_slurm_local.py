"""The apps on a real (one-node) SLURM: ``scripts/slurm_local.sh`` starts munged / slurmctld / slurmd, and the
real command lines submit through hydra/launcher=slurm (submitit). Covered: a sweep (one job and run folder per
point, W&B offline per point), a requeued job resuming bitwise, two tasks = one process, eval and extract jobs
(extract requeued mid-way resumes from its cache). Job records are printed for the notes (``pytest -s``)."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
import yaml

from helpers.fake_server import FakeChatServer

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "slurm_local.sh"
PHANTOM = [
    "phantom.n_train=24", "+phantom.n_validate=8", "+phantom.n_mscxr=8", "+phantom.n_chexpert_test=12",
    "+phantom.n_5x200_per_class=2", "+phantom.n_chestxdet10=4", "+phantom.n_siim=4", "+phantom.n_rsna=4",
    "+phantom.min_size=128", "+phantom.max_size=192", "+phantom.det_size=128", "+phantom.dicom_size=128",
    "+phantom.workers=1",
]
TINY = [
    *PHANTOM, "model.vision.image_size=32", "model.vision.patch_size=8", "model.vision.width=32",
    "model.vision.depth=0", "model.vision.heads=2", "model.text.hidden=32", "model.text.layers=1",
    "model.text.heads=2", "model.text.dropout=0.0", "model.align_depth=1", "model.align_heads=2",
    "model.embed_dim=null", "data.datamodule.global_batch_size=4", "data.datamodule.num_workers=0",
    "data.datamodule.persistent_workers=false", "callbacks.zero_shot=null", "trainer.max_epochs=1",
]
# exact resume needs no augmentation and deterministic kernels (as tests/training/test_train.py)
DETERMINISTIC = ["data.datamodule.augment=null", "trainer.deterministic=true", "scheduler.warmup_steps=2"]
SLOW = ["+callbacks.slow._target_=training.crash.SlowSteps", "+callbacks.slow.seconds=0.5"]  # time to preempt
SLURM = ["hydra/launcher=slurm", "hydra.launcher.partition=debug", "hydra.launcher.gpus_per_node=null",
         "hydra.launcher.cpus_per_task=1", "hydra.launcher.mem_gb=2", "hydra.launcher.timeout_min=10"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def say(pytestconfig) -> Callable[[str], None]:
    """Write a line to the terminal even with output captured: CI's log shows the job records and timings."""
    capture = pytestconfig.pluginmanager.getplugin("capturemanager")

    def write(line: str) -> None:
        if capture is None:
            print(line)
            return
        with capture.global_and_fixture_disabled():
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    return write


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, say):
    if os.geteuid() != 0 or not all(shutil.which(b) for b in ("slurmctld", "slurmd", "munged", "sbatch")):
        pytest.skip("needs root and Debian's slurm-wlm + munge (.ci/run installs them)")
    state = tmp_path_factory.mktemp("slurm")
    env = {**os.environ, "SLURM_LOCAL_DIR": str(state)}
    started = time.monotonic()
    subprocess.run(["bash", str(SCRIPT), "start"], check=True, env=env, timeout=120)
    say(f"\n[slurm] cluster up in {time.monotonic() - started:.1f} s")
    yield state
    subprocess.run(["bash", str(SCRIPT), "stop"], check=False, env=env, timeout=60)


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("phantom_cache")


def _env(**extra: str) -> dict[str, str]:
    """The submitting shell: tests/ importable in the jobs (the SlowSteps callback), no WANDB_MODE of CI's."""
    env = {k: v for k, v in os.environ.items() if k != "WANDB_MODE"}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "tests"), env.get("PYTHONPATH", "")])
    return {**env, "HF_HUB_OFFLINE": "1", **extra}


def _app(app: str, *args: str) -> list[str]:
    return [sys.executable, "-m", f"radzero.{app}", *args]


def _job(sweep: Path, point: int) -> str:
    """The SLURM id of sweep point ``point``: its submitit folder's name (``<array>_<task>``, or ``<job>`` when
    the sweep is one job)."""
    for _ in range(600):
        folders = [p.name for p in (sweep / ".submitit").glob("*") if p.is_dir()]
        found = [name for name in folders if name.endswith(f"_{point}")]
        found = found or [name for name in folders if name.isdigit() and point == 0 and len(folders) == 1]
        if found:
            return found[0]
        time.sleep(0.1)
    raise AssertionError(f"no submitit folder for point {point} under {sweep}")


def _fields(job: str) -> dict[str, str]:
    out = subprocess.run(["scontrol", "-o", "show", "job", job], capture_output=True, text=True, check=True).stdout
    return dict(token.split("=", 1) for token in out.split() if "=" in token)


def _ended(job: str) -> dict[str, str]:
    """The job's record once it has ended (submitit returns when the result is written, just before the end)."""
    for _ in range(300):
        fields = _fields(job)
        if fields["JobState"] in ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY"):
            return fields
        time.sleep(0.2)
    raise AssertionError(f"{job} still {fields['JobState']} after 60 s")


def _record(job: str) -> str:
    f = _ended(job)
    return f"job {job}: {f['JobState']}, elapsed {f['RunTime']}, restarts {f['Restarts']}"


def _requeue(job: str, while_pending: Callable[[], None] = lambda: None) -> None:
    """``scontrol requeue`` (SIGTERM, SIGKILL after KillWait), then start the pending job at once."""
    subprocess.run(["scontrol", "requeue", job], check=True)
    for _ in range(300):
        if _fields(job)["JobState"] == "PENDING":  # the first attempt is gone, the job waits for its BeginTime
            break
        time.sleep(0.2)
    else:
        raise AssertionError(f"{job} did not come back to PENDING: {_fields(job)['JobState']}")
    while_pending()
    subprocess.run(["scontrol", "update", f"jobid={job}", "StartTime=now"], check=True)


def _submit(command: list[str], cwd: Path) -> subprocess.Popen:
    """Start a ``-m`` command (it waits for its jobs); its output goes to ``<cwd>/submit.log``."""
    with open(cwd / "submit.log", "w") as log:
        proc = subprocess.Popen(command, cwd=cwd, env=_env(), stdout=log, stderr=subprocess.STDOUT)
    proc.log = cwd / "submit.log"  # type: ignore[attr-defined]
    return proc


def _wait_for(check: Callable[[], bool], proc: subprocess.Popen, what: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if proc.poll() is not None:
            raise AssertionError(f"the sweep ended before {what}: {proc.log.read_text()[-3000:]}")
        assert time.monotonic() < deadline, f"no {what} within {timeout} s"
        time.sleep(0.05)


def _finish(proc: subprocess.Popen, timeout: float = 600) -> None:
    proc.wait(timeout=timeout)
    assert proc.returncode == 0, proc.log.read_text()[-4000:]


def _weights(run: Path) -> tuple[int, dict[str, torch.Tensor]]:
    state = torch.load(run / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)
    return state["global_step"], state["state_dict"]


def _train_losses(run: Path) -> list[tuple[int, float]]:
    with open(run / "csv" / "metrics.csv", newline="") as f:
        return [(int(r["step"]), float(r["train/loss"])) for r in csv.DictReader(f) if r.get("train/loss")]


@pytest.fixture(scope="module")
def sweep(cluster, cache, tmp_path_factory, say) -> Path:
    """``-m ... model.kl_weight=0,0.1 logger=many_loggers``: two sbatch jobs, W&B offline in each."""
    sweep = tmp_path_factory.mktemp("sweep") / "kl"
    started = time.monotonic()
    command = _app("train", "-m", *SLURM, *TINY, f"phantom.cache_dir={cache}", "logger=many_loggers",
                   f"paths.log_dir={sweep.parent / 'logs'}", f"hydra.sweep.dir={sweep}", "model.kl_weight=0,0.1")
    done = subprocess.run(command, cwd=sweep.parent, env=_env(), capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    say(f"\n[slurm] kl_weight sweep (2 jobs, phantom generation included) in {time.monotonic() - started:.1f} s: "
          + "; ".join(_record(_job(sweep, p)) for p in (0, 1)))
    return sweep


def test_a_sweep_runs_one_sbatch_job_per_point(cluster, sweep):
    weights = set()
    for point in ("0", "1"):
        assert (sweep / point / "metrics.json").is_file(), point  # each job its own run folder
        config = yaml.safe_load((sweep / point / "snapshot" / "config.yaml").read_text())
        weights.add(config["model"]["kl_weight"])
    assert weights == {0, 0.1}
    completed: list[str] = []
    for _ in range(60):  # submitit returns when the results are written; the jobs end (and are logged) just after
        log = cluster / "log" / "jobcomp.txt"
        completed = [line for line in (log.read_text().splitlines() if log.is_file() else [])
                     if "Name=radzero-train" in line and f"ArrayJobId={_job(sweep, 0).split('_')[0]}" in line]
        if len(completed) >= 2:
            break
        time.sleep(1)
    assert len(completed) == 2 and all("JobState=COMPLETED" in line for line in completed)
    assert len(sorted((sweep / ".submitit").glob("*/*_log.out"))) == 2  # submitit ran each point in its job


def test_each_sweep_point_is_its_own_offline_wandb_run_in_the_sweep_group(sweep):
    ids = set()
    for point in ("0", "1"):
        runs = sorted((sweep / point / "wandb").glob("offline-run-*"))  # offline: the job's setup line
        assert len(runs) == 1, runs
        record = next(runs[0].glob("run-*.wandb")).read_bytes()  # the run record: name, group, config
        assert b"train-kl" in record and f"train-{point}".encode() in record  # group = sweep folder, name = point
        assert b"kl_weight" in record
        ids.add(runs[0].name.rsplit("-", 1)[-1])
    assert len(ids) == 2


def test_a_requeued_job_resumes_from_its_own_last_ckpt_bitwise(cluster, cache, tmp_path, say):
    sweep = tmp_path / "preempt"
    command = _app("train", "-m", *SLURM, *TINY, *DETERMINISTIC, *SLOW, "trainer.max_epochs=3",
                   f"phantom.cache_dir={cache}", f"paths.log_dir={tmp_path / 'logs'}", f"hydra.sweep.dir={sweep}",
                   "tags=[uninterrupted],[requeued]")  # two identical runs; point 1 is preempted
    started = time.monotonic()
    proc = _submit(command, tmp_path)
    last = sweep / "1" / "checkpoints" / "last.ckpt"
    _wait_for(last.exists, proc, "the first checkpoint of point 1")
    job = _job(sweep, 1)
    assert torch.load(last, weights_only=True)["global_step"] < 18  # preempted mid-training
    _requeue(job)
    _finish(proc)
    say(f"\n[slurm] preemption sweep in {time.monotonic() - started:.1f} s: {_record(_job(sweep, 0))}; "
          f"{_record(job)}")
    assert _ended(job)["Restarts"] == "1" and _ended(job)["JobState"] == "COMPLETED"
    log = "".join(p.read_text() for p in (sweep / ".submitit" / job).glob("*_log.out"))
    assert f"resuming from {last}" in log and "Received SIGTERM" in log
    (steps_a, uninterrupted), (steps_b, resumed) = _weights(sweep / "0"), _weights(sweep / "1")
    assert steps_a == steps_b == 18 and uninterrupted.keys() == resumed.keys()
    for name, value in uninterrupted.items():
        assert torch.equal(value, resumed[name]), name  # bitwise
    say(f"[slurm] resumed vs uninterrupted: {len(resumed)} tensors, all bitwise equal at step {steps_b}")


def test_two_tasks_on_the_node_equal_one_process(cluster, cache, tmp_path, say):
    """tasks_per_node=2, trainer=ddp_sim (gloo): Lightning reads the SLURM environment; the global batches, hence
    the losses and weights, are the 1-process run's (no BatchNorm: model.vision.stem=patch)."""
    common = [*TINY, *DETERMINISTIC, "trainer.max_epochs=2", "trainer.log_every_n_steps=1", "model.vision.stem=patch",
              f"phantom.cache_dir={cache}", f"paths.log_dir={tmp_path / 'logs'}"]
    sweep, single = tmp_path / "ddp", tmp_path / "single"
    started = time.monotonic()
    proc = _submit(_app("train", "-m", *SLURM, "hydra.launcher.tasks_per_node=2", "trainer=ddp_sim", *common,
                        f"hydra.sweep.dir={sweep}"), tmp_path)
    _finish(proc)
    say(f"\n[slurm] 2-task DDP job in {time.monotonic() - started:.1f} s: {_record(_job(sweep, 0))}")
    done = subprocess.run(_app("train", "trainer=cpu", *common, f"hydra.run.dir={single}",
                               f"paths.output_dir={single}"), cwd=tmp_path, env=_env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    script = next((sweep / ".submitit").glob("*/*_submission.sh")).read_text()  # what the launcher config asked
    for line in ("--ntasks-per-node=2", "--nodes=1", "--cpus-per-task=1", "--signal=USR2@120", "--requeue",
                 "--partition=debug", "export WANDB_MODE=offline"):
        assert line in script, line
    logs = "".join(p.read_text() for p in (sweep / ".submitit").glob("*/*_log.err"))
    assert "GLOBAL_RANK: 0, MEMBER: 1/2" in logs and "GLOBAL_RANK: 1, MEMBER: 2/2" in logs  # two SLURM tasks
    ddp, one = _train_losses(sweep / "0"), _train_losses(single)
    assert [s for s, _ in ddp] == [s for s, _ in one] == list(range(12))
    worst = max(abs(a - b) for (_, a), (_, b) in zip(ddp, one))
    assert worst < 1e-5, worst
    (steps_ddp, w_ddp), (steps_one, w_one) = _weights(sweep / "0"), _weights(single)
    assert steps_ddp == steps_one == 12
    for name in w_one:
        torch.testing.assert_close(w_ddp[name], w_one[name], atol=1e-4, rtol=1e-4, msg=name)
    gap = max(float((w_ddp[k].float() - w_one[k].float()).abs().max()) for k in w_one)
    say(f"[slurm] 2 tasks vs 1 process: train loss max |diff| {worst:.2e} over 12 steps, weights {gap:.2e}")


def _without_timing(value):
    if isinstance(value, dict):
        return {k: _without_timing(v) for k, v in value.items() if k not in ("timing", "meta")}
    if isinstance(value, list):
        return [_without_timing(v) for v in value]
    return value


def test_eval_runs_as_a_slurm_job_and_equals_a_local_run(cluster, cache, sweep, tmp_path, say):
    common = [*PHANTOM, f"phantom.cache_dir={cache}", f"ckpt_path={sweep / '0' / 'model'}", "n_bootstrap=50",
              "overlays=1", "num_workers=0", f"paths.log_dir={tmp_path / 'logs'}"]
    started = time.monotonic()
    proc = _submit(_app("eval", "-m", *SLURM, *common, f"hydra.sweep.dir={tmp_path / 'job'}"), tmp_path)
    _finish(proc)
    say(f"\n[slurm] eval job in {time.monotonic() - started:.1f} s: {_record(_job(tmp_path / 'job', 0))}")
    local = tmp_path / "local"
    done = subprocess.run(_app("eval", *common, f"hydra.run.dir={local}", f"paths.output_dir={local}"),
                          cwd=tmp_path, env=_env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    in_job = json.loads((tmp_path / "job" / "0" / "results.json").read_text())
    assert set(in_job) >= {"classification", "grounding", "segmentation"}
    assert _without_timing(in_job) == _without_timing(json.loads((local / "results.json").read_text()))


def _cached_keys(db: Path) -> set[str]:
    import sqlite3

    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return {key for (key,) in con.execute("SELECT key FROM results WHERE status='done'")}
    finally:
        con.close()


def test_an_extract_job_requeued_mid_way_resumes_from_its_cache(cluster, tmp_path, say):
    from radzero.extract.cache import cache_key
    from radzero.extract.prompt import Prompt
    from radzero.extract.reports import load_reports

    n, root = 60, tmp_path / "files"
    for i in range(n):
        folder = root / "p10" / f"p{10000000 + i}"
        folder.mkdir(parents=True)
        (folder / f"s{50000000 + i}.txt").write_text(
            f" FINAL REPORT\n FINDINGS: Report {i:03d}. Mild cardiomegaly.\n\n IMPRESSION: No effusion.\n")
    db, out, sweep = tmp_path / "cache.sqlite", tmp_path / "kp.json", tmp_path / "job"
    with FakeChatServer(delay_s=0.2) as server:
        command = _app("extract", "-m", *SLURM, f"input.path={root}", "extractor=openai",
                       f"extractor.base_url={server.base_url}", "extractor.model=fake-model",
                       "extractor.concurrency=1", "chunk_size=8", "flush_every=1", "progress=false",
                       f"output={out}", f"cache.path={db}", f"output_dir={tmp_path}", f"hydra.sweep.dir={sweep}")
        started = time.monotonic()
        proc = _submit(command, tmp_path)
        _wait_for(lambda: len(server.hits) >= 8, proc, "8 answered reports")
        job, first = _job(sweep, 0), {}

        def snapshot() -> None:  # the first attempt is dead: what it cached, and what it asked
            first.update(cached=_cached_keys(db), hits=len(server.hits))

        _requeue(job, snapshot)
        _finish(proc)
        second = Counter(report for report, reask, _ in server.hits[first["hits"]:] if not reask)
    say(f"\n[slurm] extract job in {time.monotonic() - started:.1f} s: {_record(job)}; "
          f"{len(first['cached'])} of {n} reports cached before the requeue, {sum(second.values())} asked after")
    assert _ended(job)["Restarts"] == "1" and _ended(job)["JobState"] == "COMPLETED"
    cached = first["cached"]
    assert 8 <= len(cached) < n
    version = Prompt.load(None).cache_version
    for report in load_reports(root):
        key = cache_key(report.text, version, "openai", "fake-model")
        assert second["Report:\n" + report.text] == (0 if key in cached else 1), report.text
    records = json.loads(out.read_text())
    assert len(records) == n and all(r["key_phrases"] for r in records)


def test_the_ablation_ladder_runs_through_the_launcher(cluster, cache, tmp_path, say):
    """``-m hydra/launcher=slurm experiment=ablation/clip,ablation/radzero``: one job per rung, then the table."""
    sweep = tmp_path / "ladder"
    started = time.monotonic()
    proc = _submit(_app("train", "-m", *SLURM, *TINY, f"phantom.cache_dir={cache}", "logger=csv", "seed=0",
                        "experiment=ablation/clip,ablation/radzero", f"paths.log_dir={tmp_path / 'logs'}",
                        f"hydra.sweep.dir={sweep}"), tmp_path)
    _finish(proc)
    say(f"\n[slurm] ablation sweep in {time.monotonic() - started:.1f} s: "
          + "; ".join(_record(_job(sweep, p)) for p in (0, 1)))
    rungs = {yaml.safe_load((sweep / p / "snapshot" / "config.yaml").read_text())["ablation_rung"] for p in "01"}
    assert rungs == {"clip", "radzero"}
    table = [sys.executable, str(REPO / "scripts" / "ablation_table.py"), str(sweep), "--out", str(tmp_path / "t"),
             "--evaluate", "--eval-arg", "max_images=6", "--eval-arg", "n_bootstrap=20", "--eval-arg", "num_workers=0"]
    done = subprocess.run(table, cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    text = (tmp_path / "t" / "ablation.md").read_text()
    assert "| clip (" in text and "| radzero (" in text
