"""The screening classifier: trained on (a tiny stand-in for) the public data and the
moderators' decisions, versioned, promoted only if not worse, used by screening to
hold (never refuse) content for a moderator."""

import gzip
import json
import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection

from core import text as core_text
from moderation import classifier, scoring, services
from moderation.models import BlockedTerm, ReviewItem, ScreeningModel
from moderation.services import classifier as classifier_services
from tests.moderation.helpers import course_publish
from tests.moderation.screening_fixture import write

INSULT = "shut up you worthless moron, nobody wants you here"


def test_a_trained_model_ranks_held_out_insults_above_kind_words(active_model):
    assert active_model.status == ScreeningModel.Status.ACTIVE
    assert active_model.scores["cold-dev"]["auc"] >= 0.9
    assert active_model.scores["davidson-held-out"]["auc"] >= 0.9
    assert active_model.counts["public"] > 0
    scorer = scoring.active_scorer()
    assert scorer is not None
    assert scorer.score(INSULT) > scorer.score("thanks for the great python course")
    assert scorer.score("闭嘴吧白痴") > scorer.score("谢谢老师的讲解")


def test_held_text_comes_with_the_words_that_weighed_most(active_model, settings):
    settings.MODERATION_CLASSIFIER_HOLD = {"default": 0.5}
    score = scoring.text_score(INSULT, kind="default")
    assert score is not None and score.hold
    # On the tiny data set the attack templates weigh as much as the insults: what
    # is shown comes from the text, and pushed its score up.
    assert score.words and all(word in INSULT for word in score.words), score.words
    clean = scoring.text_score("thanks for the great python course", kind="default")
    assert clean is not None and not clean.hold and clean.words == ()


def test_content_above_the_threshold_waits_for_a_moderator_with_score_and_words(
    active_model, alice_channel, settings
):
    settings.MODERATION_CLASSIFIER_HOLD = {"default": 0.5}
    course = course_publish(alice_channel, title=INSULT)  # held, never refused
    item = ReviewItem.objects.get(object_id=course.pk, content_type__model="course")
    assert item.status == ReviewItem.Status.PENDING
    assert item.source == ReviewItem.Source.SCREENING
    assert item.score is not None and item.score >= 0.5
    assert item.score_words
    assert any(reason.startswith("classifier:") for reason in item.reasons)


def test_content_below_the_threshold_publishes(active_model, alice_channel, settings):
    settings.MODERATION_CLASSIFIER_HOLD = {"default": 0.5}
    course = course_publish(alice_channel, title="The python course, chapter one")
    assert not ReviewItem.objects.filter(object_id=course.pk, content_type__model="course")


def test_a_threshold_of_one_never_holds(active_model, alice_channel, settings):
    settings.MODERATION_CLASSIFIER_HOLD = {"default": 1.01}
    course = course_publish(alice_channel, title=INSULT)
    assert not ReviewItem.objects.filter(object_id=course.pk, content_type__model="course")


def test_a_moderators_decision_reaches_the_next_training_set(
    screening_data_dir, alice_channel, moderator
):
    BlockedTerm.objects.create(term="lemonade", action=BlockedTerm.Action.HOLD)
    rejected = course_publish(alice_channel, title="Lemonade pyramid scheme, join now")
    approved = course_publish(alice_channel, title="Lemonade chemistry for beginners")
    items = {
        c.pk: ReviewItem.objects.get(object_id=c.pk, content_type__model="course")
        for c in (rejected, approved)
    }
    services.review_reject(item=items[rejected.pk], moderator=moderator, reason="A scam.")
    services.review_approve(item=items[approved.pk], moderator=moderator)

    examples, weights, counts = classifier_services.training_set()
    learnt = {e.text: (e.label, w) for e, w in zip(examples, weights, strict=True)}
    assert learnt[items[rejected.pk].excerpt] == (1, 3.0)
    assert learnt[items[approved.pk].excerpt] == (0, 3.0)
    assert counts["decisions"] == 2
    model = classifier_services.screening_model_train()
    assert model.counts["decisions"] == 2


def test_promotion_refuses_a_worse_model(active_model, tmp_path, settings):
    settings.MODERATION_DATA_DIR = str(write(tmp_path / "flipped", flip_training=True))
    worse = classifier_services.screening_model_train()
    assert worse.scores["cold-dev"]["auc"] < active_model.scores["cold-dev"]["auc"]

    assert classifier_services.screening_model_promote(candidate=worse) is False
    worse.refresh_from_db()
    active_model.refresh_from_db()
    assert worse.status == ScreeningModel.Status.REFUSED
    assert "cold-dev auc" in worse.note
    assert active_model.status == ScreeningModel.Status.ACTIVE


def test_promotion_takes_a_model_that_is_not_worse_and_staff_can_roll_back(
    active_model, moderator, client
):
    second = classifier_services.screening_model_train()
    assert classifier_services.screening_model_promote(candidate=second)
    active_model.refresh_from_db()
    assert active_model.status == ScreeningModel.Status.RETIRED

    client.force_login(moderator)
    page = client.get("/admin/moderation/screeningmodel/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "cold-dev: AUC" in body and "MODERATION_CLASSIFIER_HOLD" in body
    response = client.post(
        "/admin/moderation/screeningmodel/",
        {"action": "activate_selected", "_selected_action": [active_model.pk]},
    )
    assert response.status_code == 302
    active_model.refresh_from_db()
    second.refresh_from_db()
    assert active_model.status == ScreeningModel.Status.ACTIVE
    assert active_model.activated_by == moderator
    assert second.status == ScreeningModel.Status.RETIRED
    scoring.model_changed()
    assert scoring.active_scorer().meta["version"] == active_model.version


def test_weekly_retraining_waits_for_enough_new_decisions(
    active_model, alice_channel, moderator, settings
):
    settings.MODERATION_CLASSIFIER_RETRAIN_MIN_DECISIONS = 1
    assert classifier_services.screening_retrain() is None  # nothing new to learn
    BlockedTerm.objects.create(term="lemonade", action=BlockedTerm.Action.HOLD)
    course = course_publish(alice_channel, title="Lemonade pyramid scheme")
    item = ReviewItem.objects.get(object_id=course.pk, content_type__model="course")
    services.review_reject(item=item, moderator=moderator, reason="A scam.")

    new = classifier_services.screening_retrain()
    assert new is not None and new.version == active_model.version + 1
    assert new.counts["decisions"] == 1
    assert new.status in (ScreeningModel.Status.ACTIVE, ScreeningModel.Status.REFUSED)


def test_evaluate_prints_the_table_and_the_summary_line_last(active_model, screening_data_dir):
    out = StringIO()
    dev = Path(django_settings.MODERATION_DATA_DIR) / "cold" / "dev.csv"
    call_command("screening_evaluate", data=str(dev), format="cold", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert any(line.startswith("classifier") for line in lines)
    assert re.fullmatch(
        r"screening dev\.csv auc [01]\.\d{3} f1 [01]\.\d{3} rules-f1 0\.000", lines[-1]
    )


@pytest.mark.django_db(transaction=True)
def test_the_classifier_loads_in_a_fresh_process_without_training(active_model):
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        "CONTENT_PRIVATE_ROOT": django_settings.STORAGES[django_settings.CONTENT_PRIVATE_STORAGE][
            "OPTIONS"
        ]["location"],
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("MEDIA_S3_BUCKET", None)
    script = (
        "import json, sys, django; django.setup()\n"
        "from moderation import classifier, scoring\n"
        "trained = []\n"
        "classifier.train = lambda *a, **k: trained.append(1)  # training would be noticed\n"
        "scorer = scoring.active_scorer()\n"
        f"print(json.dumps({{'version': scorer.meta['version'], 'score': scorer.score({INSULT!r}),"
        " 'trained': bool(trained)}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["version"] == active_model.version
    assert answer["trained"] is False  # it was loaded from the stored file, not trained
    assert answer["score"] == pytest.approx(scoring.active_scorer().score(INSULT), abs=1e-9)


SENTENCES = [
    "今天老师讲的机器学习课程非常好",
    "你这个人真是白痴一个",
    "南京市长江大桥",
    "我们一起学习吧",
]


def test_chinese_words_are_segmented_exactly_as_jieba_does_without_its_hmm():
    for sentence in SENTENCES:
        assert classifier.segment(sentence) == core_text.cjk_words(sentence, hmm=False)


def test_a_model_saved_with_one_character_grams_still_loads_and_scores_alike():
    # Versions trained before single characters were left out stay usable (a rollback).
    texts = [INSULT, "you idiot", "thanks for the course", "great lesson", "闭嘴白痴", "谢谢老师"]
    labels = [1, 1, 0, 0, 1, 0]
    new = classifier.train(texts * 3, labels * 3, min_df=1)
    old = classifier.Scorer(new.blocks, new.intercept, new.calibration, char_range=(1, 4))
    loaded = classifier.Scorer.loads(old.dumps())
    assert json.loads(gzip.decompress(old.dumps()))["format"] == 2
    assert loaded.char_range == (1, 4)
    assert new.char_range == (2, 3)
    assert loaded.score("你是白痴") == pytest.approx(old.score("你是白痴"), abs=1e-6)
    assert classifier.Scorer.loads(new.dumps()).score(INSULT) == pytest.approx(
        new.score(INSULT), abs=1e-6
    )


def test_the_character_block_scored_with_arrays_sums_as_the_feature_dict_does():
    # CharBlock finds a text's grams by 64-bit keys, without a string per gram; the
    # plain Block walks char_features' strings. Same value, same words shown.
    texts = [INSULT, "you idiot", "thanks for the course", "great lesson", "闭嘴白痴",
             "谢谢老师", "你这个白痴白痴白痴", "idiot idiot idiot moron"]  # fmt: skip
    labels = [1, 1, 0, 0, 1, 0, 1, 1]
    trained = classifier.train(texts * 3, labels * 3, min_df=1)
    for char_range in ((2, 3), (2, 4), (1, 4)):
        scorer = classifier.Scorer(
            trained.blocks, trained.intercept, trained.calibration, char_range=char_range
        )
        by_arrays = scorer.blocks["char"]
        assert isinstance(by_arrays, classifier.CharBlock)
        by_strings = classifier.Block(by_arrays.features, classifier.SHOWN["char"])
        for text in [*texts, "", "a", "白痴 you idiot 白痴", "ok " * 200]:
            prepared = classifier.prepare(text)
            value, found = by_arrays.contributions_of(prepared, char_range)
            expected, expected_found = by_strings.contributions(
                classifier.char_features(prepared, char_range)
            )
            assert value == pytest.approx(expected, abs=1e-12), text
            got, shown = sorted(by_arrays.parts(found)), sorted(by_strings.parts(expected_found))
            assert [gram for gram, _ in got] == [gram for gram, _ in shown]
            assert [share for _, share in got] == pytest.approx([share for _, share in shown])
    assert trained.score("你这个白痴") > trained.score("谢谢老师")
