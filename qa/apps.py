from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QaConfig(AppConfig):
    name = "qa"
    verbose_name = _("Questions and answers")

    def ready(self) -> None:
        # These import models: only once the app registry is ready.
        from marketplace.models import Channel
        from moderation import registry
        from qa import selectors, services
        from qa.models import Answer, Question

        registry.register(
            Question,
            text=lambda q: q.text,
            author=lambda q: q.asker,
            url=lambda q: q.get_absolute_url(),
            set_visible=services.question_set_visible,
            # A mute in the expert's channel stops questions to that expert.
            channel=lambda q: Channel.objects.filter(creator__user_id=q.expert_id),
            readable_by=lambda question, user: selectors.question_readable_by(
                obj=question, user=user
            ),
        )
        registry.register(
            Answer,
            text=lambda a: a.text,
            author=lambda a: a.question.expert,
            url=lambda a: a.get_absolute_url(),
            set_visible=services.answer_set_visible,
            readable_by=lambda answer, user: selectors.answer_readable_by(obj=answer, user=user),
        )
