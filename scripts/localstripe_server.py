"""Start localstripe the way this project needs it (development and tests only).

The differences from `localstripe --port N`:
- it listens on 127.0.0.1 only (upstream binds every interface and has no option);
- it keeps its state in var/localstripe.pickle, not the machine-wide
  /tmp/localstripe.pickle that every localstripe on the machine would share;
- it applies scripts/localstripe_compat.py, the few endpoints and fields dj-stripe
  needs that localstripe lacks (see that file's docstring);
- it applies scripts/localstripe_wallets.py: WeChat Pay and Alipay PaymentIntents
  (QR code / redirect) and the test page that authorises or fails them.
- it applies scripts/localstripe_billing.py: plan changes with Stripe's prorations,
  renewals on demand (a stand-in for test clocks), failed and 3-D Secure renewals.
- it applies scripts/localstripe_connect.py, Stripe Connect (Express accounts,
  account links, transfers, connected-account payouts) for creator payouts, and
  scripts/localstripe_disputes.py, card disputes (chargebacks).
"""

import argparse
import logging
import os
import pickle
import sys
from pathlib import Path

from aiohttp import web
from localstripe import resources, server

ROOT = Path(__file__).resolve().parent.parent
PICKLE = Path(os.environ.get("LOCALSTRIPE_PICKLE", ROOT / "var" / "localstripe.pickle"))


def dump_to_disk(self):
    PICKLE.parent.mkdir(parents=True, exist_ok=True)
    with open(PICKLE, "wb") as f:
        pickle.dump(self, f, protocol=pickle.HIGHEST_PROTOCOL)


def try_load_from_disk(self):
    try:
        with open(PICKLE, "rb") as f:
            old = pickle.load(f)  # noqa: S301 - our own file, written above
    except FileNotFoundError:
        return
    self.clear()
    self.update(old)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--from-scratch", action="store_true")
    args = parser.parse_args()

    resources.Store.dump_to_disk = dump_to_disk
    resources.Store.try_load_from_disk = try_load_from_disk
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    # Found only once its folder is on the path (the line above).
    import localstripe_billing
    import localstripe_compat
    import localstripe_connect
    import localstripe_disputes
    import localstripe_wallets

    localstripe_compat.apply()
    localstripe_billing.apply()
    localstripe_wallets.apply(f"http://{args.host}:{args.port}")
    localstripe_connect.apply()
    localstripe_disputes.apply()
    if not args.from_scratch:
        resources.store.try_load_from_disk()
    logging.basicConfig(level=logging.INFO)
    web.run_app(server.app, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
