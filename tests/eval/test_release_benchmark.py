"""``benchmark=radzero_release`` end to end on a fixture folder in the authors' formats, both protocols; every
number recomputed here from the written labels and the per-image prediction files."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from radzero.eval.runner import run_eval
from helpers.eval_helpers import compose_eval, tiny_model
from helpers.release_folder import write_release_folder

OPENI = ["Atelectasis", "Cardiomegaly", "Effusion", "Infiltration", "Mass", "Nodule", "Pneumonia", "Pneumothorax",
         "Edema", "Emphysema", "Fibrosis", "Pleural_Thickening", "Hernia", "Fracture", "Opacity", "Lesion",
         "Calcified Granuloma", "Granuloma"]
SYNONYMS = {"Pleural_Thickening": ["pleural thickening"], "Infiltration": ["infiltrate"], "Atelectasis": ["atelectases"]}
PAPER = {("classification", "openi", "macro_auroc"): 0.847, ("classification", "padchest", "macro_auroc"): 0.841,
         ("classification", "padchest", "padchest20_macro_auroc"): 0.871,
         ("classification", "chestxray14", "macro_auroc"): 0.804, ("classification", "chexpert", "macro_auroc"): 0.900,
         ("classification", "chestxdet10", "macro_auroc"): 0.787, ("classification", "siim", "macro_auroc"): 0.924,
         ("classification", "rsna", "macro_auroc"): 0.834, ("grounding", "chestxdet10", "pointing_game"): 0.622,
         ("grounding", "ms_cxr", "pointing_game"): 0.844, ("segmentation", "siim", "dice"): 0.171,
         ("segmentation", "rsna", "dice"): 0.546, ("segmentation", "siim", "pixel_auroc"): 0.947}


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("release_model")
    tiny_model(seed=2).save_pretrained(directory)
    return directory


def _run(root: Path, out: Path, model_dir: Path, *overrides: str) -> dict:
    cfg = compose_eval([f"ckpt_path={model_dir}", "benchmark=radzero_release", f"paths.data_dir={root}",
                        *overrides], out, out / "unused_phantom")
    return run_eval(cfg)


@pytest.fixture(scope="module")
def both(tmp_path_factory, model_dir):
    base = tmp_path_factory.mktemp("release_eval")
    folder = write_release_folder(base / "data")
    out = base / "out"
    return folder, out, _run(folder.root, out, model_dir, "protocol=both")


def _predictions(path: Path) -> dict[str, dict[str, float]]:
    with open(path) as f:
        return {row["image_id"]: {k[6:]: float(v) for k, v in row.items() if k.startswith("score:")}
                for row in csv.DictReader(f)}


def _macro(labels: dict[str, dict[str, float]], scores: dict[str, dict[str, float]]) -> float:
    classes = list(next(iter(labels.values())))
    values = []
    for c in classes:
        y = np.array([labels[i][c] for i in labels])
        if 0 < y.sum() < len(y):
            values.append(roc_auc_score(y, [scores[i][c] for i in labels]))
    return float(np.mean(values))


def _openi_labels(folder, case_sensitive: bool) -> dict[str, dict[str, float]]:
    out = {}
    for path, cell in zip(folder.truth["openi"]["paths"], folder.truth["openi"]["cells"]):
        text = (cell or "-1") if case_sensitive else (cell or "-1").lower()
        out[path] = {c: float(any(p in text for p in [c.lower(), *SYNONYMS.get(c, [])])) for c in OPENI}
    return out


def test_classification_equals_sklearn_on_the_written_labels(both):
    folder, out, results = both
    truth = folder.truth
    expected_labels = {
        "chestxray14": {p: dict(enumerate(map(float, row))) for p, row in zip(truth["chestxray14"]["paths"],
                                                                             truth["chestxray14"]["labels"])},
        "chexpert": {p: dict(enumerate(map(float, row))) for p, row in zip(truth["chexpert"]["paths"],
                                                                          truth["chexpert"]["labels"])},
    }
    for protocol, entries, folder_out in (("radzero", results, out), ("authors", results["by_protocol"]["authors"],
                                                                         out / "authors")):
        for name in ("chestxray14", "chexpert"):
            scores = _predictions(folder_out / "predictions" / "classification" / f"{name}.csv")
            by_index = {i: dict(enumerate(s.values())) for i, s in scores.items()}
            got = entries["classification"][name]["metrics"]["macro_auroc"]["value"]
            assert got == pytest.approx(_macro(expected_labels[name], by_index), abs=1e-9), (protocol, name)
        openi = _predictions(folder_out / "predictions" / "classification" / "openi.csv")
        labels = _openi_labels(folder, case_sensitive=protocol == "authors")
        assert entries["classification"]["openi"]["metrics"]["macro_auroc"]["value"] == pytest.approx(
            _macro(labels, openi), abs=1e-9), protocol
        assert entries["classification"]["openi"]["protocol"] == protocol


def test_protocols_differ_where_documented(both):
    folder, out, results = both
    authors = results["by_protocol"]["authors"]
    n_entries = len(folder.truth["ms_cxr"]["entries"])
    groups = {(e["image"], e["det"][0]["name"]) for e in folder.truth["ms_cxr"]["entries"]}
    assert results["grounding"]["ms_cxr"]["counts"]["n_phrases"] == len(groups)
    assert authors["grounding"]["ms_cxr"]["counts"]["n_phrases"] == n_entries > len(groups)
    with open(out / "authors" / "predictions" / "grounding" / "ms_cxr.csv") as f:
        rows = list(csv.DictReader(f))
    boxes = [e["det"][0]["label"][0] for e in folder.truth["ms_cxr"]["entries"]]
    hits = [x1 <= int(r["argmax_col"]) <= x2 and y1 <= int(r["argmax_row"]) <= y2
            for r, (x1, y1, x2, y2) in zip(rows, boxes)]
    assert authors["grounding"]["ms_cxr"]["metrics"]["pointing_game"]["value"] == pytest.approx(np.mean(hits))
    for name in ("siim", "rsna"):
        ours, theirs = results["segmentation"][name], authors["segmentation"][name]
        assert set(ours["thresholds"]) == {"validation", "oracle"} and set(theirs["thresholds"]) == {"oracle"}
        assert "test-chosen" in theirs["metrics"]["dice"]["label"] and "dice_oracle" not in theirs["metrics"]
        assert ours["counts"]["n_validation_positive"] > 0 and theirs["counts"]["n_validation_positive"] == 0
    assert results["meta"]["protocols"] == ["radzero", "authors"]


def test_results_md_shows_both_protocols_and_the_paper(both):
    _, out, results = both
    table = (out / "results.md").read_text()
    assert table.splitlines()[0] == "| task | dataset | metric | radzero | 95% CI | authors | 95% CI | n | paper |"
    for (task, name, metric), value in PAPER.items():
        assert results_entry(results, task, name)["paper"][metric] == value
        row = next(line for line in table.splitlines() if line.startswith(f"| {task} | {name} | {metric} "))
        assert row.endswith(f"| {value:.3f} |"), row


def results_entry(results: dict, task: str, name: str) -> dict:
    return results[task][name]


def test_shuffled_label_rows_give_the_same_metrics(tmp_path, both, model_dir):
    _, _, results = both
    shuffled = write_release_folder(tmp_path / "data", shuffle_labels=True)
    again = _run(shuffled.root, tmp_path / "out", model_dir, "task=[classification,grounding]")
    for task in ("classification", "grounding"):
        for name, entry in again[task].items():
            assert entry["metrics"] == results[task][name]["metrics"], (task, name)
