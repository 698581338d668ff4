"""Pages and API endpoints from the outside: access, escaping, errors as 4xx."""

import re

import pytest
from django.urls import reverse

from qa import services
from qa.models import Question
from tests.factories import UserFactory
from tests.qa.conftest import ask, fund

pytestmark = pytest.mark.django_db
XSS = "<script>alert('x')</script> how do I escape HTML?"


@pytest.fixture
def answered(asker, expert):
    question = ask(asker, expert, text=XSS)
    services.answer_submit(expert=expert, question_id=question.pk, text="<b>bold</b> answer")
    return question


def test_ask_page_shows_matching_experts_with_their_price(client, expert):
    from marketplace.models import Tag

    expert.creator_profile.topics.add(Tag.objects.create(name="Django", slug="django"))
    response = client.get(reverse("qa:ask_search"), {"q": "a Django question"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="qa-expert"' in html
    assert "Standard answer: ¥10.00" in html


def test_the_quote_page_shows_answered_questions_like_it_before_paying(
    client, answered, expert, charlie
):
    client.force_login(charlie.user)
    quote = services.quote_create(
        asker=charlie.user,
        expert=expert,
        text="How do I escape HTML in a template?",
        difficulty="standard",
        is_public=True,
    )
    html = client.get(reverse("qa:quote", args=[quote.pk])).content.decode()
    assert 'data-testid="qa-quote-similar"' in html
    assert answered.get_absolute_url() in html
    assert "Read the answer for ¥1.00" in html
    assert "<script>alert" not in html  # the other question's text, escaped

    unrelated = services.quote_create(
        asker=charlie.user,
        expert=expert,
        text="Which index suits a JSON column?",
        difficulty="standard",
        is_public=True,
    )
    html = client.get(reverse("qa:quote", args=[unrelated.pk])).content.decode()
    assert 'data-testid="qa-quote-similar"' not in html


def test_ask_form_to_quote_to_payment(client, asker, expert):
    client.force_login(asker)
    response = client.post(
        reverse("qa:ask", args=[expert.pk]),
        {"text": "How should I index a JSON column?", "difficulty": "in_depth", "is_public": "on"},
    )
    quote_url = response["Location"]
    page = client.get(quote_url).content.decode()
    assert "Difficulty factor" in page and "Pay ¥15.00 from my wallet" in page
    response = client.post(quote_url)
    question = Question.objects.get()
    assert response["Location"] == question.get_absolute_url()
    assert question.amount == 1500


def test_empty_question_is_refused_with_a_message_on_the_form(client, asker, expert):
    client.force_login(asker)
    response = client.post(reverse("qa:ask", args=[expert.pk]), {"text": "", "difficulty": "quick"})
    assert response.status_code == 200
    assert "it is empty" in response.content.decode()


def test_paying_without_money_links_to_the_wallet(client, bob, expert):
    client.force_login(bob)
    quote = services.quote_create(
        asker=bob, expert=expert, text="A real question", difficulty="quick", is_public=True
    )
    response = client.post(reverse("qa:quote", args=[quote.pk]))
    assert response.status_code == 400
    html = response.content.decode()
    assert "does not hold enough" in html and reverse("payments:wallet") in html
    assert not Question.objects.exists()


def test_user_text_is_escaped_on_pages(client, asker, expert, answered):
    client.force_login(asker)
    html = client.get(answered.get_absolute_url()).content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    client.force_login(expert)
    queue_html = client.get(reverse("qa:my_questions")).content.decode()
    assert "<script>alert" not in queue_html


def test_others_see_a_locked_answer_and_can_unlock_it(client, answered, charlie):
    client.force_login(charlie.user)
    html = client.get(answered.get_absolute_url()).content.decode()
    assert 'data-testid="qa-locked"' in html and "bold" not in html
    fund(charlie.user, 500)
    client.post(reverse("qa:unlock", args=[answered.pk]))
    html = client.get(answered.get_absolute_url()).content.decode()
    assert 'data-testid="qa-answer"' in html


def test_only_readers_of_a_paid_answer_can_like_it(client, answered, charlie):
    from discussions.models import Like

    answer = answered.answer
    client.force_login(charlie.user)
    refused = client.post(f"/api/v1/discussions/likes/answer/{answer.pk}/", {"liked": True})
    assert refused.status_code == 403
    assert "can read" in refused.json()["detail"]
    page = client.post(reverse("discussions:like", args=["answer", answer.pk]), follow=True)
    assert page.status_code == 200
    assert "Only people who can read this can like it." in page.content.decode()
    assert not Like.objects.exists()

    fund(charlie.user, 500)
    client.post(reverse("qa:unlock", args=[answered.pk]))
    liked = client.post(f"/api/v1/discussions/likes/answer/{answer.pk}/", {"liked": True})
    assert liked.status_code == 200 and liked.json() == {"liked": True, "like_count": 1}
    client.force_login(answered.asker)
    assert client.post(f"/api/v1/discussions/likes/answer/{answer.pk}/").json()["liked"] is True


def test_the_answer_page_has_a_like_button_for_readers_only(client, answered, charlie):
    answer = answered.answer
    button = f'data-testid="like-answer-{answer.pk}"'
    client.force_login(charlie.user)
    assert button not in client.get(answered.get_absolute_url()).content.decode()

    client.force_login(answered.asker)
    html = client.get(answered.get_absolute_url()).content.decode()
    assert button in html and "♡" in html
    response = client.post(
        reverse("discussions:like", args=["answer", answer.pk]),
        {"liked": "1", "next": answered.get_absolute_url()},
        follow=True,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "♥" in html
    assert f'data-testid="like-count-answer-{answer.pk}">1<' in html


def test_an_open_question_is_private_to_asker_and_expert(client, asker, expert, charlie):
    question = ask(asker, expert)
    client.force_login(charlie.user)
    assert client.get(question.get_absolute_url()).status_code == 404
    assert client.get(reverse("qa:answer", args=[question.pk])).status_code == 404
    assert (
        client.post(reverse("qa:decline", args=[question.pk]), {"reason": "x"}).status_code == 404
    )
    assert client.get(reverse("api_qa_question", args=[question.pk])).status_code == 404


def test_expert_queue_lists_open_questions_by_deadline(client, asker, expert):
    from datetime import timedelta

    from django.utils import timezone

    late = ask(asker, expert, text="Later deadline question")
    soon = ask(asker, expert, text="Sooner deadline question")
    Question.objects.filter(pk=soon.pk).update(deadline=timezone.now() + timedelta(hours=1))
    client.force_login(expert)
    html = client.get(reverse("qa:queue")).content.decode()
    assert html.index("Sooner deadline") < html.index("Later deadline")
    assert late.pk != soon.pk


def test_expert_settings_page_saves_terms(client, alice):
    client.force_login(alice.user)
    response = client.post(
        reverse("qa:expert_settings"),
        {"enabled": "on", "price": "25.00", "currency": "CNY", "answer_hours": "24"},
    )
    assert response.status_code == 302
    terms = alice.user.qa_settings
    assert (terms.enabled, terms.base_price, terms.answer_hours) == (True, 2500, 24)
    response = client.post(
        reverse("qa:expert_settings"),
        {"enabled": "on", "price": "25.00", "currency": "CNY", "answer_hours": "100"},
    )
    assert response.status_code == 200


def test_creator_page_offers_paid_questions(client, expert):
    html = client.get(expert.creator_profile.get_absolute_url()).content.decode()
    assert 'data-testid="qa-ask-creator"' in html


# --- API ------------------------------------------------------------------------------


def test_api_quote_ask_answer_rate_unlock(client, asker, expert):
    client.force_login(asker)
    quote = client.post(
        "/api/v1/qa/quotes/",
        {"expert": expert.pk, "text": XSS, "difficulty": "standard", "is_public": True},
        content_type="application/json",
    ).json()
    assert quote["amount"] == 1000 and quote["breakdown"][-1]["value"] == "¥10.00"
    response = client.post(
        "/api/v1/qa/questions/", {"quote": quote["id"]}, content_type="application/json"
    )
    assert response.status_code == 201
    question_id = response.json()["id"]
    assert response.json()["text"] == XSS  # JSON carries the text as typed, escaped by JSON

    client.force_login(expert)
    assert [q["id"] for q in client.get("/api/v1/qa/questions/?role=expert").json()] == [
        question_id
    ]
    response = client.post(f"/api/v1/qa/questions/{question_id}/answer/", {"text": "Answer"})
    assert response.json()["status"] == "answered"

    client.force_login(asker)
    response = client.post(
        f"/api/v1/qa/questions/{question_id}/rate/",
        {"rating": 5},
        content_type="application/json",
    )
    assert response.json()["rating"] == 5
    again = client.post(
        f"/api/v1/qa/questions/{question_id}/rate/",
        {"rating": 5},
        content_type="application/json",
    )
    assert again.status_code == 409 and "already rated" in str(again.json())

    reader = UserFactory()
    fund(reader, 300)
    client.force_login(reader)
    detail = client.get(f"/api/v1/qa/questions/{question_id}/").json()
    assert detail["locked"] is True and detail["answer"] is None
    unlocked = client.post(f"/api/v1/qa/questions/{question_id}/unlock/")
    assert unlocked.status_code == 201 and unlocked.json()["answer"]["text"] == "Answer"
    twice = client.post(f"/api/v1/qa/questions/{question_id}/unlock/")
    assert twice.status_code == 409


def test_api_refuses_a_changed_price_with_a_clear_message(client, asker, expert):
    client.force_login(asker)
    quote = client.post(
        "/api/v1/qa/quotes/",
        {"expert": expert.pk, "text": "Price check question", "difficulty": "quick"},
        content_type="application/json",
    ).json()
    services.expert_settings_update(
        user=expert, enabled=True, base_price=5000, currency="CNY", answer_hours=48
    )
    response = client.post(
        "/api/v1/qa/questions/", {"quote": quote["id"]}, content_type="application/json"
    )
    assert response.status_code == 409  # the price moved: a new quote may succeed
    assert "get a new quote" in response.json()["non_field_errors"][0]
    assert not Question.objects.exists()


def test_api_asking_with_a_quote_that_is_not_yours_is_a_422_naming_it(
    client, asker, expert, charlie
):
    client.force_login(asker)
    quote = client.post(
        "/api/v1/qa/quotes/",
        {"expert": expert.pk, "text": "Whose quote is this?", "difficulty": "quick"},
        content_type="application/json",
    ).json()
    client.force_login(charlie.user)
    for quote_id in (quote["id"], quote["id"] + 1000):
        response = client.post(
            "/api/v1/qa/questions/", {"quote": quote_id}, content_type="application/json"
        )
        assert response.status_code == 422, response.content
        assert "does not exist" in response.json()["quote"][0]
    assert not Question.objects.exists()


def test_api_blank_or_short_texts_are_400s_as_the_schema_says(client, asker, expert):
    client.force_login(asker)
    for text in ("      ", " ab  ", "\n\t "):
        response = client.post(
            "/api/v1/qa/quotes/",
            {"expert": expert.pk, "text": text, "difficulty": "quick"},
            content_type="application/json",
        )
        assert response.status_code == 400 and "text" in response.json(), text
    schema = client.get("/api/schema/", {"format": "json"}).json()
    pattern = schema["components"]["schemas"]["QuoteInputRequest"]["properties"]["text"]["pattern"]
    assert re.match(pattern, " abcde ") and not re.match(pattern, " abc  ")
    assert not re.match(pattern, "        ")


def test_api_search_endpoints_and_schema(client, answered, expert):
    experts = client.get("/api/v1/qa/experts/", {"q": "escape HTML"}).json()
    assert isinstance(experts, list)
    similar = client.get("/api/v1/qa/similar/", {"q": "how do I escape HTML"}).json()
    assert [s["id"] for s in similar] == [answered.pk]
    assert similar[0]["unlock_price"] == 100
    schema = client.get("/api/schema/").content.decode()
    for path in ("/api/v1/qa/quotes/", "/api/v1/qa/questions/{id}/unlock/", "/api/v1/qa/similar/"):
        assert path in schema


@pytest.fixture
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "public")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "public")},
        },
        "content_private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }
    return tmp_path


def test_answer_files_are_private_and_served_only_to_readers(
    client, private_media, asker, expert, charlie
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    question = ask(asker, expert)
    services.answer_submit(
        expert=expert,
        question_id=question.pk,
        text="See the notes.",
        attachment=SimpleUploadedFile("my-notes.pdf", b"%PDF-1.4 paid notes"),
        audio=SimpleUploadedFile("voice.mp3", b"ID3" + b"\x00" * 64),
    )
    answer = question.answer
    answer.refresh_from_db()
    # Outside the public media folder, under a random name.
    assert not list((private_media / "public").rglob("*"))
    assert "my-notes" not in answer.attachment.name
    attachment_url = reverse("qa:answer_file", args=[question.pk, "attachment"])
    audio_url = reverse("qa:answer_file", args=[question.pk, "audio"])

    assert client.get(attachment_url).status_code == 404  # a visitor
    client.force_login(charlie.user)
    assert client.get(attachment_url).status_code == 404
    assert client.get(audio_url).status_code == 404
    api = client.get(f"/api/v1/qa/questions/{question.pk}/").json()
    assert api["answer"] is None

    client.force_login(asker)
    page = client.get(question.get_absolute_url()).content.decode()
    assert attachment_url in page and audio_url in page
    assert answer.attachment.name not in page
    response = client.get(attachment_url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 paid notes"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    audio = client.get(audio_url)
    assert audio.status_code == 200 and audio["Content-Type"] == "audio/mpeg"
    assert client.get(reverse("qa:answer_file", args=[question.pk, "other"])).status_code == 404
    api = client.get(f"/api/v1/qa/questions/{question.pk}/").json()
    assert api["answer"]["attachment"].endswith(attachment_url)

    fund(charlie.user, 500)
    client.force_login(charlie.user)
    client.post(reverse("qa:unlock", args=[question.pk]))
    assert client.get(attachment_url).status_code == 200


def test_notifications_are_in_the_recipients_language(client, asker, expert):
    from django.utils import translation

    from accounts.models import Notification

    expert.preferred_language = "zh-hans"
    expert.save(update_fields=["preferred_language"])
    with translation.override("en"):  # the asker browses in English
        question = ask(asker, expert)
    note = Notification.objects.get(user=expert, key=f"qa:received:{question.pk}")
    with translation.override("zh-hans"):
        template = translation.gettext(
            "New paid question (%(price)s, answer by %(deadline)s): %(text)s"
        )
    assert template != "New paid question (%(price)s, answer by %(deadline)s): %(text)s"
    assert note.text.startswith(template.split("%")[0])  # "新的付费提问（"

    with translation.override("zh-hans"):  # the expert answers in Chinese
        services.answer_submit(expert=expert, question_id=question.pk, text="用 django-silk 看看")
    answered = Notification.objects.get(user=asker, key=f"qa:answered:{question.pk}")
    assert answered.text.startswith("Your question was answered")
