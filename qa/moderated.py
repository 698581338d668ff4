"""How moderation reads and switches paid questions and answers, and who may like an
answer: registered from QaConfig.ready (moderation and discussions never import qa)."""

from discussions.kinds import likeable_register
from marketplace.models import Channel
from moderation import registry
from qa import selectors, services
from qa.models import Answer, Question


def register() -> None:
    registry.register(
        Question,
        text=lambda question: question.text,
        author=lambda question: question.asker,
        url=lambda question: question.get_absolute_url(),
        set_visible=services.question_set_visible,
        # A mute in the expert's channel stops questions to that expert.
        channel=lambda question: Channel.objects.filter(creator__user_id=question.expert_id),
        readable_by=lambda question, user: selectors.question_readable_by(obj=question, user=user),
    )
    registry.register(
        Answer,
        text=lambda answer: answer.text,
        author=lambda answer: answer.question.expert,
        url=lambda answer: answer.get_absolute_url(),
        set_visible=services.answer_set_visible,
        readable_by=lambda answer, user: selectors.answer_readable_by(obj=answer, user=user),
    )
    # Readers of an answer may like it (discussions keeps the likes).
    likeable_register("answer", model_label="qa.Answer", readable_by=selectors.answer_readable_by)
