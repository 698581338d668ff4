"""Offline evaluation of the recommenders on public data and on the site's own events.

manage.py recommend_evaluate                          # MovieLens and MOOCCube, both splits
manage.py recommend_evaluate --split time             # leave-last-out in time only
manage.py recommend_evaluate --data all --json
manage.py recommend_evaluate --data ml100k-ua --models ease,blend
manage.py recommend_evaluate --limit-users 50         # a quick slice (CI)
manage.py recommend_evaluate --tune                   # blend tuned on a validation split
"""

import json

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from recommend import algorithms, datasets, evaluation

DEFAULT_DATA = ("ml100k", "mooccube")
ALL_DATA = ("ml100k", "ml100k-ua", "ml100k-ub", "mooccube", "site")
DEFAULT_MODELS = algorithms.MODEL_NAMES  # every model
SHIPPED = "stacked"  # the model the site's refresh fits (settings.RECOMMEND_VARIANTS)
BASELINES = ("ease", "itemknn", "als")  # the shipped model must beat the best of these


def _names(value: str, allowed, what: str) -> list[str]:
    names = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [n for n in names if n not in allowed]
    if unknown or not names:
        raise CommandError(
            f"unknown {what} {', '.join(unknown) or '(none)'}; choose from {', '.join(allowed)}"
        )
    return names


def format_table(results: list[evaluation.Result], k: int = evaluation.K) -> str:
    headers = ["model", f"P@{k}", f"R@{k}", f"NDCG@{k}", "R@20", "coverage", "fit s", "score s"]
    rows = [
        [
            r.model,
            f"{r.precision:.4f}",
            f"{r.recall:.4f}",
            f"{r.ndcg:.4f}",
            f"{r.recall_20:.4f}",
            f"{r.coverage:.3f}",
            f"{r.fit_seconds:.2f}",
            f"{r.score_seconds:.2f}",
        ]
        for r in results
    ]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]

    def line(cells):
        return "  ".join(
            c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(cells)
        )

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rows)])


def verdict(results: list[evaluation.Result]) -> str | None:
    """How the shipped blend compares with EASE and popularity in this run.

    Each ratio of mean NDCG@K comes with a 95% paired bootstrap interval over the
    evaluated users: an interval that contains 1.00 is a tie on this data.
    """
    by = {r.model: r for r in results}
    if SHIPPED not in by:
        return None
    blend = by[SHIPPED]
    parts = []
    for other, label in (("ease", "EASE"), ("popularity", "popularity")):
        if other not in by or by[other].ndcg <= 0:
            continue
        ratio = f"{blend.ndcg / by[other].ndcg:.3f}x"
        mine, theirs = blend.per_user_ndcg, by[other].per_user_ndcg
        if mine is not None and theirs is not None:
            _, low, high = evaluation.paired_ratio_interval(mine, theirs)
            ratio += f" (95% CI {low:.3f}-{high:.3f})"
        parts.append(f"{SHIPPED}/{label} NDCG {ratio}")
    return ", ".join(parts) or None


def content_verdict(split: datasets.Split, results: list[evaluation.Result]) -> list[str]:
    """Word vectors against TF-IDF: each alone as a recommender (NDCG@10 with its paired
    interval), and on the pairs of items that share no word, where TF-IDF sees nothing."""
    by = {r.model: r for r in results}
    tfidf, words = by.get("content"), by.get("wordvec")
    if tfidf is None or words is None or tfidf.ndcg <= 0 or not split.item_text:
        return []
    line = f"wordvec/TF-IDF NDCG {words.ndcg / tfidf.ndcg:.3f}x"
    if words.per_user_ndcg is not None and tfidf.per_user_ndcg is not None:
        _, low, high = evaluation.paired_ratio_interval(words.per_user_ndcg, tfidf.per_user_ndcg)
        line += f" (95% CI {low:.3f}-{high:.3f})"
    lift, measured = evaluation.unshared_neighbour_lift(split.train, split.item_text)
    return [
        line,
        f"  items sharing no word: the 5 nearest by word vectors are consumed together "
        f"{lift:.2f}x as much as an average such pair ({measured} items; TF-IDF: 1.00x, "
        f"it scores them all 0)",
    ]


HISTORY_BUCKETS = ((1, 2), (3, 5), (6, 20), (21, None))


def by_history(results: list[evaluation.Result]) -> list[str]:
    """Blend against EASE for users grouped by how many training items they have: the
    short histories are where content and popularity should earn their place."""
    by = {r.model: r for r in results}
    blend, ease = by.get(SHIPPED), by.get("ease")
    if blend is None or ease is None:
        return []
    blend_ndcg, ease_ndcg = blend.per_user_ndcg, ease.per_user_ndcg
    history_sizes = blend.per_user_history
    if blend_ndcg is None or ease_ndcg is None or history_sizes is None:
        return []
    lines = []
    for low, high in HISTORY_BUCKETS:
        mask = np.asarray(history_sizes >= low)
        if high is not None:
            mask &= history_sizes <= high
        if mask.sum() < 20 or ease_ndcg[mask].mean() == 0:
            continue  # too few users to say anything
        ratio, lo, hi = evaluation.paired_ratio_interval(blend_ndcg[mask], ease_ndcg[mask])
        label = f"{low}-{high}" if high is not None else f"{low}+"
        lines.append(
            f"  history {label} items: {int(mask.sum())} users, EASE "
            f"{ease_ndcg[mask].mean():.4f}, {SHIPPED} {blend_ndcg[mask].mean():.4f}"
            f", {SHIPPED}/EASE {ratio:.3f}x (95% CI {lo:.3f}-{hi:.3f})"
        )
    return lines


def interest_table(per_topic: dict, names: list[str]) -> list[str]:
    lines = [f"{'genre':<12} {'AUC model':>9} {'AUC share':>9} {'users':>6}"]
    for topic, (auc, share, positives) in sorted(per_topic.items()):
        lines.append(f"{names[topic]:<12} {auc:>9.3f} {share:>9.3f} {positives:>6}")
    if per_topic:
        mean = np.mean([v[0] for v in per_topic.values()])
        base = np.mean([v[1] for v in per_topic.values()])
        lines.append(f"{'mean':<12} {mean:>9.3f} {base:>9.3f}")
    return lines


def summary_line(split: datasets.Split, results: list[evaluation.Result]) -> str | None:
    """`recommend <data> <split> ndcg@10 <x> best <model> <y> ratio <x/y>`: the shipped
    model against the strongest of EASE, item-kNN and implicit ALS in this run."""
    by = {r.model: r for r in results}
    rivals = [by[name] for name in BASELINES if name in by]
    if SHIPPED not in by or not rivals:
        return None
    best = max(rivals, key=lambda r: r.ndcg)
    shipped = by[SHIPPED].ndcg
    ratio = shipped / best.ndcg if best.ndcg > 0 else float("inf")
    return (
        f"recommend {split.name} {split.kind} ndcg@10 {shipped:.4f} best {best.model} "
        f"{best.ndcg:.4f} ratio {ratio:.3f}"
    )


class Command(BaseCommand):
    help = "Measure the recommenders offline (P/R/NDCG@10, coverage, fit time)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--data",
            default=",".join(DEFAULT_DATA),
            help=f"comma-separated: {', '.join(ALL_DATA)}, or all (default: ml100k,mooccube)",
        )
        parser.add_argument(
            "--models",
            default=",".join(DEFAULT_MODELS),
            help=f"comma-separated: {', '.join(algorithms.MODEL_NAMES)}",
        )
        parser.add_argument(
            "--split",
            default=",".join(datasets.SPLITS),
            help="comma-separated: random (per-user hold-out), time (each user's last item "
            "held out; ml100k and mooccube only). Default: both",
        )
        parser.add_argument("--seed", type=int, default=42, help="split and sample seed")
        parser.add_argument(
            "--limit-users",
            type=int,
            default=None,
            help="evaluate only N sampled test users (models still fit on all training data)",
        )
        parser.add_argument(
            "--tune",
            action="store_true",
            help="also tune the blend's EASE and weights on validation splits carved out of "
            "the training data (never the test split), and report the tuned blend",
        )
        parser.add_argument(
            "--interests",
            action="store_true",
            help="also evaluate the interest-profile model (AUC per MovieLens genre)",
        )
        parser.add_argument("--json", action="store_true", help="print JSON instead of tables")

    def _interests(self) -> None:
        from recommend import interests  # scikit-learn: only when asked for

        behaviour, names = datasets.ml100k_behaviour()
        result = interests.evaluate(behaviour)
        self.stdout.write(
            "\ninterest profiles: MovieLens 100K genres as topics; features from each "
            "user's older 80% of ratings, label = the genre among their newest 20%; "
            "trained on half of the users, AUC on the other half (model against the "
            "plain recency-weighted share of past attention)"
        )
        for line in interest_table(result["per_topic"], names):
            self.stdout.write(line)

    def handle(self, *args, **opts):
        data = list(ALL_DATA) if opts["data"] == "all" else _names(opts["data"], ALL_DATA, "data")
        models = _names(opts["models"], algorithms.MODEL_NAMES, "model")
        if opts["limit_users"] is not None and opts["limit_users"] < 1:
            raise CommandError("--limit-users must be at least 1")
        splits = _names(opts["split"], datasets.SPLITS, "split")
        out = []
        for name, kind in [(n, k) for n in data for k in splits]:
            if kind != "random" and name not in ("ml100k", "mooccube"):
                continue  # the fixed ua/ub splits and the site have no time split here
            try:
                split = datasets.load(name, seed=opts["seed"], split=kind)
            except datasets.DataMissing as exc:
                if name == "site" and opts["data"] == "all":
                    self.stderr.write(f"site: skipped: {exc}")
                    continue
                raise CommandError(str(exc)) from exc
            if split.test.nnz == 0:
                self.stderr.write(f"{name}: no held-out interactions to evaluate; skipped")
                continue
            results = evaluation.run(
                split, models, seed=opts["seed"], limit_users=opts["limit_users"]
            )
            tuned = None
            if opts["tune"]:
                tuned = evaluation.tune_blend(
                    split, seed=opts["seed"], limit_users=opts["limit_users"]
                )
                extra = evaluation.run(
                    split,
                    ["blend"],
                    seed=opts["seed"],
                    limit_users=opts["limit_users"],
                    params={"blend": tuned},
                )
                for r in extra:
                    r.model = "blend-tuned"
                results += extra
            out.append((split, results, tuned))

        if opts["json"]:
            payload = [
                {
                    "data": split.name,
                    "split": split.kind,
                    "protocol": split.protocol,
                    "users": split.n_users,
                    "items": split.n_items,
                    "train": int(split.train.nnz),
                    "test": int(split.test.nnz),
                    "tuned_blend_params": tuned,
                    "results": [r.as_dict() for r in results],
                }
                for split, results, tuned in out
            ]
            self.stdout.write(json.dumps(payload, indent=2))
            return
        for split, results, tuned in out:
            self.stdout.write(
                f"\n{split.name} ({split.kind}): {split.protocol}\n"
                f"{split.n_users} users x {split.n_items} items, {split.train.nnz} train / "
                f"{split.test.nnz} test interactions, {results[0].users if results else 0} "
                f"users evaluated, full ranking with training items masked\n"
            )
            self.stdout.write(format_table(results))
            line = verdict(results)
            if line:
                self.stdout.write(line)
            for line in by_history(results) + content_verdict(split, results):
                self.stdout.write(line)
            if tuned:
                self.stdout.write(f"blend-tuned params (validation split of train): {tuned}")
        if opts["interests"]:
            self._interests()
        self.stdout.write("")
        for split, results, _tuned in out:
            line = summary_line(split, results)
            if line:
                self.stdout.write(line)
