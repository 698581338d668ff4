from django import template

from core.money import format_money

register = template.Library()


@register.filter(name="money")
def money_filter(amount_minor: int | None, currency: str) -> str:
    """`{{ tier.price_amount|money:tier.currency }}` -> `¥9.90`."""
    if amount_minor is None:
        return ""
    return format_money(int(amount_minor), currency)
