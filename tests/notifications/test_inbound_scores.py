"""R9.1: what a reply to the satisfaction question scores (no database): a digit from 1 to 5
first, the rest the comment."""

import pytest

from notifications.replies import SatisfactionScore, reply_score


@pytest.mark.parametrize(
    ("body", "score", "comment"),
    [
        ("5", 5, ""),
        (" 5 great service ", 5, "great service"),
        ("4/5", 4, ""),
        ("4 / 5 very kind", 4, "very kind"),
        ("3 - ok", 3, "ok"),
        ("2, waited an hour", 2, "waited an hour"),
        ("1 car still dirty", 1, "car still dirty"),
        ("４ 很好", 4, "很好"),  # a full-width digit, as Chinese phones may type it
        ("5!\nThank you", 5, "Thank you"),
    ],
)
def test_r9_1_a_reply_starting_with_a_score_is_read_as_score_and_comment(body, score, comment):
    assert reply_score(body) == SatisfactionScore(score=score, comment=comment)


@pytest.mark.parametrize("body", ["", "hello", "0", "6 wow", "10", "3.5", "4/10", "★★★★", "five"])
def test_r9_1_anything_else_is_no_score(body):
    assert reply_score(body) is None
