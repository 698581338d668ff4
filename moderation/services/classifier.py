"""The screening classifier's versions: training, promotion, rollback, retraining.

A model learns from the public data (moderation.screening_data) and every decision
moderators made in the review queue, is measured on the fixed held-out data
(moderation.screening_eval.held_out_sets) and saved as a new `ScreeningModel`
version. It becomes active only if it does no worse than the active one there;
staff can make any earlier version active again (a rollback).
"""

import logging
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from moderation import classifier, scoring, screening_data, screening_eval
from moderation.models import ScreeningModel
from moderation.services._shared import setting

log = logging.getLogger(__name__)

MEASURES = ("auc", "f1")


def training_set() -> tuple[list[screening_data.Example], list[float], dict[str, int]]:
    """(examples, their weights, counts by source): the public training data and the
    moderators' decisions, which weigh MODERATION_CLASSIFIER_DECISION_WEIGHT each."""
    public = screening_data.public_training_set()
    decided = screening_data.decisions()
    weight = float(setting("MODERATION_CLASSIFIER_DECISION_WEIGHT", 3.0))
    examples = public + decided
    weights = [1.0] * len(public) + [weight] * len(decided)
    counts = {
        "public": len(public),
        "decisions": len(decided),
        "offensive": sum(e.label for e in examples),
        "clean": sum(1 - e.label for e in examples),
    }
    return examples, weights, counts


def screening_model_train(*, note: str = "") -> ScreeningModel:
    """Train a new version, measure it on the held-out data and save it as a
    candidate (not active: see screening_model_promote)."""
    examples, weights, counts = training_set()
    scorer = classifier.train([e.text for e in examples], [e.label for e in examples],
                              weights=weights)  # fmt: skip
    trained_at = timezone.now()
    threshold = scoring.hold_threshold(scoring.DEFAULT_KIND)
    scores = screening_eval.classifier_scores(scorer, threshold=threshold)
    scorer.meta.update({"trained_at": trained_at.isoformat(), "counts": counts})
    return _model_save(scorer, trained_at=trained_at, counts=counts, scores=scores, note=note)


@transaction.atomic
def _model_save(
    scorer: classifier.Scorer,
    *,
    trained_at: datetime,
    counts: dict[str, int],
    scores: dict[str, dict[str, float]],
    note: str,
) -> ScreeningModel:
    version = (ScreeningModel.objects.aggregate(top=Max("version"))["top"] or 0) + 1
    row = ScreeningModel(
        version=version, trained_at=trained_at, counts=counts, scores=scores, note=note
    )
    row.file.save(f"screening-v{version}.json.gz", ContentFile(scorer.dumps()), save=False)
    row.save()
    return row


def worse_by(candidate: ScreeningModel, active: ScreeningModel) -> list[str]:
    """The held-out measures on which `candidate` falls below `active` by more than
    MODERATION_CLASSIFIER_PROMOTE_TOLERANCE (empty: not worse)."""
    tolerance = float(setting("MODERATION_CLASSIFIER_PROMOTE_TOLERANCE", 0.002))
    worse = []
    for dataset, old in active.scores.items():
        new = candidate.scores.get(dataset)
        for measure in MEASURES:
            if measure not in old:
                continue
            if new is None or measure not in new or new[measure] < old[measure] - tolerance:
                got = "missing" if new is None else new.get(measure, "missing")
                worse.append(f"{dataset} {measure} {got} < {old[measure]}")
    return worse


@transaction.atomic
def screening_model_promote(*, candidate: ScreeningModel, by: User | None = None) -> bool:
    """Make `candidate` active if it does no worse than the active model on the
    held-out data; otherwise mark it refused, saying where it is worse."""
    candidate = ScreeningModel.objects.select_for_update().get(pk=candidate.pk)
    active = (
        ScreeningModel.objects.select_for_update()
        .filter(status=ScreeningModel.Status.ACTIVE)
        .first()
    )
    if active is not None and active.pk != candidate.pk and _readable(active):
        worse = worse_by(candidate, active)
        if worse:
            candidate.status = ScreeningModel.Status.REFUSED
            candidate.note = "; ".join([candidate.note, *worse]).strip("; ")
            candidate.save(update_fields=["status", "note"])
            return False
    _activate(candidate, active=active, by=by)
    return True


def _activate(row: ScreeningModel, *, active: ScreeningModel | None, by: User | None) -> None:
    """Caller holds the locks on both rows."""
    if active is not None and active.pk != row.pk:
        active.status = ScreeningModel.Status.RETIRED
        active.save(update_fields=["status"])
    row.status = ScreeningModel.Status.ACTIVE
    row.activated_at = timezone.now()
    row.activated_by = by
    row.save(update_fields=["status", "activated_at", "activated_by"])
    transaction.on_commit(scoring.model_changed)


def _readable(model: ScreeningModel) -> bool:
    """Whether this code can load `model`'s artefact (an older format cannot be: a
    model nobody can score with is no bar to a new one)."""
    try:
        _artefact_check(model)
    except ValidationError:
        return False
    return True


def _artefact_check(model: ScreeningModel) -> None:
    try:
        with model.file.open("rb") as handle:
            classifier.Scorer.loads(handle.read())
    except (OSError, ValueError) as exc:
        raise ValidationError(
            _("Version %(v)s cannot be used: %(error)s") % {"v": model.version, "error": exc}
        ) from exc


@transaction.atomic
def screening_model_activate(*, model: ScreeningModel, by: User) -> ScreeningModel:
    """Staff make a version active again (a rollback), whatever its scores."""
    model = ScreeningModel.objects.select_for_update().get(pk=model.pk)
    if model.status == ScreeningModel.Status.ACTIVE:
        raise ValidationError(_("Version %(v)s is already active.") % {"v": model.version})
    _artefact_check(model)
    active = (
        ScreeningModel.objects.select_for_update()
        .filter(status=ScreeningModel.Status.ACTIVE)
        .first()
    )
    _activate(model, active=active, by=by)
    return model


def screening_retrain(*, force: bool = False) -> ScreeningModel | None:
    """The weekly job: with enough new decisions since the active model was trained
    (or no active model, or `force`), train, measure and promote if not worse.
    Returns the new version, or None when there was nothing new to learn."""
    active = ScreeningModel.objects.filter(status=ScreeningModel.Status.ACTIVE).first()
    needed = int(setting("MODERATION_CLASSIFIER_RETRAIN_MIN_DECISIONS", 50))
    if not force and active is not None:
        new = screening_data.decisions_count(since=active.trained_at)
        if new < needed:
            log.info("screening retrain skipped: %s new decisions (< %s)", new, needed)
            return None
    candidate = screening_model_train(note="weekly retraining" if not force else "")
    screening_model_promote(candidate=candidate)
    candidate.refresh_from_db()
    return candidate
