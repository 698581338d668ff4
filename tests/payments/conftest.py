import pytest

from tests.factories import TierFactory


@pytest.fixture
def gold(alice_channel):
    """Alice's ¥30 a month tier."""
    return TierFactory(channel=alice_channel, name="Gold", price_amount=3000, currency="CNY")
