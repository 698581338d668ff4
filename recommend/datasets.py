"""Offline evaluation data: public data sets read from ../shared/data, and the site's own.

The public files are research-use only and must not be redistributed: they are read
in place from the shared data folder (settings.BASE_DIR.parent / "shared" / "data", or
the RECOMMEND_DATA_DIR environment variable) and never copied into the repository.

Every loader returns a `Split`: train and test users x items CSR matrices in one item
space (test never contains a training pair), plus optional item texts for the content
model.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from django.conf import settings

DATASETS = ("ml100k", "ml100k-ua", "ml100k-ub", "mooccube", "site")


class DataMissing(FileNotFoundError):
    """The shared evaluation data is not where it should be."""


@dataclass
class Split:
    name: str
    train: sp.csr_matrix
    test: sp.csr_matrix
    item_text: list[str] | None = None
    protocol: str = ""

    @property
    def n_users(self) -> int:
        return self.train.shape[0]

    @property
    def n_items(self) -> int:
        return self.train.shape[1]


def data_dir() -> Path:
    """Where the shared evaluation data lives."""
    if os.environ.get("RECOMMEND_DATA_DIR"):
        return Path(os.environ["RECOMMEND_DATA_DIR"])
    try:
        return Path(settings.BASE_DIR).parent / "shared" / "data"
    except Exception:  # used outside Django (a plain script): same layout
        return Path(__file__).resolve().parents[2] / "shared" / "data"


def _path(*parts: str) -> Path:
    path = data_dir().joinpath(*parts)
    if not path.exists():
        raise DataMissing(
            f"{path} is missing: the offline evaluation reads the shared data folder "
            f"(set RECOMMEND_DATA_DIR to point elsewhere)"
        )
    return path


def _matrix(users, items, values, shape) -> sp.csr_matrix:
    m = sp.csr_matrix(
        (np.asarray(values, dtype=np.float32), (np.asarray(users), np.asarray(items))),
        shape=shape,
    )
    m.sum_duplicates()
    m.data[:] = np.minimum(m.data, 1.0)  # implicit feedback: seen or not
    return m


def split_per_user(
    matrix: sp.csr_matrix, test_fraction: float, seed: int, *, min_train: int = 1
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Hold out `test_fraction` of each user's items at random (seeded).

    Users with too few items to keep `min_train` in training keep everything in train.
    """
    matrix = sp.csr_matrix(matrix)
    rng = np.random.default_rng(seed)
    train_rows, test_rows = [], []
    for u in range(matrix.shape[0]):
        start, end = matrix.indptr[u], matrix.indptr[u + 1]
        n = end - start
        n_test = int(round(n * test_fraction))
        n_test = min(n_test, n - min_train)
        if n_test <= 0:
            train_rows.append(np.arange(start, end))
            continue
        order = start + rng.permutation(n)
        test_rows.append(order[:n_test])
        train_rows.append(order[n_test:])

    def take(rows):
        idx = np.concatenate(rows) if rows else np.empty(0, dtype=np.int64)
        mask = np.zeros(matrix.nnz, dtype=bool)
        mask[idx] = True
        coo = matrix.tocoo()
        return sp.csr_matrix((coo.data[mask], (coo.row[mask], coo.col[mask])), shape=matrix.shape)

    return take(train_rows), take(test_rows)


# --- MovieLens 100K ---------------------------------------------------------------------

ML_USERS, ML_ITEMS = 943, 1682


def _ml_read(name: str) -> np.ndarray:
    data = np.loadtxt(_path("ml-100k", name), dtype=np.int64, ndmin=2)
    return data


def ml100k_item_text() -> list[str]:
    """Title and genre names of each movie (u.item is Latin-1)."""
    genres = {}
    for line in _path("ml-100k", "u.genre").read_text(encoding="latin-1").splitlines():
        if "|" in line:
            name, idx = line.rsplit("|", 1)
            genres[int(idx)] = name
    texts = [""] * ML_ITEMS
    for line in _path("ml-100k", "u.item").read_text(encoding="latin-1").splitlines():
        fields = line.split("|")
        if len(fields) < 6:
            continue
        item = int(fields[0]) - 1
        flags = fields[5:]
        names = [genres[i] for i, f in enumerate(flags) if f == "1" and genres.get(i) != "unknown"]
        texts[item] = " ".join([fields[1], *names])
    return texts


def ml100k(seed: int = 42, test_fraction: float = 0.25) -> Split:
    """Every rating as a positive, seeded per-user 75/25 hold-out."""
    data = _ml_read("u.data")
    full = _matrix(data[:, 0] - 1, data[:, 1] - 1, np.ones(len(data)), (ML_USERS, ML_ITEMS))
    train, test = split_per_user(full, test_fraction, seed)
    return Split(
        "ml100k",
        train,
        test,
        ml100k_item_text(),
        f"MovieLens 100K, all ratings as positives, per-user {1 - test_fraction:.0%}/"
        f"{test_fraction:.0%} hold-out (seed {seed})",
    )


def ml100k_fixed(which: str) -> Split:
    """The distributed ua/ub splits (10 test ratings per user)."""
    if which not in ("ua", "ub"):
        raise ValueError("which must be 'ua' or 'ub'")
    parts = []
    for suffix in ("base", "test"):
        d = _ml_read(f"{which}.{suffix}")
        parts.append(_matrix(d[:, 0] - 1, d[:, 1] - 1, np.ones(len(d)), (ML_USERS, ML_ITEMS)))
    return Split(
        f"ml100k-{which}",
        parts[0],
        parts[1],
        ml100k_item_text(),
        f"MovieLens 100K {which}.base/{which}.test (10 test ratings per user)",
    )


# --- MOOCCube (KGAN course subset) ------------------------------------------------------


def mooccube_item_text(n_items: int) -> list[str]:
    """Bag of knowledge-graph entities per course ("r5_e1234" = relation 5, entity 1234).

    The subset has no course names, so the content model sees the courses' concepts,
    school and teacher entities as its words.
    """
    kg = np.loadtxt(_path("mooccube-kgan-course", "kg_final.txt"), dtype=np.int64, ndmin=2)
    words: list[list[str]] = [[] for _ in range(n_items)]
    for head, relation, tail in kg:
        if 0 <= head < n_items:
            words[head].append(f"r{relation}_e{tail}")
    return [" ".join(w) for w in words]


def mooccube(seed: int = 42, test_fraction: float = 0.2) -> Split:
    """Enrollments (label 1) as positives, seeded per-user 80/20 hold-out."""
    data = np.loadtxt(_path("mooccube-kgan-course", "ratings_final.txt"), dtype=np.int64, ndmin=2)
    positives = data[data[:, 2] == 1]
    n_users = int(data[:, 0].max()) + 1
    n_items = int(data[:, 1].max()) + 1
    full = _matrix(positives[:, 0], positives[:, 1], np.ones(len(positives)), (n_users, n_items))
    train, test = split_per_user(full, test_fraction, seed)
    return Split(
        "mooccube",
        train,
        test,
        mooccube_item_text(n_items),
        f"MOOCCube course enrollments (label 1), per-user {1 - test_fraction:.0%}/"
        f"{test_fraction:.0%} hold-out (seed {seed})",
    )


# --- the site's own events --------------------------------------------------------------


def site(seed: int = 42, test_fraction: float = 0.2) -> Split:
    """The site's weighted events (recommend.features.site_interactions), per-user 80/20."""
    from recommend.features import site_interactions  # Django models: imported late

    matrix, _user_ids, _item_keys, item_texts = site_interactions()
    matrix = sp.csr_matrix(matrix, dtype=np.float32)
    train, test = split_per_user(matrix, test_fraction, seed)
    return Split(
        "site",
        train,
        test,
        list(item_texts) if item_texts is not None else None,
        f"site events (weighted), per-user {1 - test_fraction:.0%}/{test_fraction:.0%} "
        f"hold-out (seed {seed})",
    )


def load(name: str, seed: int = 42) -> Split:
    if name == "ml100k":
        return ml100k(seed)
    if name in ("ml100k-ua", "ml100k-ub"):
        return ml100k_fixed(name.rsplit("-", 1)[1])
    if name == "mooccube":
        return mooccube(seed)
    if name == "site":
        return site(seed)
    raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}")
