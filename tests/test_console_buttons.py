"""The console's numbered buttons and its line editing, as a person at the terminal meets them.

Numbers grow across the session, so each belongs to one button of one message; only the buttons of the
latest message with buttons are pressed by their number. An older number presses nothing and says which
message it was on. At a terminal, lines are edited with readline and kept in a history file.
"""

from __future__ import annotations

import io
import stat
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import select

from bot.app import App
from bot.console import ConsoleSession, ensure_console_identity, run_chat
from bot.console_input import LineReader, Numbering, history_path, start_history
from bot.demo import DEMO_PARTNER_EMAIL, load_demo
from domain.leads.models import Lead
from handlers.model import Button, Message
from tests.chat import Clock
from tests.conftest import make_app


@pytest_asyncio.fixture
async def demo(sqlite_url: str, clock: Clock) -> AsyncIterator[App]:
    """The demo program: Ana (the console's demo partner) has lead L-1001 offered to her."""
    application = make_app(sqlite_url, clock)
    await load_demo(application)
    yield application
    await application.close()


async def chat(app: App, *lines: str) -> str:
    """A scripted session, as `partnerbot chat` runs with stdin from a pipe: what the terminal shows."""
    out = io.StringIO()
    await run_chat(app, DEMO_PARTNER_EMAIL, stdin=io.StringIO("".join(f"{line}\n" for line in lines)), out=out)
    return out.getvalue()


async def lead(app: App, external_id: str = "L-1001") -> Lead:
    async with app.uow.reader() as work:
        return (await work.session.scalars(select(Lead).where(Lead.external_id == external_id))).one()


def after(shown: str, line: str) -> str:
    """What the terminal showed in answer to one typed line (up to the next one)."""
    return shown.split(f"> {line}\n", 1)[1].split("\n> ", 1)[0]


async def test_the_number_of_the_latest_messages_button_presses_it(demo: App) -> None:
    shown = await chat(demo, "/leads", "1")
    assert "[1] Claim L-1001" in after(shown, "/leads")
    assert "Lead L-1001 is yours" in after(shown, "1")
    claimed = await lead(demo)
    assert claimed.status != "offered" and claimed.holder_person_id is not None


async def test_an_old_number_says_which_message_it_was_on_and_presses_nothing(demo: App) -> None:
    shown = await chat(demo, "/leads", "how do i regster a deal", "1")
    answers = after(shown, "how do i regster a deal")
    assert "[2] Read 1" in answers and "[1]" not in answers, "numbers grow: the answers' buttons start at 2"
    said = after(shown, "1")
    assert "[1] was on an earlier message, “Your open leads”; nothing was pressed." in said
    assert "Only the buttons of the latest message can be pressed: [2] Read 1, [3] Read 2" in said
    offered = await lead(demo)
    assert offered.status == "offered" and offered.holder_person_id is None


async def test_the_latest_buttons_stay_pressable_after_a_reply_without_buttons(demo: App) -> None:
    """Read an article (no buttons), then the next Read by its number: the answers are still the latest
    message with buttons."""
    shown = await chat(demo, "how do i regster a deal", "2", "1")
    assert "nothing was pressed" not in shown
    assert after(shown, "2").count("(Opening the article…)") == 1
    assert after(shown, "1").count("(Opening the article…)") == 1


async def test_a_number_no_message_showed_says_so(demo: App) -> None:
    shown = await chat(demo, "/help", "5")
    said = after(shown, "5")
    assert "There is no button [5]; nothing was pressed. No button can be pressed now." in said
    assert "Answers for" not in said, "not a knowledge-base search for “5”"


async def test_a_button_taken_off_by_an_edit_is_no_longer_pressable(demo: App) -> None:
    email = await ensure_console_identity(demo, DEMO_PARTNER_EMAIL)
    out = io.StringIO()
    session = ConsoleSession(demo, email, out)
    mid = session.show(Message(title="Lead L-2002 offered", buttons=[Button("Claim L-2002", "lead.claim", "L-2002")]))
    session.show(Message(title="Lead L-2002 — closed", text="Another partner claimed it."), label="x", message_id=mid)
    await session.handle_line("1")
    assert "([1] is no longer on “Lead L-2002 offered”; nothing was pressed. No button can be pressed now.)" in (
        out.getvalue()
    )


async def test_a_push_is_the_latest_message_too(demo: App) -> None:
    email = await ensure_console_identity(demo, DEMO_PARTNER_EMAIL)
    out = io.StringIO()
    session = ConsoleSession(demo, email, out)
    await session.handle_line("/leads")
    await session.transport.send(email, Message(title="Reminder", buttons=[Button("Snooze", "x.snooze", "1")]))
    assert "[2] Snooze" in out.getvalue()
    await session.handle_line("1")
    assert "[1] was on an earlier message, “Your open leads”" in out.getvalue()
    assert "can be pressed: [2] Snooze." in out.getvalue()
    assert (await lead(demo)).status == "offered"


async def test_a_number_typed_into_a_form_is_its_answer_not_a_button(demo: App) -> None:
    """The knowledge-base answers' buttons [1]…[6] are the latest buttons; the deal form asks an amount."""
    steps = ["/deal", "Acme Widgets", "acme-widgets.example", "Jo Doe", "jo@acme-widgets.example", "5"]
    shown = await chat(demo, "how do i regster a deal", *steps)
    assert "Deal amount: 5 — noted." in after(shown, "5")
    assert "nothing was pressed" not in shown and "Opening the article" not in shown


async def test_the_old_number_answer_is_in_the_persons_language(demo: App) -> None:
    shown = await chat(demo, "/lang de", "/leads", "/help", "how do i regster a deal", "1")
    assert "gehörte zu einer früheren Nachricht" in after(shown, "1")


def test_an_edit_keeps_the_numbers_of_the_buttons_it_keeps() -> None:
    numbering = Numbering()
    read, helpful = Button("Read 1", "kb.article", "a"), Button("Helpful", "kb.helpful", "a")
    first = Message(title="Answers", buttons=[read, helpful])
    numbering.record("1", first, numbering.assign("1", first))
    edited = Message(title="Answers", buttons=[read, Button("Thanks", "kb.noop")])
    assert numbering.assign("1", edited) == [1, 3]


@pytest.fixture
def readline_history() -> Iterator[object]:
    editor = pytest.importorskip("readline")
    editor.clear_history()
    yield editor
    editor.clear_history()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


async def test_at_a_terminal_lines_are_edited_and_kept_in_the_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, readline_history: object
) -> None:
    import readline

    stdin, out = Terminal(), Terminal()
    monkeypatch.setattr(sys, "stdin", stdin)
    monkeypatch.setattr(sys, "stdout", out)
    typed = iter(["/leads", "1"])

    def edited(prompt: str) -> str:  # input() at a terminal: readline edits the line, adds it to the history
        line = next(typed, None)
        if line is None:
            raise EOFError
        readline.add_history(line)
        return line

    monkeypatch.setattr("builtins.input", edited)
    path = tmp_path / "state" / "partnerbot" / "history"
    reader = LineReader(stdin, out, interactive=True, history=path)
    assert reader.editing
    assert [await reader.read(), await reader.read(), await reader.read()] == ["/leads", "1", None]
    reader.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600, "what was typed is readable by its owner only"

    readline.clear_history()
    LineReader(stdin, out, interactive=True, history=path)  # the next session starts with these lines
    assert [readline.get_history_item(i) for i in (1, 2)] == ["/leads", "1"]


def test_the_history_is_bounded(tmp_path: Path, readline_history: object) -> None:
    import readline

    path = tmp_path / "history"
    save = start_history(path, length=2)
    assert save is not None
    for line in ("/help", "/leads", "1"):
        readline.add_history(line)
    save()
    readline.clear_history()
    start_history(path)
    assert readline.get_current_history_length() == 2 and readline.get_history_item(2) == "1"


async def test_scripted_input_is_read_as_before() -> None:
    """Not a terminal (a pipe, a file): no line editing, every line echoed after the prompt."""
    out = io.StringIO()
    reader = LineReader(io.StringIO("/help\n\n"), out, interactive=True)
    assert not reader.editing, "interactive but not the process's own terminal"
    reader = LineReader(io.StringIO("/help\n\n"), out, interactive=False)
    assert [await reader.read(), await reader.read(), await reader.read()] == ["/help\n", "\n", None]
    assert out.getvalue() == "> /help\n> \n"


def test_the_history_lives_in_the_users_state_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert history_path() == tmp_path / "partnerbot" / "history"
    monkeypatch.delenv("XDG_STATE_HOME")
    assert history_path() == Path.home() / ".local" / "state" / "partnerbot" / "history"
