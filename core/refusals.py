"""Refusals of well-formed requests, told apart from bad input.

Services raise Django's ValidationError for everything a person must change before
trying again. Two kinds of it are not bad input but a rule saying no to a request
that was well formed, and the API answers them with their own status (README "API",
core/api_errors.py); forms and pages show them as any ValidationError:

- `Conflict` (409): the request clashes with the current state of things, and the
  same request may succeed once that changes: not enough money in the wallet, an
  address or a code already taken, something already bought, rated, unlocked,
  refunded or decided.
- `Refused` (422): a rule refuses what was asked whatever the state: tipping or
  subscribing to oneself, buying what is not for sale.
"""

from django.core.exceptions import ValidationError


class Conflict(ValidationError):
    status_code = 409


class Refused(ValidationError):
    status_code = 422
