from django.db import models
from django.utils.translation import gettext_lazy as _


class BlockedTerm(models.Model):
    """A word or phrase screening acts on, edited by moderators in the admin.

    Whole-word mode suits Latin scripts ("ass" must not catch "class"); substring
    mode suits Chinese, which has no spaces between words, and fragments of URLs.
    """

    class Mode(models.TextChoices):
        WORD = "word", _("Whole word")
        SUBSTRING = "substring", _("Anywhere in the text")

    class Action(models.TextChoices):
        HOLD = "hold", _("Hold for review")
        REFUSE = "refuse", _("Refuse")

    term = models.CharField(_("term"), max_length=100)
    mode = models.CharField(_("match"), max_length=10, choices=Mode.choices, default=Mode.WORD)
    action = models.CharField(
        _("action"), max_length=10, choices=Action.choices, default=Action.HOLD
    )
    note = models.CharField(_("why (for moderators)"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("term",)
        constraints = [
            models.UniqueConstraint(fields=["term", "mode"], name="blocked_term_once_per_mode")
        ]
        verbose_name = _("blocked term")
        verbose_name_plural = _("blocked terms")

    def __str__(self):
        return self.term
