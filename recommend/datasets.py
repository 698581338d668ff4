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
SPLITS = ("random", "time")
RECENCY_HALF_ITEMS = 20.0


class DataMissing(FileNotFoundError):
    """The shared evaluation data is not where it should be."""


@dataclass
class Split:
    name: str
    train: sp.csr_matrix
    test: sp.csr_matrix
    item_text: list[str] | None = None
    protocol: str = ""
    # train's pattern, valued by recency: 1.0 for each user's newest item, halving every
    # RECENCY_HALF_ITEMS newer items (what the site's time-decayed weights look like)
    train_recency: sp.csr_matrix | None = None
    kind: str = "random"  # how test was held out: random, or time (each user's newest)

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


def _ordered(users, items, when, shape) -> sp.csr_matrix:
    """users x items, each pair valued by its position in time (1 = first of the whole
    data set); ties in `when` keep the file's order; a repeated pair keeps its last."""
    rank = np.empty(len(when), dtype=np.float64)
    rank[np.argsort(np.asarray(when), kind="stable")] = np.arange(1, len(when) + 1)
    users, items = np.asarray(users), np.asarray(items)
    newest_first = np.argsort(-rank, kind="stable")
    _, keep = np.unique(users[newest_first] * shape[1] + items[newest_first], return_index=True)
    keep = newest_first[keep]
    return sp.csr_matrix((rank[keep], (users[keep], items[keep])), shape=shape)


def recency(order: sp.csr_matrix, half_items: float = RECENCY_HALF_ITEMS) -> sp.csr_matrix:
    """Each user's items valued 0.5 ** (how many of their items are newer / half_items)."""
    out = sp.csr_matrix(order, dtype=np.float64, copy=True)
    for u in range(out.shape[0]):
        start, end = out.indptr[u], out.indptr[u + 1]
        newer = np.argsort(np.argsort(-out.data[start:end], kind="stable"), kind="stable")
        out.data[start:end] = 0.5 ** (newer / half_items)
    return out.astype(np.float32)


def split_last(order: sp.csr_matrix) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """(train, test): each user's newest item held out (users with two items or more)."""
    order = sp.csr_matrix(order)
    last = np.zeros(order.nnz, dtype=bool)
    for u in range(order.shape[0]):
        start, end = order.indptr[u], order.indptr[u + 1]
        if end - start >= 2:
            last[start + int(np.argmax(order.data[start:end]))] = True
    return _entries(order, ~last), _entries(order, last)


def _entries(matrix: sp.csr_matrix, mask: np.ndarray) -> sp.csr_matrix:
    """The stored entries of a CSR matrix where `mask` (one flag per entry) is set."""
    coo = matrix.tocoo()
    return sp.csr_matrix((coo.data[mask], (coo.row[mask], coo.col[mask])), shape=matrix.shape)


def _split(name, order, split, seed, test_fraction, item_text, what) -> Split:
    """The random or time Split of a matrix of time positions (see `_ordered`)."""
    if split == "random":
        train_order, test = split_per_user(order, test_fraction, seed)
        protocol = (
            f"{what}, per-user {1 - test_fraction:.0%}/{test_fraction:.0%} hold-out (seed {seed})"
        )
    elif split == "time":
        train_order, test = split_last(order)
        protocol = f"{what}, each user's last item in time held out (leave-last-out)"
    else:
        raise ValueError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
    ones = sp.csr_matrix(train_order, dtype=np.float32, copy=True)
    ones.data[:] = 1.0
    test = sp.csr_matrix(test, dtype=np.float32, copy=True)
    test.data[:] = 1.0
    return Split(
        name, ones, test, item_text, protocol, train_recency=recency(train_order), kind=split
    )


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
        return _entries(matrix, mask)

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


def ml100k(seed: int = 42, test_fraction: float = 0.25, split: str = "random") -> Split:
    """Every rating as a positive; a seeded per-user 75/25 hold-out, or (`split="time"`)
    each user's last rating in time held out."""
    data = _ml_read("u.data")
    order = _ordered(data[:, 0] - 1, data[:, 1] - 1, data[:, 3], (ML_USERS, ML_ITEMS))
    return _split(
        "ml100k",
        order,
        split,
        seed,
        test_fraction,
        ml100k_item_text(),
        "MovieLens 100K, all ratings as positives",
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


def mooccube(seed: int = 42, test_fraction: float = 0.2, split: str = "random") -> Split:
    """Enrollments (label 1) as positives; a seeded per-user 80/20 hold-out, or each
    user's last enrollment held out (`split="time"`). The subset has no timestamps: a
    user's rows follow MOOCCube's enrollment listing, so row order stands for time."""
    data = np.loadtxt(_path("mooccube-kgan-course", "ratings_final.txt"), dtype=np.int64, ndmin=2)
    n_users = int(data[:, 0].max()) + 1
    n_items = int(data[:, 1].max()) + 1
    rows = np.flatnonzero(data[:, 2] == 1)
    positives = data[rows]
    order = _ordered(positives[:, 0], positives[:, 1], rows, (n_users, n_items))
    return _split(
        "mooccube",
        order,
        split,
        seed,
        test_fraction,
        mooccube_item_text(n_items),
        "MOOCCube course enrollments (label 1)",
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


def load(name: str, seed: int = 42, split: str = "random") -> Split:
    if split != "random" and name not in ("ml100k", "mooccube"):
        raise ValueError(f"{name} has only its own split; the time split is for ml100k, mooccube")
    if name == "ml100k":
        return ml100k(seed, split=split)
    if name == "mooccube":
        return mooccube(seed, split=split)
    if name in ("ml100k-ua", "ml100k-ub"):
        return ml100k_fixed(name.rsplit("-", 1)[1])
    if name == "site":
        return site(seed)
    raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}")


def ml100k_behaviour():
    """MovieLens 100K as behaviour over topics, for the interest model: every rating is
    a "rated" event in each genre of the movie, a rating of 4 or 5 also a "liked" one.
    Returns (interests.Behaviour, genre names)."""
    from recommend.interests import Behaviour  # numpy only; kept beside its one caller

    data = _ml_read("u.data")
    genres: dict[int, str] = {}
    for line in _path("ml-100k", "u.genre").read_text(encoding="latin-1").splitlines():
        if "|" in line:
            name, idx = line.rsplit("|", 1)
            genres[int(idx)] = name
    flags = np.zeros((ML_ITEMS, len(genres)), dtype=bool)
    for line in _path("ml-100k", "u.item").read_text(encoding="latin-1").splitlines():
        fields = line.split("|")
        if len(fields) >= 6:
            flags[int(fields[0]) - 1] = [f == "1" for f in fields[5 : 5 + len(genres)]]
    keep = [i for i in sorted(genres) if genres[i] != "unknown"]
    flags = flags[:, keep]
    rows, topics = np.nonzero(flags[data[:, 1] - 1])
    liked = data[rows, 2] >= 4
    users = np.concatenate([data[rows, 0] - 1, data[rows[liked], 0] - 1])
    ages = (data[:, 3].max() - data[:, 3]) / 86400.0
    return (
        Behaviour(
            users=users,
            topics=np.concatenate([topics, topics[liked]]),
            kinds=np.concatenate([np.zeros(rows.size, int), np.ones(int(liked.sum()), int)]),
            values=np.ones(users.size),
            ages=np.concatenate([ages[rows], ages[rows[liked]]]),
            n_users=ML_USERS,
            n_topics=len(keep),
            kind_names=("rated", "liked"),
        ),
        [genres[i] for i in keep],
    )
