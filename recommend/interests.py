"""Interest profiles: how strongly a learner cares about each topic (category), learned
from behaviour. Pure numpy/scikit-learn, no Django (recommend/profiles.py feeds it the
site's events; `recommend_evaluate --interests` feeds it MovieLens 100K's genres).

Behaviour is a list of events, each (user, topic, kind, value, age in days). For every
(user, topic) pair the features are, per kind, log(1 + the summed values) and the share
of the user's weight of that kind that went to the topic, plus a recency-weighted share
over all kinds and the user's overall activity. The model, a logistic regression (its
probabilities are calibrated enough to read as strengths), is trained on the past to
predict the future: features from each user's older events, label "the user engages
with the topic again in their newest events" (`FUTURE_SHARE` of them). Its output for the
features of all of a user's events is the strength shown on "Your interests" (0-1).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

FUTURE_SHARE = 0.2  # each user's newest events that the model learns to predict
HALF_LIFE_DAYS = 30.0


@dataclass
class Behaviour:
    """Events as parallel arrays: user row, topic column, kind index, value, age (days)."""

    users: np.ndarray
    topics: np.ndarray
    kinds: np.ndarray
    values: np.ndarray
    ages: np.ndarray
    n_users: int
    n_topics: int
    kind_names: tuple[str, ...]

    def subset(self, mask: np.ndarray) -> Behaviour:
        return Behaviour(
            self.users[mask],
            self.topics[mask],
            self.kinds[mask],
            self.values[mask],
            self.ages[mask],
            self.n_users,
            self.n_topics,
            self.kind_names,
        )


def features(b: Behaviour) -> np.ndarray:
    """[users * topics, features]: row u * n_topics + t describes user u and topic t."""
    cells = b.n_users * b.n_topics
    cell = b.users.astype(np.int64) * b.n_topics + b.topics
    columns = []
    for kind in range(len(b.kind_names)):
        mine = b.kinds == kind
        # float: bincount of no events at all (a kind nobody used) comes back as int
        summed = np.bincount(cell[mine], weights=b.values[mine], minlength=cells).astype(float)
        per_user = np.bincount(b.users[mine], weights=b.values[mine], minlength=b.n_users)
        totals = np.repeat(per_user, b.n_topics)
        columns += [np.log1p(summed), np.divide(summed, totals, where=totals > 0, out=summed * 0)]
    decay = 0.5 ** (b.ages / HALF_LIFE_DAYS)
    recent = np.bincount(cell, weights=decay, minlength=cells)
    recent_total = np.repeat(np.bincount(b.users, weights=decay, minlength=b.n_users), b.n_topics)
    columns.append(np.divide(recent, recent_total, where=recent_total > 0, out=recent * 0))
    activity = np.repeat(np.bincount(b.users, minlength=b.n_users), b.n_topics)
    columns.append(np.log1p(activity))
    return np.stack(columns, axis=1).astype(np.float32)


def past_and_future(b: Behaviour) -> tuple[Behaviour, np.ndarray]:
    """(each user's older events, labels [users * topics]: the topic shows up in the
    user's newest FUTURE_SHARE of events). Users with fewer than 2 events have no future."""
    order = np.lexsort((-b.ages, b.users))  # per user, oldest first
    future = np.zeros(b.users.size, dtype=bool)
    counts = np.bincount(b.users, minlength=b.n_users)
    start = 0
    for count in counts:
        n_future = int(round(count * FUTURE_SHARE)) if count >= 2 else 0
        if n_future:
            future[order[start + count - max(n_future, 1) : start + count]] = True
        start += count
    labels = np.zeros(b.n_users * b.n_topics, dtype=bool)
    fut = b.subset(future)
    labels[fut.users.astype(np.int64) * b.n_topics + fut.topics] = True
    return b.subset(~future), labels


@dataclass
class InterestModel:
    """Logistic regression from behaviour features to "engages with the topic next"."""

    model: object = None
    fallback: bool = False  # too little data to learn from: strengths are plain shares
    trained_rows: int = 0
    extra: dict = field(default_factory=dict)

    def fit(self, b: Behaviour, *, users: np.ndarray | None = None) -> InterestModel:
        """Learn on the users `users` (all by default): their past predicts their future."""
        from sklearn.linear_model import LogisticRegression  # heavy: fit time only
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        past, labels = past_and_future(b)
        x = features(past)
        rows = _rows_of(users, b) if users is not None else np.arange(x.shape[0])
        active = np.bincount(past.users, minlength=b.n_users) > 0
        rows = rows[active[rows // b.n_topics]]
        y = labels[rows]
        self.trained_rows = int(rows.size)
        if rows.size < 20 or y.all() or not y.any():
            self.fallback = True
            return self
        self.model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000))
        self.model.fit(x[rows], y)  # type: ignore[attr-defined]
        return self

    def strengths(self, b: Behaviour) -> np.ndarray:
        """[users, topics] strengths in 0..1 from all of each user's events."""
        x = features(b)
        if self.fallback or self.model is None:
            share = x[:, -2]  # the recency-weighted share of the user's attention
            return share.reshape(b.n_users, b.n_topics)
        p = self.model.predict_proba(x)[:, 1]  # type: ignore[attr-defined]
        return p.reshape(b.n_users, b.n_topics).astype(np.float32)


def _rows_of(users: np.ndarray, b: Behaviour) -> np.ndarray:
    return (users[:, None].astype(np.int64) * b.n_topics + np.arange(b.n_topics)).ravel()


def evaluate(b: Behaviour, *, seed: int = 42) -> dict:
    """Train on half of the users, measure on the other half: AUC per topic of the
    model's strengths (from each user's past) against the topics of their future, beside
    the plain share of past attention as a baseline."""
    from sklearn.metrics import roc_auc_score  # heavy: evaluation only

    rng = np.random.default_rng(seed)
    users = rng.permutation(b.n_users)
    train_users, test_users = np.sort(users[::2]), np.sort(users[1::2])
    model = InterestModel().fit(b, users=train_users)
    past, labels = past_and_future(b)
    x = features(past)
    rows = _rows_of(test_users, b)
    active = np.bincount(past.users, minlength=b.n_users) > 0
    rows = rows[active[rows // b.n_topics]]
    if model.fallback or model.model is None:
        predicted = x[rows, -2]
    else:
        predicted = model.model.predict_proba(x[rows])[:, 1]  # type: ignore[attr-defined]
    baseline = x[rows, -2]
    per_topic = {}
    for topic in range(b.n_topics):
        mine = rows % b.n_topics == topic
        y = labels[rows][mine]
        if y.all() or not y.any():
            continue
        per_topic[topic] = (
            float(roc_auc_score(y, predicted[mine])),
            float(roc_auc_score(y, baseline[mine])),
            int(y.sum()),
        )
    return {"per_topic": per_topic, "train_rows": model.trained_rows, "fallback": model.fallback}
