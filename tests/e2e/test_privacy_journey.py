"""Privacy in a real browser: a learner switches behaviour analytics off, downloads a
copy of their data, schedules the deletion of their account and cancels it."""

import io
import json
import zipfile

import pytest
from playwright.sync_api import expect

from accounts.models import AccountDeletion, ConsentRecord
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.e2e


def test_learner_sets_consents_exports_and_cancels_deletion(live_server, page, screenshot):
    url = live_server.url
    learner = UserFactory(email="bob@example.com", display_name="Bob")
    page.goto(url + "/accounts/login/")
    page.fill("input[name='login']", learner.email)
    page.fill("input[name='password']", PASSWORD)
    page.locator("main").get_by_role("button", name="Sign In").click()
    expect(page.get_by_test_id("nav-logout")).to_be_visible()

    page.goto(url + "/accounts/profile/")
    page.get_by_test_id("privacy-link").click()
    consents = page.get_by_test_id("consents")
    expect(consents.get_by_label("Behaviour analytics")).to_be_checked()
    consents.get_by_label("Behaviour analytics").uncheck()
    page.get_by_test_id("consents-save").click()
    expect(page.get_by_text("Your choices are saved")).to_be_visible()
    assert ConsentRecord.objects.filter(user=learner, purpose="analytics", granted=False).exists()

    with page.expect_navigation():  # the form's POST lands on this page again
        page.get_by_test_id("export-request").click()  # the job runs inline in tests
    page.reload()
    expect(page.get_by_test_id("export-download")).to_be_visible()
    screenshot(page, "privacy-01-export-ready")
    with page.expect_download() as download:
        page.get_by_test_id("export-download").click()
    archive = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
    assert json.loads(archive.read("profile.json"))[0]["email"] == "bob@example.com"

    page.get_by_label("Keep them, shown as by a deleted user").check()
    page.get_by_label("I understand that after the grace period this cannot be undone.").check()
    page.get_by_test_id("deletion-request").click()
    expect(page.get_by_test_id("deletion-status")).to_contain_text("scheduled to be deleted")
    screenshot(page, "privacy-02-deletion-scheduled")
    page.get_by_test_id("deletion-cancel").click()
    expect(page.get_by_text("The deletion of your account is cancelled.")).to_be_visible()
    assert AccountDeletion.objects.get(user=learner).status == "cancelled"
