"""Paid-question pages: find an expert, get a quote, pay, answer, rate, unlock."""

import mimetypes
import os

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from core.forms import apply_service_errors
from core.money import format_money, to_major_units
from core.uploads import uploaded_file_headers
from core.views import form_page
from discussions import selectors as like_selectors
from qa import selectors, services
from qa.forms import AnswerForm, AskForm, DeclineForm, ExpertSettingsForm, RateForm, SearchForm
from qa.models import Answer, Difficulty, Question, Quote


def _error_messages(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _is_insufficient(exc: ValidationError) -> bool:
    return getattr(exc, "code", None) == "insufficient_funds" or any(
        getattr(e, "code", None) == "insufficient_funds" for e in getattr(exc, "error_list", [])
    )


def ask_search(request):
    """Type a question: the experts who match it, with quotes, and answers already given."""
    form = SearchForm(request.GET or None)
    text = form.data.get("q", "").strip() if form.is_bound and form.is_valid() else ""
    experts, similar = [], []
    if text:
        for terms, score in selectors.experts_search(text=text, exclude=request.user):
            price = services.price_for(
                expert=terms.user, terms=terms, difficulty=Difficulty.STANDARD, text=text
            )
            experts.append({"terms": terms, "score": score, "price": price})
        similar = selectors.questions_similar(text=text)
    return render(
        request,
        "qa/ask_search.html",
        {
            "form": form,
            "text": text,
            "experts": experts,
            "similar": similar,
            "unlock_price": settings.QA_UNLOCK_PRICE,
        },
    )


@login_required
def ask(request, expert_id: int):
    expert = get_object_or_404(User, pk=expert_id)
    terms = selectors.expert_settings_enabled(user=expert)
    if terms is None:
        messages.error(request, _("This expert does not take paid questions at the moment."))
        return redirect("qa:ask_search")
    form = AskForm(
        request.POST if request.method == "POST" else None,
        initial={"text": request.GET.get("q", "")},
    )
    return form_page(
        request,
        form,
        lambda data: services.quote_create(
            asker=request.user,
            expert=expert,
            text=data["text"],
            difficulty=data["difficulty"],
            is_public=data["is_public"],
        ),
        then=lambda quote: redirect("qa:quote", pk=quote.pk),
        template="qa/ask.html",
        context=lambda: {"expert": expert, "terms": terms},
    )


@login_required
def quote(request, pk: int):
    quote = get_object_or_404(Quote, pk=pk, asker=request.user)
    if request.method == "POST":
        try:
            question = services.question_ask(
                asker=request.user,
                quote_id=quote.pk,
                coupon_code=request.POST.get("coupon", "").strip(),
            )
        except ValidationError as exc:
            _error_messages(request, exc)
            return render(
                request,
                "qa/quote.html",
                {
                    **_quote_context(quote),
                    "top_up_url": reverse("payments:wallet") if _is_insufficient(exc) else "",
                },
                status=400,
            )
        if question.status == Question.Status.HELD:
            messages.info(
                request,
                _(
                    "Paid: the money waits in escrow while a moderator checks your "
                    "question. You get it all back if it is not accepted."
                ),
            )
        else:
            messages.success(
                request,
                _("Paid %(price)s. Your question was sent; you get it back if it is not answered.")
                % {"price": format_money(question.amount, question.currency)},
            )
        return redirect(question.get_absolute_url())
    return render(request, "qa/quote.html", {**_quote_context(quote), "top_up_url": ""})


def _quote_context(quote: Quote) -> dict:
    """The quote, and answered questions like it: the last chance not to pay twice."""
    return {
        "quote": quote,
        "similar": selectors.questions_similar(text=quote.text, limit=5),
        "unlock_price": settings.QA_UNLOCK_PRICE,
    }


@login_required
def my_questions(request):
    page = Paginator(selectors.questions_asked(user=request.user), 20).get_page(
        request.GET.get("page")
    )
    return render(request, "qa/my_questions.html", {"page": page})


def question_detail(request, pk: int):
    question = selectors.question_get_for_user(user=request.user, pk=pk)
    can_read = selectors.can_read_answer(user=request.user, question=question)
    answer = getattr(question, "answer", None)
    if answer is not None and not answer.is_visible and request.user.pk != question.expert_id:
        answer = None
    is_asker = request.user.is_authenticated and request.user.pk == question.asker_id
    shown = answer if can_read else None
    return render(
        request,
        "qa/question_detail.html",
        {
            "question": question,
            "answer": shown,
            "answer_liked": shown is not None
            and bool(like_selectors.liked_ids(user=request.user, model=Answer, ids=[shown.pk])),
            "answer_likes": like_selectors.like_count(shown) if shown is not None else 0,
            "locked": not can_read and question.status == Question.Status.ANSWERED,
            "is_asker": is_asker,
            "can_rate": is_asker
            and question.status == Question.Status.ANSWERED
            and question.rating is None,
            "rate_form": RateForm(),
            "unlock_price": settings.QA_UNLOCK_PRICE,
        },
    )


@login_required
def answer(request, pk: int):
    question = get_object_or_404(Question, pk=pk, expert=request.user)
    form = AnswerForm()
    if request.method == "POST":
        form = AnswerForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                question = services.answer_submit(
                    expert=request.user,
                    question_id=question.pk,
                    text=form.cleaned_data["text"],
                    attachment=form.cleaned_data.get("attachment"),
                    audio=form.cleaned_data.get("audio"),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                if question.status == Question.Status.ANSWERED:
                    messages.success(request, _("Answer sent; the payment is in your earnings."))
                else:
                    messages.info(
                        request, _("Answer received; a moderator checks it before it is paid.")
                    )
                return redirect("qa:queue")
    return render(
        request,
        "qa/answer.html",
        {"question": question, "form": form, "decline_form": DeclineForm()},
    )


@login_required
@require_POST
def decline(request, pk: int):
    question = get_object_or_404(Question, pk=pk, expert=request.user)
    form = DeclineForm(request.POST)
    form.is_valid()
    try:
        services.question_decline(
            expert=request.user,
            question_id=question.pk,
            reason=form.cleaned_data.get("reason", ""),
        )
    except ValidationError as exc:
        _error_messages(request, exc)
        return redirect("qa:answer", pk=question.pk)
    messages.success(request, _("Declined; the asker was refunded in full."))
    return redirect("qa:queue")


@login_required
@require_POST
def rate(request, pk: int):
    form = RateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Rate from 1 to 5 stars."))
        return redirect("qa:question_detail", pk=pk)
    try:
        services.question_rate(
            asker=request.user,
            question_id=pk,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
        )
    except ValidationError as exc:
        _error_messages(request, exc)
    except Question.DoesNotExist:
        messages.error(request, _("This question does not exist."))
    else:
        messages.success(request, _("Thank you for rating the answer."))
    return redirect("qa:question_detail", pk=pk)


@login_required
@require_POST
def unlock(request, pk: int):
    question = selectors.question_get_for_user(user=request.user, pk=pk)
    try:
        services.answer_unlock(user=request.user, question_id=question.pk)
    except ValidationError as exc:
        _error_messages(request, exc)
        if _is_insufficient(exc):
            return redirect("payments:wallet")
    else:
        messages.success(request, _("Unlocked: the answer is yours to read."))
    return redirect(question.get_absolute_url())


@login_required
def queue(request):
    return render(
        request,
        "qa/queue.html",
        {
            "questions": selectors.expert_queue(user=request.user),
            "history": selectors.expert_history(user=request.user)[:20],
            "terms": selectors.expert_settings_get(user=request.user),
        },
    )


@login_required
def expert_settings(request):
    terms = selectors.expert_settings_get(user=request.user)
    initial = {
        "enabled": terms.enabled if terms else False,
        "price": to_major_units(terms.base_price, terms.currency) if terms else 10,
        "currency": terms.currency if terms else settings.MARKETPLACE_DEFAULT_CURRENCY,
        "answer_hours": terms.answer_hours if terms else settings.QA_DEFAULT_ANSWER_HOURS,
    }
    form = ExpertSettingsForm(request.POST if request.method == "POST" else None, initial=initial)
    return form_page(
        request,
        form,
        lambda data: services.expert_settings_update(
            user=request.user,
            enabled=data["enabled"],
            base_price=data["base_price"],
            currency=data["currency"],
            answer_hours=data["answer_hours"],
        ),
        done=_("Your paid-question settings were saved."),
        then="qa:queue",
        template="qa/expert_settings.html",
        context=lambda: {"terms": terms},
    )


AUDIO_TYPES = {
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".ogg": "audio/ogg",
    ".wav": "audio/wav",
    ".webm": "audio/webm",
}


def answer_file(request, pk: int, kind: str):
    """An answer's attachment (a download) or audio (played inline), only for readers
    of the answer: its asker, its expert and those who unlocked it."""
    answer, stored = selectors.answer_file_get_for_user(
        user=request.user, question_pk=pk, kind=kind
    )
    name = stored.name or ""  # answer_file_get_for_user refuses an empty file
    storage = storages[settings.CONTENT_PRIVATE_STORAGE]
    if getattr(storage, "querystring_auth", False):
        return HttpResponseRedirect(storage.url(name))  # short-lived, presigned
    try:
        handle = storage.open(name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    ext = os.path.splitext(name)[1].lower()
    if kind == "audio":
        response = FileResponse(
            handle, content_type=AUDIO_TYPES.get(ext, "application/octet-stream")
        )
    else:
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=f"answer-{answer.question_id}{ext}",
            content_type=mimetypes.guess_type(f"x{ext}")[0] or "application/octet-stream",
        )
    return uploaded_file_headers(response)
