"""Every kind of page under the Content-Security-Policy, in Chromium: 0 violations.

The policy (config/settings.py, django-csp) allows scripts only from the site, the
page's nonce and Stripe.js; the browser reports anything it refuses through the
`securitypolicyviolation` event, which this test collects on every page.
"""

import pytest

from tests.e2e.conftest import context_signed_in

pytestmark = pytest.mark.e2e

COLLECT = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI + " " + e.sourceFile);
});
"""


def _context_as(browser, base, user, request):
    context = context_signed_in(browser, base, request, user)
    context.add_init_script(COLLECT)
    return context


def _violations(context, base, paths):
    found = {}
    page = context.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    for path in paths:
        response = page.goto(base + path, wait_until="load")
        assert response is not None and response.status < 500, path
        assert "content-security-policy" in response.headers, path
        page.wait_for_timeout(300)  # late scripts (players, docs) start after load
        seen = page.evaluate("window.__cspViolations")
        if seen or refused:
            found[path] = [*seen, *refused]
            refused.clear()
    return found


def test_every_page_type_loads_with_no_csp_violation(browser, live_server, request, page_types):
    base = live_server.url
    found = {}
    for user, paths in page_types:
        context = _context_as(browser, base, user, request)
        found.update(_violations(context, base, paths))
    assert found == {}
