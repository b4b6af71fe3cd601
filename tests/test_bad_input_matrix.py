"""The bad-input matrix: every case must fail with a message that names the offending file, row or key,
and must leave every file that existed before untouched (nothing written before is changed or deleted).

Cases cover the train / eval / extract apps (through their composed Hydra configs), the Python API and
every dataset reader. A case is ``setup(tmp) -> (call, exception type(s), [texts the message must hold])``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import open_dict
from PIL import Image

from radzero import CONFIG_DIR
from helpers.eval_helpers import compose_eval, tiny_model
from training.conftest import compose_train

REPO = Path(__file__).resolve().parents[1]
CASES: dict[str, Callable] = {}


def case(name: str):
    def register(setup: Callable) -> Callable:
        CASES[name] = setup
        return setup

    return register


def _snapshot(root: Path) -> dict[str, tuple[str, int]]:
    return {str(p.relative_to(root)): (hashlib.sha1(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in root.rglob("*") if p.is_file()}


def _out(tmp: Path) -> Path:
    """An output folder that already holds the user's files (they must survive every failure)."""
    out = tmp / "out"
    out.mkdir(exist_ok=True)
    (out / "notes.txt").write_text("my notes")
    (out / "metrics.json").write_text('{"from": "an earlier run"}')
    return out


def _phantom(tmp: Path) -> Path:
    return tmp.parent.parent / "matrix_phantom"  # shared across cases (generated once, tiny)


def _train(tmp: Path, *overrides: str):
    from radzero.train import train

    cfg = compose_train(["callbacks.zero_shot=null", *overrides], _out(tmp),
                        _phantom(tmp))
    return lambda: train(cfg)


def _eval(tmp: Path, *overrides: str, ckpt: str | None = None):
    from radzero.eval.runner import run_eval

    if ckpt is None:
        tiny_model().save_pretrained(tmp / "model")
        ckpt = str(tmp / "model")
    cfg = compose_eval([f"ckpt_path={ckpt}", *overrides], _out(tmp), _phantom(tmp))
    return lambda: run_eval(cfg)


def _extract(tmp: Path, path: Path, *overrides: str):
    from radzero.extract.__main__ import run

    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(config_name="extract", overrides=[f"input.path={path}", f"output_dir={_out(tmp)}",
                                                         "progress=false", *overrides])
    return lambda: run(cfg)


def _model_dir(tmp: Path, edit: Callable[[Path], None] | None = None) -> Path:
    folder = tmp / "model"
    tiny_model().save_pretrained(folder)
    if edit is not None:
        edit(folder)
    return folder


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# ----------------------------------------------------------------------------------------------- train


@case("train: non-numeric learning rate")
def _(tmp):
    return _train(tmp, "optimizer.lr=abc"), ValueError, ["optimizer.lr", "'abc'", "not a number"]


@case("train: zero global batch size")
def _(tmp):
    return _train(tmp, "data.datamodule.global_batch_size=0"), ValueError, ["data.datamodule.global_batch_size"]


@case("train: negative warm-up")
def _(tmp):
    return _train(tmp, "scheduler.warmup_steps=-1"), ValueError, ["scheduler.warmup_steps", ">= 0"]


@case("train: fractional seed")
def _(tmp):
    return _train(tmp, "seed=1.5"), ValueError, ["seed=1.5", "integer"]


@case("train: output folder is a file")
def _(tmp):
    from radzero.train import train

    cfg = compose_train(["callbacks.zero_shot=null"], _out(tmp), _phantom(tmp))
    with open_dict(cfg):
        cfg.paths.output_dir = str(tmp / "out" / "notes.txt")
    return lambda: train(cfg), ValueError, ["paths.output_dir", "notes.txt", "not a folder"]


@case("train: resume from a missing checkpoint")
def _(tmp):
    return (_train(tmp, f"ckpt_path={tmp / 'nope.ckpt'}"), RuntimeError,
            ["ckpt_path=", "nope.ckpt", "does not exist"])


@case("train: resume from a truncated checkpoint")
def _(tmp):
    bad = tmp / "half.ckpt"
    torch.save({"state_dict": {"w": torch.zeros(1000)}}, bad)
    bad.write_bytes(bad.read_bytes()[:300])
    return _train(tmp, f"ckpt_path={bad}"), RuntimeError, ["half.ckpt", "not a complete checkpoint"]


@case("train: resume from another config's checkpoint")
def _(tmp):
    other = tmp / "other.ckpt"
    torch.save({"state_dict": {"net.align.blocks.7.norm1.weight": torch.zeros(3)}}, other)
    return (_train(tmp, f"ckpt_path={other}"), ValueError,
            ["other.ckpt", "another model config", "unexpected: net.align.blocks.7.norm1.weight"])


@case("train: missing data folder")
def _(tmp):
    from radzero.train import train

    cfg = compose_train(["data=mimic", "callbacks.zero_shot=null"], _out(tmp), _phantom(tmp), phantom=False)
    with open_dict(cfg):
        cfg.paths.data_dir = str(tmp / "no_such_data")
    return lambda: train(cfg), FileNotFoundError, ["no_such_data", "paths.data_dir"]


@case("train: key typo in the model config")
def _(tmp):
    from hydra.errors import ConfigCompositionException

    out = _out(tmp)
    return (lambda: compose_train(["model.vision.widht=3"], out, _phantom(tmp)), ConfigCompositionException,
            ["model.vision.widht"])


@case("train: init_from a folder without a model")
def _(tmp):
    (tmp / "empty").mkdir()
    return (_train(tmp, f"model.init_from={tmp / 'empty'}", "debug=fdr"), FileNotFoundError,
            [str(tmp / "empty" / "config.json"), "not found"])


@case("train: unknown text encoder")
def _(tmp):
    return _train(tmp, "model.text.name=gpt", "debug=fdr"), ValueError, ["unknown text encoder 'gpt'"]


@case("train: unknown key of a vision encoder")
def _(tmp):
    return (_train(tmp, "+model.vision.widht=3", "debug=fdr"), ValueError,
            ["model.vision (name: small_vit)", "['widht']"])


# ----------------------------------------------------------------------------------------------- eval


@case("eval: max_images=0")
def _(tmp):
    return _eval(tmp, "max_images=0"), ValueError, ["max_images=0", ">= 1"]


@case("eval: max_images=-1")
def _(tmp):
    return _eval(tmp, "max_images=-1"), ValueError, ["max_images=-1"]


@case("eval: non-numeric batch size")
def _(tmp):
    return _eval(tmp, "batch_size=many"), ValueError, ["batch_size='many'"]


@case("eval: unknown device")
def _(tmp):
    return _eval(tmp, "device=tpu"), ValueError, ["device='tpu'", "cpu"]


@case("eval: CUDA on a machine without")
def _(tmp):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    return _eval(tmp, "device=cuda"), ValueError, ["device='cuda'", "no CUDA device"]


@case("eval: unknown geometry")
def _(tmp):
    return _eval(tmp, "geometry=stretch"), ValueError, ["geometry='stretch'", "resize"]


@case("eval: unknown precision")
def _(tmp):
    return _eval(tmp, "precision=fp16"), ValueError, ["precision='fp16'"]


@case("eval: prompt template without a slot")
def _(tmp):
    return _eval(tmp, "prompt_template=Finding"), ValueError, ["prompt_template='Finding'", "{}"]


@case("eval: missing checkpoint")
def _(tmp):
    return _eval(tmp, ckpt=str(tmp / "gone.ckpt")), ValueError, ["gone.ckpt", "does not exist"]


@case("eval: folder without a model")
def _(tmp):
    (tmp / "empty").mkdir()
    return _eval(tmp, ckpt=str(tmp / "empty")), ValueError, [str(tmp / "empty"), "config.json"]


@case("eval: truncated model.safetensors")
def _(tmp):
    def truncate(folder):
        weights = folder / "model.safetensors"
        weights.write_bytes(weights.read_bytes()[:99])

    folder = _model_dir(tmp, truncate)
    return _eval(tmp, ckpt=str(folder)), ValueError, ["model.safetensors", "not a readable safetensors file"]


@case("eval: empty model.safetensors")
def _(tmp):
    folder = _model_dir(tmp, lambda f: (f / "model.safetensors").write_bytes(b""))
    return _eval(tmp, ckpt=str(folder)), ValueError, ["model.safetensors", "not a readable safetensors file"]


@case("eval: config.json is not JSON")
def _(tmp):
    folder = _model_dir(tmp, lambda f: (f / "config.json").write_text("{vision:"))
    return _eval(tmp, ckpt=str(folder)), ValueError, ["config.json", "not valid JSON"]


@case("eval: unknown key inside a saved config.json")
def _(tmp):
    def edit(folder):
        config = json.loads((folder / "config.json").read_text())
        config["vision"]["patch"] = 4
        (folder / "config.json").write_text(json.dumps(config))

    return _eval(tmp, ckpt=str(_model_dir(tmp, edit))), ValueError, ["config.json", "unknown key(s) ['patch']"]


@case("eval: maps image is a folder")
def _(tmp):
    (tmp / "images").mkdir()
    return (_eval(tmp, "task=maps", f"image={tmp / 'images'}", "prompts=[There is edema]"), OSError,
            [str(tmp / "images"), "is a folder, not an image file"])


@case("eval: maps image missing")
def _(tmp):
    return (_eval(tmp, "task=maps", f"image={tmp / 'x.png'}", "prompts=[There is edema]"), OSError,
            ["x.png", "not found"])


@case("eval: maps image corrupt")
def _(tmp):
    bad = _write(tmp / "broken.jpg", "not a jpeg at all")
    return _eval(tmp, "task=maps", f"image={bad}", "prompts=[There is edema]"), OSError, ["broken.jpg"]


@case("eval: maps without prompts")
def _(tmp):
    image = tmp / "cxr.png"
    Image.fromarray(np.zeros((40, 30), np.uint8)).save(image)
    return _eval(tmp, "task=maps", f"image={image}", "prompts=[]"), ValueError, ["at least one prompt"]


@case("eval: maps threshold outside [0, 1]")
def _(tmp):
    image = tmp / "cxr.png"
    Image.fromarray(np.zeros((40, 30), np.uint8)).save(image)
    return (_eval(tmp, "task=maps", f"image={image}", "prompts=[There is edema]", "threshold=2"), ValueError,
            ["threshold", "2"])


@case("eval: unknown dataset")
def _(tmp):
    return _eval(tmp, "datasets=[openi]"), ValueError, ["datasets=['openi']", "phantom"]


@case("eval: unknown task")
def _(tmp):
    return _eval(tmp, "task=detection"), ValueError, ["task='detection'", "classification"]


# ----------------------------------------------------------------------------------------------- extract


@case("extract: input path missing")
def _(tmp):
    return _extract(tmp, tmp / "reports"), FileNotFoundError, [str(tmp / "reports")]


@case("extract: a folder with no reports")
def _(tmp):
    (tmp / "reports").mkdir()
    return _extract(tmp, tmp / "reports"), ValueError, ["no reports found in", str(tmp / "reports")]


@case("extract: CSV with an unbalanced quote")
def _(tmp):
    table = _write(tmp / "reports.csv", 'study,findings,impression\n1,"Clear lungs.,Normal.\n2,Effusion.,Small.\n'
                   '3,Edema.,Mild.\n')
    return _extract(tmp, table), ValueError, ["reports.csv", "line 2"]


@case("extract: CSV row with too many fields")
def _(tmp):
    table = _write(tmp / "reports.csv", "study,findings,impression\n1,Clear.,Normal.\n2,Effusion.,Small.,extra\n")
    return _extract(tmp, table), ValueError, ["reports.csv line 3", "4 fields, the header has 3"]


@case("extract: JSON that is not JSON")
def _(tmp):
    return _extract(tmp, _write(tmp / "reports.json", "[{")), ValueError, ["reports.json", "not valid JSON"]


@case("extract: JSONL with a broken line")
def _(tmp):
    lines = '{"findings": "Clear.", "impression": "Normal."}\n{"findings": \n'
    return _extract(tmp, _write(tmp / "reports.jsonl", lines)), ValueError, ["reports.jsonl line 2"]


@case("extract: table without report columns")
def _(tmp):
    table = _write(tmp / "reports.csv", "study,text\n1,Clear lungs.\n")
    return _extract(tmp, table), ValueError, ["reports.csv", "'findings'", "'impression'"]


@case("extract: input.limit=0")
def _(tmp):
    table = _write(tmp / "reports.csv", "study,findings,impression\n1,Clear.,Normal.\n")
    return _extract(tmp, table, "input.limit=0"), ValueError, ["input.limit=0"]


@case("extract: unknown input format")
def _(tmp):
    return (_extract(tmp, _write(tmp / "reports.docx", "x")), ValueError,
            ["reports.docx", "input.format"])


# ----------------------------------------------------------------------------------------------- Python API


@case("api: uint8 images into RadZero.forward")
def _(tmp):
    model = tiny_model()
    tokens = model.tokenize(["There is edema"])
    images = torch.zeros(1, 3, 32, 32, dtype=torch.uint8)
    return (lambda: model(images, tokens["input_ids"], tokens["attention_mask"]), ValueError,
            ["torch.uint8", "float tensor"])


@case("api: zero texts into RadZero.forward")
def _(tmp):
    model = tiny_model()
    empty = torch.zeros(0, 4, dtype=torch.long)
    return lambda: model(torch.zeros(1, 3, 32, 32), empty, empty), ValueError, ["N >= 1 sentences", "(0, 4)"]


@case("api: tokenize no sentences")
def _(tmp):
    return lambda: tiny_model().tokenize([]), ValueError, ["text list is empty"]


@case("api: Predictor float image outside [0, 1]")
def _(tmp):
    from radzero import Predictor

    predictor = Predictor(tiny_model(), "cpu")
    return lambda: predictor.predict(np.full((8, 8), 3.0), "There is edema"), ValueError, ["[0, 1]"]


@case("api: Predictor unknown device")
def _(tmp):
    from radzero import Predictor

    return lambda: Predictor(tiny_model(), "quantum"), ValueError, ["device='quantum'"]


@case("api: VL-CABS with mismatched widths")
def _(tmp):
    from radzero.model import vlcabs

    return lambda: vlcabs(torch.randn(2, 8), torch.randn(1, 5, 6), 0.1), ValueError, ["dim 8 != vision token dim 6"]


@case("api: loss with a group index out of range")
def _(tmp):
    from radzero.loss import multi_positive_nce

    return (lambda: multi_positive_nce(torch.zeros(3, 2), torch.tensor([0, 1, 5]), 0.1), ValueError,
            ["group indices must lie in [0, 2)"])


@case("api: truncated JPEG")
def _(tmp):
    from radzero.data.io import load_image

    path = tmp / "cut.jpg"
    Image.fromarray((np.random.default_rng(0).random((64, 64)) * 255).astype(np.uint8)).save(path)
    path.write_bytes(path.read_bytes()[:200])
    return lambda: load_image(path), OSError, ["cut.jpg"]


@case("api: DICOM without pixels")
def _(tmp):
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    from radzero.data.io import load_image

    meta = FileMetaDataset()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = generate_uid(), generate_uid()
    ds = FileDataset(str(tmp / "empty.dcm"), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.PatientName = "Secret^Name"
    ds.save_as(tmp / "empty.dcm", enforce_file_format=True)
    return lambda: load_image(tmp / "empty.dcm"), OSError, ["empty.dcm", "no Pixel Data"]


# ----------------------------------------------------------------------------------------------- readers


@case("reader: authors' JSON not JSON")
def _(tmp):
    from radzero.data.readers import read_radzero_json

    return (lambda: read_radzero_json(_write(tmp / "mimic.json", "[{"), tmp), ValueError, ["mimic.json"])


@case("reader: MS-CXR missing column")
def _(tmp):
    from radzero.data.readers import read_mscxr

    csv = _write(tmp / "ms_cxr.csv", "dicom_id,category_name,label_text,path,x,y,w\n")
    return lambda: read_mscxr(csv, tmp), ValueError, ["ms_cxr.csv", "missing column(s)", "'h'"]


@case("reader: CheXpert test missing column")
def _(tmp):
    from radzero.data.readers import read_chexpert_test

    csv = _write(tmp / "groundtruth.csv", "Study,Atelectasis\nx,1\n")
    return lambda: read_chexpert_test(csv, tmp), ValueError, ["groundtruth.csv", "line 2 (Study=x)", "no frontal image"]


@case("reader: CheXpert 5x200 row with two positives")
def _(tmp):
    from radzero.data.readers import read_chexpert_5x200

    header = "Path,Atelectasis,Cardiomegaly,Consolidation,Edema,Pleural Effusion\n"
    csv = _write(tmp / "chexpert_5x200.csv", header + "a.jpg,1,1,0,0,0\n")
    return (lambda: read_chexpert_5x200(csv, tmp, check_images=False), ValueError,
            ["chexpert_5x200.csv", "line 2"])


@case("reader: ChestX-Det10 box outside the image")
def _(tmp):
    from radzero.data.readers import read_chestxdet10

    path = _write(tmp / "test.json", json.dumps([{"file_name": "a.png", "syms": ["Mass"], "boxes": [[0, 0, 900, 10]]}]))
    return (lambda: read_chestxdet10(path, tmp, image_size=(100, 100), check_images=False), ValueError,
            ["test.json", "a.png", "outside"])


@case("reader: SIIM bad RLE")
def _(tmp):
    from radzero.data.readers import read_siim

    csv = _write(tmp / "train-rle.csv", "ImageId, EncodedPixels\nid1, 5 x\n")
    dicoms = tmp / "dicom"
    dicoms.mkdir()
    return (lambda: read_siim(csv, dicoms, image_size=(16, 16)), (ValueError, FileNotFoundError),
            ["id1"])


@case("reader: RSNA malformed box")
def _(tmp):
    from radzero.data.readers import read_rsna

    csv = _write(tmp / "test.csv", "ID,img_path,boxes,class\np1,p1.dcm,1;2;x;4,1\n")
    return (lambda: read_rsna(csv, tmp, image_size=(64, 64), check_images=False), ValueError,
            ["test.csv", "p1"])


@case("reader: MIMIC-CXR metadata missing")
def _(tmp):
    from radzero.data.readers import read_mimic_cxr

    (tmp / "mimic").mkdir()
    return (lambda: read_mimic_cxr(tmp / "mimic", tmp / "mimic"), (FileNotFoundError, ValueError),
            ["mimic-cxr-2.0.0-metadata.csv"])


@case("reader: label CSV with a non-binary label")
def _(tmp):
    from radzero.data.readers import read_label_csv

    csv = _write(tmp / "openi.csv", "path,Edema\na.png,maybe\n")
    return lambda: read_label_csv(csv, tmp, check_images=False), ValueError, ["openi.csv", "maybe"]


@case("reader: ChestX-ray14 ids file missing")
def _(tmp):
    from radzero.data.readers import read_chestxray14

    csv = _write(tmp / "Data_Entry_2017.csv", "Image Index,Finding Labels\na.png,Mass\n")
    return (lambda: read_chestxray14(csv, tmp, ids_file=tmp / "test_list.txt", check_images=False),
            (FileNotFoundError, ValueError), ["test_list.txt"])


@case("reader: PadChest missing column")
def _(tmp):
    from radzero.data.readers import read_padchest

    csv = _write(tmp / "padchest.csv", "ImageID,Labels\na.png,['normal']\n")
    return lambda: read_padchest(csv, tmp, check_images=False), ValueError, ["padchest.csv", "missing column"]


# ----------------------------------------------------------------------------------------------- the test


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input(name, tmp_path, capsys):
    tmp = tmp_path / "case"
    tmp.mkdir()
    call, expected, texts = CASES[name](tmp)
    _out(tmp)
    before = _snapshot(tmp)
    with pytest.raises(expected) as error:
        call()
    message = str(error.value)
    missing = [text for text in texts if text not in message]
    print(f"\n[bad input] {name}: {type(error.value).__name__}: {message[:300]}")
    assert not missing, f"message lacks {missing}: {message}"
    assert "Secret^Name" not in message and "Secret" not in capsys.readouterr().err  # no patient fields
    after = _snapshot(tmp)
    changed = [path for path, state in before.items() if after.get(path) != state]
    assert not changed, f"files written before were changed or deleted: {changed}"


def test_the_matrix_has_enough_cases():
    print(f"\n[bad input] {len(CASES)} cases")
    assert len(CASES) >= 40
