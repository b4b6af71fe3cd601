"""SIIM: the split by image on the real train-rle.csv, MGCA's row-split straddle, and bad inputs."""

from __future__ import annotations

import pandas as pd
import pytest

from radzero.prepare.__main__ import run
from radzero.prepare.sources import SourceFormatError

from .conftest import prepare_cfg, sorted_ids_sha256, txv_file

SPLITS = ("train", "validation", "test")
RLE = " EncodedPixels"


def _splits(out) -> dict[str, pd.DataFrame]:
    return {s: pd.read_csv(out / "SIIM" / f"{s}.csv", dtype=str, keep_default_na=False) for s in SPLITS}


def test_split_by_image_on_the_real_file(built):
    out, manifest = built("siim")
    entry = manifest["datasets"]["siim"]
    source = pd.read_csv(txv_file("siim"), dtype=str, keep_default_na=False)
    frames = _splits(out)
    assert all(list(f.columns) == ["ImageId", RLE, "dicom_path"] for f in frames.values())
    ids = {s: set(f["ImageId"]) for s, f in frames.items()}
    for a, b in (("train", "validation"), ("train", "test"), ("validation", "test")):
        assert not ids[a] & ids[b], f"{a} and {b} share images"
    # every row of the source is in exactly one split, all rows of an image in the same one
    rows = pd.concat([f.assign(split=s) for s, f in frames.items()])
    assert len(rows) == len(source)
    assert (rows.groupby("ImageId")["split"].nunique() == 1).all()
    assert sorted(zip(rows["ImageId"], rows[RLE].str.strip())) == sorted(
        zip(source["ImageId"], source[RLE].str.strip()))
    assert rows[RLE].str.startswith(" ").all() and (rows[RLE] == " -1").any()  # the authors' ' -1'
    n = source["ImageId"].nunique()
    for split, fraction in (("train", 0.7), ("validation", 0.15), ("test", 0.15)):
        assert abs(len(ids[split]) - fraction * n) <= 1, (split, len(ids[split]), fraction * n)
    # stratified: each split's positive rate is the whole set's
    positive = source[RLE].str.strip().ne("-1").groupby(source["ImageId"]).any()
    for split in SPLITS:
        assert abs(positive[list(ids[split])].mean() - positive.mean()) < 0.005
    # the manifest's counts and id hashes, recomputed here
    for split in SPLITS:
        assert entry["splits"][split]["images"] == len(ids[split])
        assert entry["splits"][split]["ids_sha256"] == sorted_ids_sha256(ids[split])
        assert (out / "SIIM" / "splits" / f"{split}.txt").read_text().split() == list(
            dict.fromkeys(frames[split]["ImageId"]))
    assert entry["straddle"]["ours"] == 0
    assert rows["dicom_path"].eq("SIIM/dicom-images-train/" + rows["ImageId"] + ".dcm").all()
    print(f"\nSIIM: {len(source)} rows, {n} images ({int(positive.sum())} positive); split by image: "
          + ", ".join(f"{s} {len(ids[s])}" for s in SPLITS))


def test_mgca_row_split_straddles_images(built):
    """MGCA's recipe (train_test_split of the rows, test_size=0.15 * 2, random_state=0, then 0.5), replicated
    here on the DataFrame itself, puts some images in two splits; the manifest reports the same number."""
    from sklearn.model_selection import train_test_split

    _, manifest = built("siim")
    df = pd.read_csv(txv_file("siim"))
    train_df, test_val_df = train_test_split(df, test_size=0.15 * 2, random_state=0)
    test_df, valid_df = train_test_split(test_val_df, test_size=0.5, random_state=0)
    sets = [set(x["ImageId"]) for x in (train_df, valid_df, test_df)]
    straddling = (sets[0] & sets[1]) | (sets[0] & sets[2]) | (sets[1] & sets[2])
    mgca = manifest["datasets"]["siim"]["straddle"]["mgca_recipe"]
    print(f"\nSIIM, MGCA's row split: {len(straddling)} of {df['ImageId'].nunique()} images have rows in two "
          f"splits ({len(sets[0] & sets[2])} test images also in train); ours: 0")
    assert mgca["images_straddling"] == len(straddling) > 0
    assert mgca["test_images_also_in_train"] == len(sets[0] & sets[2])


def _write_rle(path, rows, header="ImageId, EncodedPixels"):
    path.write_text(header + "\n" + "".join(f"{i},{r}\n" for i, r in rows))
    return path


def _synthetic(tmp_path, n: int = 40):
    rows = [(f"1.2.{k}", " -1" if k % 3 else " 5 3 20 4") for k in range(n)] + [("1.2.0", " 40 2")]
    return _write_rle(tmp_path / "train-rle.csv", rows)


def test_dicom_root_gives_the_nested_path(tmp_path):
    csv = _synthetic(tmp_path)
    root = tmp_path / "dicoms"
    for k in range(40):
        folder = root / f"study{k}" / "series"
        folder.mkdir(parents=True)
        (folder / f"1.2.{k}.dcm").write_bytes(b"")
    manifest = run(prepare_cfg("dataset=siim", f"source.siim={csv}", f"out_dir={tmp_path / 'out'}",
                               f"siim.dicom_root={root}"))
    frame = pd.concat(_splits(tmp_path / "out").values())
    assert frame.set_index("ImageId")["dicom_path"]["1.2.7"] == "SIIM/dicom-images-train/study7/series/1.2.7.dcm"
    assert frame[frame["ImageId"] == "1.2.0"][RLE].tolist() == [" 5 3 20 4", " 40 2"]
    assert manifest["datasets"]["siim"]["images"] == 40
    (root / "study3" / "series" / "1.2.3.dcm").unlink()
    with pytest.raises(SourceFormatError, match=r"no <ImageId>.dcm for 1 .*1\.2\.3"):
        run(prepare_cfg("dataset=siim", f"source.siim={csv}", f"out_dir={tmp_path / 'out'}",
                        f"siim.dicom_root={root}"))
    dropped = run(prepare_cfg("dataset=siim", f"source.siim={csv}", f"out_dir={tmp_path / 'out'}",
                              f"siim.dicom_root={root}", "siim.missing_dicom=drop"))
    assert dropped["datasets"]["siim"]["dropped"]["missing_dicom"] == 1


def test_bad_siim_inputs_name_file_and_column(tmp_path):
    out = f"out_dir={tmp_path / 'out'}"
    with pytest.raises(FileNotFoundError, match=r"source\.siim=.*nope\.csv: file not found"):
        run(prepare_cfg("dataset=siim", f"source.siim={tmp_path / 'nope.csv'}", out))
    with pytest.raises(FileNotFoundError, match=r"source\.siim is not set"):
        run(prepare_cfg("dataset=siim", out))
    no_rle = _write_rle(tmp_path / "a.csv", [("1.2.3", "-1")], header="ImageId,Pixels")
    with pytest.raises(SourceFormatError, match=r"a\.csv: .*no column ' EncodedPixels'"):
        run(prepare_cfg("dataset=siim", f"source.siim={no_rle}", out))
    bad_rle = _write_rle(tmp_path / "b.csv", [("1.2.3", "-1"), ("1.2.4", "12 x 3")])
    with pytest.raises(SourceFormatError, match=r"b\.csv: column ' EncodedPixels' .* line\(s\) \[3\]"):
        run(prepare_cfg("dataset=siim", f"source.siim={bad_rle}", out))
    with pytest.raises(ValueError, match="siim.test_fraction"):
        run(prepare_cfg("dataset=siim", f"source.siim={bad_rle}", out, "siim.test_fraction=0.6"))


def test_validation_next_to_the_authors_test_split_never_overwrites_it(tmp_path):
    """The authors' folder has only SIIM/test.csv: ``exclude_csv`` + ``write_splits=[validation]`` writes a validation
    split disjoint from it, and their file (not written by radzero.prepare) is never replaced."""
    csv = _synthetic(tmp_path, n=60)
    data = tmp_path / "data"
    (data / "SIIM").mkdir(parents=True)
    theirs = "ImageId, EncodedPixels,dicom_path\n" + "".join(f"1.2.{k}, -1,SIIM/x/1.2.{k}.dcm\n" for k in range(0, 60, 5))
    (data / "SIIM" / "test.csv").write_text(theirs)
    with pytest.raises(FileExistsError, match=r"\['SIIM/test.csv'\] exist and were not written by radzero.prepare"):
        run(prepare_cfg("dataset=siim", f"source.siim={csv}", f"out_dir={data}"))
    manifest = run(prepare_cfg("dataset=siim", f"source.siim={csv}", f"out_dir={data}",
                               f"siim.exclude_csv={data / 'SIIM' / 'test.csv'}", "siim.write_splits=[validation]"))
    assert (data / "SIIM" / "test.csv").read_text() == theirs and not (data / "SIIM" / "train.csv").exists()
    validation = set(pd.read_csv(data / "SIIM" / "validation.csv", dtype=str)["ImageId"])
    authors_test = {f"1.2.{k}" for k in range(0, 60, 5)}
    assert validation and not validation & authors_test
    assert manifest["datasets"]["siim"]["dropped"]["excluded"] == len(authors_test)
    # a second run replaces only its own, unchanged files: no error
    run(prepare_cfg("dataset=siim", f"source.siim={csv}", f"out_dir={data}",
                    f"siim.exclude_csv={data / 'SIIM' / 'test.csv'}", "siim.write_splits=[validation]"))
