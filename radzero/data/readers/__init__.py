"""Dataset readers: each takes the dataset's files/root and returns typed samples
(``radzero.data.samples``). All take ``on_error="raise" | "skip"``."""

from radzero.data.readers._common import DataFormatError
from radzero.data.readers.chestxdet10 import (
    CHESTXDET10_CLASSES,
    ChestXDet10Image,
    read_chestxdet10,
    read_chestxdet10_classification,
    read_chestxdet10_grounding,
)
from radzero.data.readers.chestxray14 import (
    CHESTXRAY14_CLASSES,
    read_chestxray14,
    read_chestxray14_boxes,
)
from radzero.data.readers.chexpert import (
    CHEXPERT_5X200_CLASSES,
    CHEXPERT_COMPETITION_CLASSES,
    CHEXPERT_LABELS,
    read_chexpert_5x200,
    read_chexpert_test,
    read_chexpert_train,
)
from radzero.data.readers.derived import segmentation_to_classification
from radzero.data.readers.mimic import FRONTAL_VIEWS, read_mimic_cxr
from radzero.data.readers.mscxr import mscxr_image_ids, read_mscxr
from radzero.data.readers.openi import read_label_csv
from radzero.data.readers.padchest import parse_padchest_labels, read_padchest
from radzero.data.readers.radzero_json import read_radzero_json
from radzero.data.readers.reports import (
    parse_report_sections,
    report_sentences,
    split_sentences,
)
from radzero.data.readers.rsna import read_rsna
from radzero.data.readers.rsna_kaggle import read_rsna_kaggle
from radzero.data.readers.siim import find_dicoms, read_id_list, read_siim
from radzero.data.readers.validate import validate_samples

__all__ = [
    "CHESTXDET10_CLASSES",
    "CHESTXRAY14_CLASSES",
    "CHEXPERT_5X200_CLASSES",
    "CHEXPERT_COMPETITION_CLASSES",
    "CHEXPERT_LABELS",
    "FRONTAL_VIEWS",
    "ChestXDet10Image",
    "DataFormatError",
    "find_dicoms",
    "mscxr_image_ids",
    "parse_padchest_labels",
    "parse_report_sections",
    "read_chestxdet10",
    "read_chestxdet10_classification",
    "read_chestxdet10_grounding",
    "read_chestxray14",
    "read_chexpert_5x200",
    "read_chexpert_test",
    "read_id_list",
    "read_label_csv",
    "read_mimic_cxr",
    "read_mscxr",
    "read_padchest",
    "read_radzero_json",
    "read_rsna",
    "read_siim",
    "report_sentences",
    "segmentation_to_classification",
    "split_sentences",
    "validate_samples",
    "read_chestxray14_boxes",
    "read_chexpert_train",
    "read_rsna_kaggle",
]
