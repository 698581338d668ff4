"""The help centre's pages and support tickets (the widget itself talks to the API)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from assistant import selectors
from assistant.models import HelpArticle
from assistant.services import support


def help_centre(request):
    articles = HelpArticle.objects.filter(is_published=True)
    return render(request, "assistant/help_centre.html", {"articles": articles})


def help_article(request, slug: str):
    article = get_object_or_404(HelpArticle, slug=slug, is_published=True)
    return render(request, "assistant/help_article.html", {"article": article})


@login_required
def tickets(request):
    return render(
        request, "assistant/tickets.html", {"tickets": selectors.tickets_of(user=request.user)}
    )


@login_required
def ticket_new(request):
    subject = request.POST.get("subject", request.GET.get("q", ""))
    body = request.POST.get("body", "")
    if request.method == "POST":
        try:
            support.ticket_open(user=request.user, subject=subject, body=body)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("Your ticket is open: support will reply by e-mail and here.")
            )
            return redirect("assistant:tickets")
    return render(request, "assistant/ticket_new.html", {"subject": subject[:200], "body": body})
