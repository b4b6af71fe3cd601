import os
import sys
from pathlib import Path

# Tests never reach a model hub; everything is built offline from local configs.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("WANDB_MODE", "offline")
sys.path.insert(0, str(Path(__file__).parent))  # shared helpers such as model/tiny.py
