"""The MIMIC-CXR / MS-CXR layout the reader tests share: made-up rows in the exact public layouts.

``write_mimic_layout(tmp_path, jpeg_factory)`` writes MIMIC-CXR-JPG metadata / split / CheXpert label CSVs with
their JPEGs, the MIMIC-CXR free-text reports and an MS-CXR v1.0.0 CSV under ``tmp_path``.
"""

from __future__ import annotations

from pathlib import Path

D1 = "d5a7e3f1-1c2b3a4d-5e6f7a8b-9c0d1e2f-3a4b5c6d"  # s50000001 PA, train
D2 = "e0f1a2b3-c4d5e6f7-a8b9c0d1-e2f3a4b5-c6d7e8f9"  # s50000001 LATERAL, train
D3 = "a1b2c3d4-e5f6a7b8-c9d0e1f2-a3b4c5d6-e7f8a9b0"  # s50000007 AP, validate
D4 = "f0000000-00000000-00000000-00000000-00000004"  # s50000009 PA, train, report w/o sections
D5 = "f0000000-00000000-00000000-00000000-00000005"  # s50000011 PA, test (MS-CXR image)

METADATA = f"""dicom_id,subject_id,study_id,PerformedProcedureStepDescription,ViewPosition,Rows,Columns,StudyDate,StudyTime,ProcedureCodeSequence_CodeMeaning,ViewCodeSequence_CodeMeaning,PatientOrientationCodeSequence_CodeMeaning
{D5},10000003,50000011,CHEST (PA AND LAT),PA,64,48,21800506,213014.531,CHEST (PA AND LAT),postero-anterior,Erect
{D1},10000001,50000001,CHEST (PA AND LAT),PA,60,50,21800506,213014.531,CHEST (PA AND LAT),postero-anterior,Erect
{D2},10000001,50000001,CHEST (PA AND LAT),LATERAL,60,50,21800506,213014.531,CHEST (PA AND LAT),lateral,Erect
{D3},10000002,50000007,CHEST (PORTABLE AP),AP,50,40,21810102,081512.000,CHEST (PORTABLE AP),antero-posterior,
{D4},10000002,50000009,CHEST (PA AND LAT),PA,50,40,21810102,081512.000,CHEST (PA AND LAT),postero-anterior,Erect
"""
# split rows deliberately in a different order than the metadata (join by key)
SPLIT = f"""dicom_id,study_id,subject_id,split
{D3},50000007,10000002,validate
{D4},50000009,10000002,train
{D1},50000001,10000001,train
{D2},50000001,10000001,train
{D5},50000011,10000003,test
"""
CHEXPERT = """subject_id,study_id,Atelectasis,Cardiomegaly,Consolidation,Edema,Enlarged Cardiomediastinum,Fracture,Lung Lesion,Lung Opacity,No Finding,Pleural Effusion,Pleural Other,Pneumonia,Pneumothorax,Support Devices
10000002,50000007,-1.0,,,0.0,,,,1.0,,,,1.0,,1.0
10000001,50000001,,,,,,,,,,1.0,,,0.0,
10000002,50000009,,,,,,,,,1.0,,,,,
10000003,50000011,,,,,,,,,1.0,,,,,
"""
REPORT_1 = """                                 FINAL REPORT
 EXAMINATION:  CHEST (PA AND LAT)
 
 INDICATION:  ___-year-old woman with shortness of breath.
 
 COMPARISON:  Chest radiograph ___.
 
 FINDINGS: 
 
 There is a small left pleural effusion, slightly larger than on the prior study,
 with adjacent basilar atelectasis.  The right lung is clear.  Heart size is
 normal.  No pneumothorax.
 
 IMPRESSION: 
 
 Small left pleural effusion, increased.
"""
REPORT_7 = """                                 FINAL REPORT
 EXAMINATION:  CHEST (PORTABLE AP)

 IMPRESSION:  Bibasilar opacities concerning for pneumonia.
"""
REPORT_9 = """                                 FINAL REPORT
 EXAMINATION:  CHEST (PA AND LAT)

 INDICATION:  ___
"""
REPORT_11 = " FINDINGS:  Heart size is normal.\n"

MSCXR_V10 = f"""dicom_id,category_name,label_text,path,x,y,w,h,image_width,image_height
{D5},Pleural effusion,small left pleural effusion,files/p10/p10000003/s50000011/{D5}.jpg,10,20,15,12,48,64
{D3},Pneumonia,bibasilar opacities,files/p10/p10000002/s50000007/{D3}.jpg,2,30,10,10,40,50
{D3},Pneumonia,bibasilar opacities,files/p10/p10000002/s50000007/{D3}.jpg,25,28,12,11,40,50
{D3},Edema,mild edema,files/p10/p10000002/s50000007/{D3}.jpg,5,5,30,30,40,50
"""


def _img_path(root: Path, subject: str, study: str, dicom: str) -> Path:
    return root / "files" / f"p{subject[:2]}" / f"p{subject}" / f"s{study}" / f"{dicom}.jpg"


def write_mimic_layout(tmp_path: Path, jpeg_factory) -> dict[str, Path]:
    """Returns {"jpg", "reports", "mscxr", "root"} (the body of the readers' ``mimic`` fixture)."""
    jpg = tmp_path / "mimic-cxr-jpg" / "2.0.0"
    rep = tmp_path / "mimic-cxr" / "2.0.0"
    jpg.mkdir(parents=True)
    (jpg / "mimic-cxr-2.0.0-metadata.csv").write_text(METADATA)
    (jpg / "mimic-cxr-2.0.0-split.csv").write_text(SPLIT)
    (jpg / "mimic-cxr-2.0.0-chexpert.csv").write_text(CHEXPERT)
    for line in METADATA.strip().splitlines()[1:]:
        f = line.split(",")
        jpeg_factory(_img_path(jpg, f[1], f[2], f[0]), int(f[5]), int(f[6]))
    for subject, study, text in [
        ("10000001", "50000001", REPORT_1),
        ("10000002", "50000007", REPORT_7),
        ("10000002", "50000009", REPORT_9),
        ("10000003", "50000011", REPORT_11),
    ]:
        p = rep / "files" / f"p{subject[:2]}" / f"p{subject}" / f"s{study}.txt"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    mscxr = tmp_path / "ms-cxr" / "MS_CXR_Local_Alignment_v1.0.0.csv"
    mscxr.parent.mkdir()
    mscxr.write_text(MSCXR_V10)
    return {"jpg": jpg, "reports": rep, "mscxr": mscxr, "root": tmp_path}
