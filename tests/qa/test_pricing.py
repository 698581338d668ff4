"""The price formula: base x seniority x difficulty, integers, rounded half up."""

import pytest

from qa import pricing
from qa.pricing import ExpertStanding

NEW = ExpertStanding(verified=False, answered_count=0, rating_count=0, rating_sum=0)


def quote(base=1000, standing=NEW, difficulty="standard", text="short question"):
    return pricing.price_quote(
        base_price=base, currency="CNY", standing=standing, difficulty=difficulty, text=text
    )


@pytest.mark.parametrize(
    ("standing", "seniority"),
    [
        (NEW, 10_000),
        (ExpertStanding(True, 0, 0, 0), 12_000),  # verified +0.20
        (ExpertStanding(False, 10, 0, 0), 11_000),  # 10 answers +0.10
        (ExpertStanding(False, 60, 0, 0), 12_000),  # 50+ answers +0.20
        (ExpertStanding(False, 250, 0, 0), 13_000),  # 200+ answers +0.30
        (ExpertStanding(False, 5, 4, 20), 12_000),  # rated 5.0 by 4: +2 stars x 0.10
        (ExpertStanding(False, 5, 2, 10), 10_000),  # too few ratings to count
        (ExpertStanding(False, 5, 5, 5), 8000),  # rated 1.0: -0.20, at the floor
        (ExpertStanding(True, 300, 10, 50), 17_000),  # 1 + .2 + .3 + .2
    ],
)
def test_seniority_factor_table(standing, seniority):
    assert pricing.seniority_bps(standing)[0] == seniority


def test_seniority_is_clamped_to_the_maximum(settings):
    settings.QA_SENIORITY_VERIFIED_BPS = 50_000
    bps, lines = pricing.seniority_bps(ExpertStanding(True, 0, 0, 0))
    assert bps == settings.QA_SENIORITY_MAX_BPS
    assert "Limited to the allowed range" in [line["label"] for line in lines]


@pytest.mark.parametrize(
    ("difficulty", "text", "factor"),
    [
        ("quick", "short", 8000),
        ("standard", "short", 10_000),
        ("in_depth", "short", 15_000),
        ("standard", "x" * 500, 10_000),  # the first 500 characters are free
        ("standard", "x" * 501, 11_000),  # then +0.10 per started 500
        ("standard", "x" * 1001, 12_000),
        ("standard", "x" * 2900, 13_000),  # at most +0.30
        ("standard", "Why does `foo()` fail in my SQL query on Docker?", 11_000),  # technical
        ("quick", "数据库 并发 算法 怎么选", 9000),  # Chinese technical terms count too
    ],
)
def test_difficulty_factor_table(difficulty, text, factor):
    assert pricing.difficulty_bps(difficulty=difficulty, text=text)[0] == factor


@pytest.mark.parametrize(
    ("base", "standing", "difficulty", "amount"),
    [
        (1000, NEW, "standard", 1000),
        (1000, NEW, "quick", 800),
        (1000, ExpertStanding(True, 0, 0, 0), "in_depth", 1800),  # 1000 x 1.2 x 1.5
        (999, ExpertStanding(False, 10, 0, 0), "in_depth", 1648),  # 1648.35 -> 1648
        (1001, ExpertStanding(False, 10, 0, 0), "in_depth", 1652),  # 1651.65 -> 1652
        (1, NEW, "quick", 1),  # 0.8 rounds up to 1, never 0
        (3, NEW, "in_depth", 5),  # 4.5 -> 5: half rounds up
    ],
)
def test_price_table_rounds_half_up_once(base, standing, difficulty, amount):
    assert quote(base, standing, difficulty).amount == amount


def test_breakdown_explains_every_factor_and_ends_with_the_price():
    result = quote(1000, ExpertStanding(True, 60, 0, 0), "in_depth", "x" * 800)
    labels = [line["label"] for line in result.lines]
    assert labels[0] == "Expert's base price"
    assert "Verified expert" in labels
    assert "60 answers given" in labels
    assert "Chosen depth" in labels
    assert "Long question (800 characters)" in labels
    values = {line["label"]: line["value"] for line in result.lines}
    assert values["Seniority factor"] == "x1.40"
    assert values["Difficulty factor"] == "x1.60"
    # 1000 x 1.4 x 1.6 = 2240
    assert result.amount == 2240
    assert result.lines[-1]["value"] == "¥22.40"


def test_factors_come_from_settings(settings):
    settings.QA_DIFFICULTY_BPS = {"quick": 5000, "standard": 10_000, "in_depth": 30_000}
    assert quote(1000, NEW, "in_depth").amount == 3000
