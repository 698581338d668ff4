"""A tiny stand-in for ../shared/data/moderation, written by the tests themselves:
the same files and columns as COLD and Davidson, a few dozen invented texts, so the
classifier trains in a second or two (CI never trains on the whole corpus)."""

import csv
import itertools
from pathlib import Path

import pytest

from moderation import scoring, screening_data
from moderation.services import classifier as classifier_services

EN_INSULTS = ["idiot", "moron", "loser", "trash", "clown", "imbecile"]
EN_ATTACKS = ["you are a worthless {}", "shut up you stupid {}", "what a pathetic {}",
              "get lost {}", "nobody wants you here {}"]  # fmt: skip
EN_TOPICS = ["lesson", "python course", "live session", "question about async", "chapter"]
EN_KIND = ["thanks for the great {}", "i really enjoyed the {}", "when is the next {}",
           "could you explain the {} again", "the {} was clear and helpful"]  # fmt: skip
ZH_INSULTS = ["傻瓜", "蠢货", "废物", "垃圾", "白痴", "脑残"]
ZH_ATTACKS = ["你这个{}真恶心", "闭嘴吧{}", "滚开你这个{}", "一群{}", "没人想看你这个{}"]
ZH_TOPICS = ["课程", "直播", "讲解", "例子", "作业"]
ZH_KIND = ["老师的{}很清楚", "谢谢这次{}", "下次{}什么时候", "这个{}学到了很多", "请再讲一下{}"]


def _texts(templates: list[str], fillers: list[str]) -> list[str]:
    return [t.format(f) for t, f in itertools.product(templates, fillers)]


def offensive_en() -> list[str]:
    return _texts(EN_ATTACKS, EN_INSULTS)


def clean_en() -> list[str]:
    return _texts(EN_KIND, EN_TOPICS)


def offensive_zh() -> list[str]:
    return _texts(ZH_ATTACKS, ZH_INSULTS)


def clean_zh() -> list[str]:
    return _texts(ZH_KIND, ZH_TOPICS)


def write(root: Path, *, flip_training: bool = False) -> Path:
    """Write cold/train.csv, cold/dev.csv and davidson/train.csv under `root`.
    `flip_training`: the training rows carry the opposite labels (a model that
    learns from them is worse on the held-out rows, which keep theirs)."""
    zh = [(t, 1) for t in offensive_zh()] + [(t, 0) for t in clean_zh()]
    en = [(t, 1) for t in offensive_en()] + [(t, 0) for t in clean_en()]
    (root / "cold").mkdir(parents=True, exist_ok=True)
    (root / "davidson").mkdir(parents=True, exist_ok=True)
    flip = (lambda label: 1 - label) if flip_training else (lambda label: label)
    with open(root / "cold" / "train.csv", "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["", "split", "topic", "label", "TEXT"])
        for i, (text, label) in enumerate(zh):
            if i % 3:
                out.writerow([i, "train", "region", flip(label), text])
    with open(root / "cold" / "dev.csv", "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["", "split", "topic", "label", "TEXT"])
        for i, (text, label) in enumerate(zh):
            if not i % 3:
                out.writerow([i, "dev", "region", label, text])
    with open(root / "davidson" / "train.csv", "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(
            ["", "count", "hate_speech", "offensive_language", "neither", "class", "tweet"]
        )
        for i, (text, label) in enumerate(en):
            held_out = screening_data.fifth(str(i)) == screening_data.HELD_OUT_FIFTH
            label = label if held_out else flip(label)
            out.writerow([i, 3, 0, 3 * label, 3 * (1 - label), 1 if label else 2, text])
    return root


# --- fixtures (imported by the test modules that train a model) --------------------


@pytest.fixture
def screening_data_dir(tmp_path, settings):
    """The tiny data set as MODERATION_DATA_DIR; model files in a private folder of
    the test's own."""
    settings.MODERATION_DATA_DIR = str(write(tmp_path / "data"))
    settings.STORAGES = {
        **settings.STORAGES,
        settings.CONTENT_PRIVATE_STORAGE: {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    scoring.model_changed()
    yield tmp_path
    scoring.model_changed()


@pytest.fixture
def active_model(screening_data_dir, db):
    """A model trained on the tiny data set and promoted: screening scores with it."""
    model = classifier_services.screening_model_train()
    assert classifier_services.screening_model_promote(candidate=model)
    model.refresh_from_db()
    return model
