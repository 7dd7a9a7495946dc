"""Where card data was said, the players are silent (offscreen Qt, the real player over a real recording and a
real database): the review's player, from a quarter second before the redacted words to one after, as exported
clips hide it."""

from __future__ import annotations

from qa_desktop.app.main_window import MainWindow
from qa_desktop.storage.models import Call
from tests.support.demo import demo_file
from tests.support.stored_calls import stored_call

SAID = ["Can I take the card number?", "It is [card number].", "And the code on the back?", "[security code]."]


def test_the_review_plays_card_data_silent_and_the_rest_aloud(qtbot, db):
    call = stored_call("Maria Lopez", "Billing", "2026-11-02T09:00", 100, (70, 60, 80), False, {}, SAID)
    Call.update(path=str(demo_file("good"))).where(Call.id == call.id).execute()  # a real recording to load
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show()
    window.table.selectRow(window.calls.row_of(call.id))
    player = window.review.player
    heard = {}
    for moment in (0.5, 0.8, 1.5, 2.2, 2.5, 3.5, 4.5):  # utterance i runs from i to i + 1 s
        player.seek(moment)
        heard[moment] = not player.output.isMuted()
    assert heard == {0.5: True, 0.8: False, 1.5: False, 2.2: False, 2.5: True, 3.5: False, 4.5: True}
    window.review.open_call(call.id)  # opened again: it starts aloud, at 0:00
    assert not player.output.isMuted()
