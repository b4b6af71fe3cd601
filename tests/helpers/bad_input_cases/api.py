"""Bad inputs of the Python API (model, predictor, VL-CABS, loss, image loading)."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from helpers.bad_input import case
from helpers.eval_helpers import tiny_model


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
