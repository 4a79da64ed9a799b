"""What an inbound reply asks the follow-ups layer, without importing it (notifications sits
below followups): to take a customer's answer to the satisfaction question (R9.1). The default
takes nothing, so the reply waits in the advisor's inbox as any other; the follow-ups app
registers the real taker in its AppConfig.ready()."""

from datetime import datetime

from dealerships.models import Dealership
from notifications.models import OutboxMessage, ReplyOutcome


class SatisfactionAnswers:
    """No follow-ups installed: no answer is taken."""

    def record(
        self,
        *,
        dealership: Dealership,
        message: OutboxMessage,
        score: int,
        comment: str,
        now: datetime,
    ) -> ReplyOutcome | None:
        """Record the score and comment answering `message` (the dealership's satisfaction
        question): the reply's outcome (answered, or answered with a concern for the advisor),
        or None when it is not taken (the visit is rated already, or the question is about no
        visit)."""
        return None


_answers: list[SatisfactionAnswers] = [SatisfactionAnswers()]


def register(answers: SatisfactionAnswers) -> None:
    """Install the taker of the answers (the follow-ups app's AppConfig.ready())."""
    _answers[0] = answers


def answers() -> SatisfactionAnswers:
    return _answers[0]
