import pytest_asyncio

from livestream.hub import hub_stop
from tests.moderation.screening_fixture import active_model, screening_data_dir  # noqa: F401
from tests.s3 import s3, s3_server  # noqa: F401 - the S3 server's fixtures


@pytest_asyncio.fixture(autouse=True)
async def _room_hub_stops_with_the_test():
    """Each test runs its own event loop; its room hub must not outlive it."""
    yield
    await hub_stop()
