"""Input parsing for the catalogue and the creator studio.

Forms parse and check the shape of input; the services own the rules and the writes.
The shared pieces (price fields, `apply_service_errors`) are in core.forms.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.forms import PricedForm, PriceField, currency_choices
from core.money import to_minor_units
from marketplace.models import Category, Channel, Course, Language, PublicationStatus, Tag
from marketplace.selectors import CatalogueFilters

if TYPE_CHECKING:  # a dev-only package (django-stubs)
    from django_stubs_ext import StrOrPromise

TAG_SEPARATORS = re.compile(r"[,，、;；]")


def parse_tags(text: str) -> list[str]:
    return [part.strip() for part in TAG_SEPARATORS.split(text or "") if part.strip()]


class TagsField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 400)
        kwargs.setdefault("help_text", _("Separate tags with commas, e.g. Python, 理财"))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return value

    def clean(self, value):
        names = parse_tags(super().clean(value))
        if any(len(name) > 40 for name in names):
            raise ValidationError(_("Each tag can have at most 40 characters."))
        if len(names) > 10:
            raise ValidationError(_("Use at most 10 tags."))
        return names


# --- catalogue -------------------------------------------------------------------


def _by_slug(
    model: type[Category] | type[Tag], slug: str, missing: StrOrPromise
) -> Category | Tag | None:
    """The filter's category or tag named by `slug` (None: no filter), else `missing`."""
    if not slug:
        return None
    found = model.objects.filter(slug=slug).first()
    if found is None:
        raise ValidationError(missing)
    return found


class CatalogueFilterForm(forms.Form):
    KIND_CHOICES = [("channels", _("Channels")), ("courses", _("Courses"))]
    ORDERING_CHOICES = [
        ("newest", _("Newest")),
        ("price_low", _("Price: low to high")),
        ("price_high", _("Price: high to low")),
        ("title", _("Title")),
    ]
    PRICE_CHOICES = [("", _("Any price")), ("free", _("Free")), ("paid", _("Paid"))]

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(choices=KIND_CHOICES, required=False)
    category = forms.SlugField(required=False)
    tag = forms.CharField(required=False, max_length=60)
    price = forms.ChoiceField(label=_("Price"), choices=PRICE_CHOICES, required=False)
    currency = forms.ChoiceField(label=_("Currency"), choices=currency_choices, required=False)
    min_price = PriceField(label=_("Min price"), required=False)
    max_price = PriceField(label=_("Max price"), required=False)
    language = forms.ChoiceField(
        label=_("Language"), choices=[("", _("Any language")), *Language.choices], required=False
    )
    ordering = forms.ChoiceField(label=_("Sort by"), choices=ORDERING_CHOICES, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")  # the sidebar's other labels have no colon
        super().__init__(*args, **kwargs)

    def clean_category(self):
        return _by_slug(Category, self.cleaned_data["category"], _("There is no such category."))

    def clean_tag(self):
        return _by_slug(Tag, self.cleaned_data["tag"], _("There is no such tag."))

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        currency = cleaned.get("currency") or settings.MARKETPLACE_DEFAULT_CURRENCY
        cleaned["currency"] = currency
        for name in ("min_price", "max_price"):
            value = cleaned.get(name)
            cleaned[name] = None if value is None else to_minor_units(value, currency)
        low, high = cleaned.get("min_price"), cleaned.get("max_price")
        if low is not None and high is not None and low > high:
            self.add_error("max_price", _("The maximum price is below the minimum."))
        return cleaned

    def to_filters(self) -> CatalogueFilters:
        """The valid part of the query; invalid fields are left out (and shown)."""
        data = {
            name: value
            for name, value in getattr(self, "cleaned_data", {}).items()
            if name not in self.errors
        }
        return CatalogueFilters(
            q=(data.get("q") or "").strip(),
            category=data.get("category"),
            tag=data.get("tag"),
            price=data.get("price") or "",
            currency=data.get("currency") or settings.MARKETPLACE_DEFAULT_CURRENCY,
            min_price=data.get("min_price"),
            max_price=data.get("max_price"),
            language=data.get("language") or "",
            ordering=data.get("ordering") or "newest",
        )

    @property
    def kind_value(self) -> str:
        return getattr(self, "cleaned_data", {}).get("kind") or "channels"


# --- creator studio --------------------------------------------------------------


class CreatorProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=60)
    headline = forms.CharField(
        label=_("Headline"),
        max_length=120,
        required=False,
        help_text=_("One line about what you know, e.g. “Quant researcher, 10 years”."),
    )
    bio = forms.CharField(label=_("Bio"), max_length=3000, required=False, widget=forms.Textarea)
    topics = TagsField(label=_("Topics"))


STATUS_CHOICES = [
    (PublicationStatus.DRAFT, _("Draft: only you can see it")),
    (PublicationStatus.PUBLISHED, _("Published: listed in the catalogue")),
]


class ListingForm(forms.Form):
    """What channels and courses share; each form says where its own fields go."""

    title = forms.CharField(label=_("Title"), max_length=120)
    slug = forms.SlugField(
        label=_("Web address"),
        max_length=80,
        required=False,
        help_text=_("Letters, numbers and hyphens. Leave empty to make one from the title."),
    )
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.all())
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    tags = TagsField(label=_("Tags"))
    status = forms.ChoiceField(
        label=_("Visibility"), choices=STATUS_CHOICES, widget=forms.RadioSelect
    )


class ChannelForm(ListingForm):
    field_order = (
        "title",
        "slug",
        "tagline",
        "description",
        "category",
        "language",
        "tags",
        "status",
    )
    tagline = forms.CharField(label=_("Tagline"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Description"), max_length=5000, required=False, widget=forms.Textarea
    )


class TierForm(PricedForm):
    name = forms.CharField(label=_("Name"), max_length=60)
    price = PriceField(
        label=_("Monthly price"),
        min_value=Decimal("0.01"),
        help_text=_("In the currency below, e.g. 30 or 9.90."),
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=currency_choices)
    benefits = forms.CharField(
        label=_("Benefits"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What subscribers get, one per line."),
    )
    is_active = forms.BooleanField(label=_("On sale"), required=False, initial=True)


class CourseForm(ListingForm, PricedForm):
    field_order = (
        "channel",
        "title",
        "slug",
        "summary",
        "description",
        "category",
        "level",
        "language",
        "price",
        "currency",
        "tags",
        "status",
    )
    channel: forms.ModelChoiceField[Channel] = forms.ModelChoiceField(
        label=_("Channel"),
        queryset=Channel.objects.none(),  # the creator's: set in __init__
    )
    summary = forms.CharField(label=_("Summary"), max_length=300, required=False)
    description = forms.CharField(
        label=_("Description"), max_length=10000, required=False, widget=forms.Textarea
    )
    level = forms.ChoiceField(label=_("Level"), choices=Course.Level.choices)
    price = PriceField(label=_("Price"), help_text=_("0 makes the course free."))
    currency = forms.ChoiceField(label=_("Currency"), choices=currency_choices)

    def __init__(self, *args, channels, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the creator's own channels can be chosen: another creator's id is
        # refused as an invalid choice.
        cast(forms.ModelChoiceField, self.fields["channel"]).queryset = channels
