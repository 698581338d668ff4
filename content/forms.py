from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from content.models import Access, Section
from marketplace.models import Channel, Course, SubscriptionTier


class ItemForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=160)
    slug = forms.SlugField(label=_("Address"), max_length=80, required=False)
    summary = forms.CharField(
        label=_("Summary (meta description, shown to everyone)"), max_length=300, required=False
    )
    body = forms.CharField(
        label=_("Body (Markdown)"),
        required=False,
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 20, "class": "markdown-editor"}),
        help_text=_(
            "Put &lt;!-- more --&gt; or ---paywall--- on its own line to end the free preview. "
            "Embed a replay with [[replay:ID]]."
        ),
    )
    access = forms.ChoiceField(label=_("Who may read it"), choices=Access.choices)
    required_tier = forms.ModelChoiceField(
        label=_("Required tier"), queryset=SubscriptionTier.objects.none(), required=False
    )

    def __init__(
        self,
        *args: Any,
        channel: Channel,
        kind: str,
        course: Course | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        tier = cast(forms.ModelChoiceField, self.fields["required_tier"])
        tier.queryset = SubscriptionTier.objects.filter(channel=channel)
        if kind == "article":
            access = cast(forms.ChoiceField, self.fields["access"])
            access.choices = [c for c in Access.choices if c[0] != Access.TICKET]
        else:
            self.fields["section"] = forms.ModelChoiceField(
                label=_("Section"), queryset=Section.objects.filter(course=course), required=False
            )


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("image", _("Image")), ("attachment", _("Attachment"))]
    )
    file = forms.FileField(label=_("File"), max_length=255, allow_empty_file=False)


class ScheduleForm(forms.Form):
    publish_at = forms.DateTimeField(
        label=_("Publish at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class SectionForm(forms.Form):
    title = forms.CharField(label=_("Section title"), max_length=120)
