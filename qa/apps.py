from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QaConfig(AppConfig):
    name = "qa"
    verbose_name = _("Questions and answers")

    def ready(self) -> None:
        # These import models: only once the app registry is ready.
        from discussions.kinds import likeable_register
        from marketplace.models import Channel
        from moderation import registry
        from qa import selectors, services
        from qa.models import Answer, Question

        # The registry hands back instances of the registered model; the callbacks
        # take Any so that they fit its signature however generic it is typed.
        def question_text(question: Any) -> str:
            return str(question.text)

        def question_author(question: Any) -> Any:
            return question.asker

        def question_channels(question: Any) -> Any:
            # A mute in the expert's channel stops questions to that expert.
            return Channel.objects.filter(creator__user_id=question.expert_id)

        def question_visible(question: Any, visible: bool) -> None:
            services.question_set_visible(question, visible)

        def question_readable(question: Any, user: Any) -> bool:
            return selectors.question_readable_by(obj=question, user=user)

        def answer_text(answer: Any) -> str:
            return str(answer.text)

        def answer_author(answer: Any) -> Any:
            return answer.question.expert

        def answer_visible(answer: Any, visible: bool) -> None:
            services.answer_set_visible(answer, visible)

        def answer_readable(answer: Any, user: Any) -> bool:
            return selectors.answer_readable_by(obj=answer, user=user)

        def url(obj: Any) -> str:
            return str(obj.get_absolute_url())

        registry.register(
            Question,
            text=question_text,
            author=question_author,
            url=url,
            set_visible=question_visible,
            channel=question_channels,
            readable_by=question_readable,
        )
        registry.register(
            Answer,
            text=answer_text,
            author=answer_author,
            url=url,
            set_visible=answer_visible,
            readable_by=answer_readable,
        )
        # Readers of an answer may like it (discussions keeps the likes).
        likeable_register(
            "answer", model_label="qa.Answer", readable_by=selectors.answer_readable_by
        )
