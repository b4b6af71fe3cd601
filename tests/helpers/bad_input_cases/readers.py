"""Bad inputs of every dataset reader."""

from __future__ import annotations

import json

from helpers.bad_input import _write, case


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


@case("reader: authors' prompts JSON missing a class key")
def _(tmp):
    from radzero.data.readers.release import read_prompt_json

    path = _write(tmp / "openi_multi_label_text.json", json.dumps({"0": ["There is a"], "2": ["There is c"]}))
    return (lambda: read_prompt_json(path, ["a", "b", "c"]), ValueError,
            ["openi_multi_label_text.json", "lacks key(s) ['1']", "'b'"])


@case("reader: authors' label file has an image the image list lacks")
def _(tmp):
    from radzero.data.readers.release_classification import read_release_chexpert

    image_csv = _write(tmp / "chexpert5_test_image.csv", "Path\nChexpert/test/p1/view1.jpg\n")
    labels = _write(tmp / "test_labels.csv", "Path,Atelectasis,Cardiomegaly,Consolidation,Edema,Pleural Effusion\n"
                    "test/p1/view1.jpg,1,0,0,0,0\ntest/p2/view1.jpg,0,1,0,0,0\n")
    return (lambda: read_release_chexpert(labels, image_csv, tmp, check_images=False), ValueError,
            ["test_labels.csv", "line 3", "test/p2/view1.jpg", "is not in the image list"])


@case("reader: authors' image list has an image without labels")
def _(tmp):
    from radzero.data.readers.release_classification import read_release_chestxdet10

    image_csv = _write(tmp / "chestXDet10_test_image.csv", "Path\nChestXDet10/test_data/1.png\nChestXDet10/test_data/2.png\n")
    labels = _write(tmp / "test.json", json.dumps([{"file_name": "1.png", "syms": [], "boxes": []}]))
    return (lambda: read_release_chestxdet10(labels, image_csv, tmp, check_images=False), ValueError,
            ["chestXDet10_test_image.csv", "line 3", "2.png", "has no labels"])


@case("reader: authors' RSNA boxes cell does not parse")
def _(tmp):
    from radzero.data.readers import read_rsna

    csv = _write(tmp / "test.csv", "ID,img_path,boxes,classes\na,RSNA/a.dcm,nan,0\nb,RSNA/b.dcm,10;20;x;5,1\n")
    return (lambda: read_rsna(csv, tmp, check_images=False, image_size=(1024, 1024)), ValueError,
            ["test.csv", "line 3", "10;20;x;5"])


@case("reader: authors' MS-CXR entry without det")
def _(tmp):
    from radzero.data.readers.release_grounding import read_release_mscxr

    path = _write(tmp / "test.json", json.dumps([{"image": "MIMIC-CXR/images/a.jpg"}]))
    return (lambda: read_release_mscxr(path, tmp, check_images=False), ValueError,
            ["test.json", "entry 0", "MIMIC-CXR/images/a.jpg", "no 'det'"])
