"""Extra catalogue content for the serving benchmark, written through the services.

Run by bench_http in a subprocess, against the benchmark database only:
    python -m tests.benchmarks.bench_seed --channels 200

Adds `--channels` published channels, spread over creators (10 each), every one with
two or three tags and one or two subscription tiers, so that the catalogue has
several pages and the cards show prices and tags like real ones.
"""

import argparse
import os
import random

# Not a benchmark of its own: scripts/bench.sh --smoke skips it (run by its benchmark).
SMOKE_SKIP = True


def seed(*, channels: int, per_creator: int = 10) -> int:
    from django.db import transaction

    from accounts.models import User
    from marketplace import services
    from marketplace.models import Category, Language, PublicationStatus

    rng = random.Random(20260101)  # the same catalogue every run
    categories = list(Category.objects.all())
    languages = [code for code, _ in Language.choices]
    tag_pool = [f"bench-topic-{n}" for n in range(30)]
    tiers = [(990, "CNY"), (1900, "CNY"), (2900, "CNY"), (500, "USD"), (1500, "USD"), (600, "EUR")]
    created = 0
    with transaction.atomic():
        for c in range((channels + per_creator - 1) // per_creator):
            user = User.objects.create_user(
                f"bench-creator-{c}@bench.invalid", None, display_name=f"Bench Creator {c}"
            )
            creator = services.creator_become(
                user=user,
                display_name=f"Bench Creator {c}",
                headline="Benchmark content",
                topics=rng.sample(tag_pool, 2),
            )
            for _ in range(min(per_creator, channels - created)):
                channel = services.channel_create(
                    creator=creator,
                    title=f"Benchmark channel {created}",
                    slug=f"bench-channel-{created}",
                    tagline="Weekly live sessions, replays and Q&A",
                    description="A channel created for the serving benchmark.",
                    category=categories[created % len(categories)],
                    language=languages[created % len(languages)],
                    tags=rng.sample(tag_pool, rng.randint(2, 3)),
                    status=PublicationStatus.PUBLISHED,
                )
                for i, (price, currency) in enumerate(rng.sample(tiers, rng.randint(1, 2))):
                    services.tier_create(
                        channel=channel, name=f"Tier {i}", price_amount=price, currency=currency
                    )
                created += 1
    return created


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=200)
    args = parser.parse_args(argv)
    if os.environ.get("DJANGO_SETTINGS_MODULE") != "tests.benchmarks.bench_settings":
        parser.error("run by bench_http only (DJANGO_SETTINGS_MODULE=tests.benchmarks...)")
    import django

    django.setup()
    from django.conf import settings

    name = settings.DATABASES["default"]["NAME"]
    if not str(name).endswith("_bench"):
        parser.error(f"refusing to add benchmark content to database {name!r}")
    print(f"bench_seed: {seed(channels=max(0, args.channels))} extra published channels")


if __name__ == "__main__":
    main()
