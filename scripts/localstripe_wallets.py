"""WeChat Pay and Alipay for localstripe (development and tests only), applied by
scripts/localstripe_server.py after localstripe_compat.

localstripe 1.15.10 knows card and SEPA PaymentMethods only. Real Stripe pays by
WeChat Pay and Alipay through the same PaymentIntent, with a step in between that the
payer takes outside the site; this module adds that, as Stripe's test mode shows it:

  * PaymentMethods of type "wechat_pay" and "alipay" (also made inline through a
    PaymentIntent's `payment_method_data`); `payment_method_types` is enforced, and
    so are the currencies each method takes and Alipay's `return_url`.
  * Confirming such a PaymentIntent leaves it in "requires_action" with Stripe's
    next action: `wechat_pay_display_qr_code` (the `data` a QR code encodes) or
    `alipay_handle_redirect` (the `url` to send the payer to).
  * The test-only page that `data` and `url` point at,
    GET/POST /_test/wallet_payments/{id}?client_secret=..., stands in for the
    phone that scans the code or the Alipay page: "Authorize test payment" charges it
    (payment_intent.succeeded is sent), "Fail test payment" fails it
    (payment_intent.payment_failed, status back to requires_payment_method). After an
    Alipay decision the page sends the payer back to the return_url with Stripe's
    `payment_intent`, `payment_intent_client_secret` and `redirect_status`.
"""

import html
from urllib.parse import urlencode

from aiohttp import web
from localstripe import resources as R
from localstripe import server
from localstripe.errors import UserError
from localstripe.server import app
from localstripe.webhooks import schedule_webhook

WALLET_TYPES = ("wechat_pay", "alipay")
# The presentment currencies Stripe accepts for each (its payment-method docs).
CURRENCIES = {
    "wechat_pay": {
        *("cny", "aud", "cad", "chf", "dkk", "eur", "gbp"),
        *("hkd", "jpy", "nok", "sek", "sgd", "usd"),
    },
    "alipay": {"cny", "aud", "cad", "eur", "gbp", "hkd", "jpy", "myr", "nzd", "sgd", "usd"},
}
NAMES = {"wechat_pay": "WeChat Pay", "alipay": "Alipay"}

# Where the test page is reached from the browser; set by localstripe_server.main().
PUBLIC_BASE = "http://127.0.0.1:8420"


def _payment_method_init():
    orig = R.PaymentMethod.__init__

    def __init__(self, type=None, billing_details=None, metadata=None, **kwargs):
        if type not in WALLET_TYPES:
            return orig(
                self, type=type, billing_details=billing_details, metadata=metadata, **kwargs
            )
        extra = {k: v for k, v in kwargs.items() if k != type}
        if extra or kwargs.get(type) not in (None, {}, ""):
            raise UserError(400, "Unexpected " + ", ".join(extra or kwargs))
        R.StripeObject.__init__(self)  # enters the store
        self.type = type
        self.billing_details = billing_details or {}
        self.customer = None
        self.metadata = metadata or {}
        setattr(self, type, {})

    R.PaymentMethod.__init__ = __init__


def _payment_intent_create():
    orig_init = R.PaymentIntent.__init__
    orig_create = R.PaymentIntent._api_create.__func__

    def __init__(self, *a, payment_method_types=None, return_url=None, **kw):
        orig_init(self, *a, payment_method_types=payment_method_types, **kw)
        self.payment_method_types = payment_method_types or ["card"]
        self.return_url = return_url
        self._wallet_failure = None

    @classmethod
    def _api_create(cls, payment_method_data=None, **data):
        if payment_method_data is not None:
            if not isinstance(payment_method_data, dict):
                raise UserError(400, "Bad request")
            if data.get("payment_method"):
                raise UserError(400, "Pass payment_method or payment_method_data, not both.")
            data["payment_method"] = R.PaymentMethod(**payment_method_data).id
        if data.get("payment_method"):
            pm = R.PaymentMethod._api_retrieve(data["payment_method"])
            allowed = data.get("payment_method_types") or ["card"]
            if pm.type not in allowed:
                raise UserError(
                    400,
                    f"The PaymentMethod provided ({pm.type}) is not allowed for this "
                    f"PaymentIntent: it accepts {', '.join(allowed)}.",
                    {"code": "payment_intent_invalid_parameter", "param": "payment_method"},
                )
            if pm.type in WALLET_TYPES:
                currency = str(data.get("currency") or "").lower()
                if currency not in CURRENCIES[pm.type]:
                    raise UserError(
                        400,
                        f"{NAMES[pm.type]} does not accept payments in {currency.upper()}.",
                        {"code": "payment_intent_invalid_parameter", "param": "currency"},
                    )
                if (
                    pm.type == "alipay"
                    and data.get("confirm") in (True, "true")
                    and not data.get("return_url")
                ):
                    raise UserError(
                        400,
                        "A return_url is required to confirm an Alipay PaymentIntent.",
                        {"code": "parameter_missing", "param": "return_url"},
                    )
        return orig_create(cls, **data)

    R.PaymentIntent.__init__ = __init__
    R.PaymentIntent._api_create = _api_create


def _test_page_url(intent):
    query = urlencode({"client_secret": intent.client_secret})
    return f"{PUBLIC_BASE}/_test/wallet_payments/{intent.id}?{query}"


def _payment_intent_confirm():
    orig = R.PaymentIntent._confirm

    def _confirm(self, on_failure_now):
        pm = R.PaymentMethod._api_retrieve(self.payment_method)
        if pm.type not in WALLET_TYPES:
            return orig(self, on_failure_now)
        self._authentication_failed = False
        self._wallet_failure = None
        url = _test_page_url(self)
        if pm.type == "wechat_pay":
            self.next_action = {
                "type": "wechat_pay_display_qr_code",
                "wechat_pay_display_qr_code": {
                    # Real Stripe: a weixin:// URL that the WeChat app opens; in test
                    # mode a page that lets the tester authorise or fail the payment.
                    "data": url,
                    "hosted_instructions_url": url,
                    "image_data_url": None,
                    "image_url_png": None,
                    "image_url_svg": None,
                },
            }
        else:
            self.next_action = {
                "type": "alipay_handle_redirect",
                "alipay_handle_redirect": {
                    "url": url,
                    "return_url": self.return_url,
                    "native_url": None,
                    "native_data": None,
                },
            }

    orig_error = R.PaymentIntent.last_payment_error

    def last_payment_error(self):
        failure = getattr(self, "_wallet_failure", None)
        if failure:
            return {"code": "payment_intent_payment_attempt_failed", "message": failure}
        return orig_error.fget(self)

    R.PaymentIntent._confirm = _confirm
    R.PaymentIntent.last_payment_error = property(last_payment_error)


def _decide(intent, authorise: bool) -> None:
    if authorise:
        intent.next_action = None
        intent._create_charge(on_failure_now=intent._report_failure)
    else:
        method = R.PaymentMethod._api_retrieve(intent.payment_method).type
        intent.next_action = None
        intent.payment_method = None
        intent._wallet_failure = f"The customer did not authorise the {NAMES[method]} payment."
        schedule_webhook(R.Event("payment_intent.payment_failed", intent))


def _intent_awaiting_payer(request):
    intent = R.PaymentIntent._api_retrieve(request.match_info["id"])
    secret = request.query.get("client_secret", "")
    if secret != intent.client_secret:
        raise UserError(401, "Unauthorized")
    return intent


def _page(title, body, status=200):
    return web.Response(
        text=(
            "<!doctype html><html><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{html.escape(title)}</title></head><body>"
            f"<h1>{html.escape(title)}</h1>{body}</body></html>"
        ),
        content_type="text/html",
        status=status,
    )


async def wallet_payment_page(request):
    intent = _intent_awaiting_payer(request)
    if intent.status != "requires_action" or not intent.next_action:
        status = html.escape(intent.status)
        return _page("Nothing to authorise", f"<p>This payment is {status}.</p>", 409)
    method = R.PaymentMethod._api_retrieve(intent.payment_method).type
    amount = f"{intent.amount / 100:.2f} {intent.currency.upper()}"
    return _page(
        f"{NAMES[method]} test payment",
        f"<p>localstripe stands in for {NAMES[method]}: decide this test payment of {amount}.</p>"
        "<form method='post'>"
        "<button name='decision' value='authorize'>Authorize test payment</button> "
        "<button name='decision' value='fail'>Fail test payment</button></form>",
    )


async def wallet_payment_decide(request):
    intent = _intent_awaiting_payer(request)
    if intent.status != "requires_action" or not intent.next_action:
        raise UserError(400, "This PaymentIntent is not waiting for the payer.")
    decision = (await request.post()).get("decision")
    if decision not in ("authorize", "fail"):
        raise UserError(400, "decision must be authorize or fail")
    method = R.PaymentMethod._api_retrieve(intent.payment_method).type
    _decide(intent, decision == "authorize")
    if method == "alipay" and intent.return_url:
        sep = "&" if "?" in intent.return_url else "?"
        query = urlencode(
            {
                "payment_intent": intent.id,
                "payment_intent_client_secret": intent.client_secret,
                "redirect_status": "succeeded" if intent.status == "succeeded" else "failed",
            }
        )
        raise web.HTTPFound(intent.return_url + sep + query)
    done = "authorised" if decision == "authorize" else "failed"
    return _page(f"Payment {done}", "<p>You can close this page.</p>")


def _open_test_pages():
    """The test page is the payer's, not the merchant's: it has no API key and is
    authenticated by the client secret in its URL, as Stripe's hosted pages are."""
    index = list(app.middlewares).index(server.auth_middleware)

    @web.middleware
    async def auth_unless_test_page(request, handler):
        if request.path.startswith("/_test/wallet_payments/"):
            return await handler(request)
        return await server.auth_middleware(request, handler)

    app.middlewares[index] = auth_unless_test_page


def apply(public_base: str) -> None:
    global PUBLIC_BASE
    PUBLIC_BASE = public_base.rstrip("/")
    _open_test_pages()
    _payment_method_init()
    _payment_intent_create()
    _payment_intent_confirm()
    app.router.add_get("/_test/wallet_payments/{id}", wallet_payment_page)
    app.router.add_post("/_test/wallet_payments/{id}", wallet_payment_decide)
