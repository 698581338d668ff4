"""A blog on another origin frames the replay player: a free replay loads and gets its
playback token inside the frame; a paid one says to watch it on Zhiliao; the normal
session page refuses to be framed at all."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from livestream.models import LiveSession
from tests.factories import LiveSessionFactory

pytestmark = pytest.mark.e2e


def _blog(html: str) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_an_outside_page_frames_a_free_replay_but_not_a_paid_one(
    browser, live_server, alice_channel, screenshot
):
    ready = {"status": "ended", "replay_status": "ready"}
    free = LiveSessionFactory(channel=alice_channel, title="Async Python, the replay", **ready)
    paid = LiveSessionFactory(
        channel=alice_channel, access=LiveSession.Access.TICKET, ticket_price_amount=900,
        ticket_currency="CNY", title="Paid replay", **ready,
    )  # fmt: skip
    site = live_server.url
    blog = _blog(
        "<!DOCTYPE html><html><body><h1>My blog</h1>"
        f'<iframe name="free" src="{site}/embed/live/{free.pk}/" width="640" height="360"></iframe>'
        f'<iframe name="paid" src="{site}/embed/live/{paid.pk}/" width="640" height="360"></iframe>'
        f'<iframe name="page" src="{site}/live/{free.pk}/" width="640" height="360"></iframe>'
        "</body></html>"
    )
    try:
        context = browser.new_context(viewport={"width": 1400, "height": 1200}, locale="en-US")
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{blog.server_address[1]}/")
        expect(page.get_by_role("heading", name="My blog")).to_be_visible()

        free_frame = page.frame_locator("iframe[name=free]")
        expect(free_frame.get_by_test_id("embed-player")).to_be_attached()
        expect(free_frame.get_by_test_id("embed-title")).to_have_text(
            "Async Python, the replay · Zhiliao"
        )
        # The player asked for its token from inside the other site's frame.
        expect(free_frame.get_by_test_id("embed-player")).to_have_attribute("data-token", "ready")

        paid_frame = page.frame_locator("iframe[name=paid]")
        expect(paid_frame.get_by_test_id("embed-refused")).to_contain_text("watch it on Zhiliao")
        expect(paid_frame.get_by_test_id("embed-player")).to_have_count(0)

        # The session page itself is not framed (frame-ancestors 'none'): nothing of it shows.
        page.wait_for_timeout(500)
        framed = page.frame(name="page")
        assert framed is not None
        assert framed.locator(".site-header").count() == 0
        screenshot(page, "embed-outside-page")
        context.close()
    finally:
        blog.shutdown()
        blog.server_close()
