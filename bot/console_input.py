"""Reading the console's lines: at a terminal with line editing and a history, else as scripted input.

At a terminal (standard input and output are the process's own and both a TTY) a line is read with the
standard library's `readline` where the platform has one: arrow keys and the usual editing keys, Ctrl-R,
and the lines of earlier sessions from a history file in the user's state directory, kept to
HISTORY_LENGTH lines. Scripted input (a pipe, a file, the tests) is read exactly as before: one message a
line, each echoed after the prompt so the transcript reads like a session. Lines are read in a worker
thread, so pushes keep arriving while the person types.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TextIO

from handlers.model import Button, Message

PROMPT = "> "
HISTORY_LENGTH = 1000
ABOUT_WIDTH = 48
logger = logging.getLogger(__name__)


def history_path() -> Path:
    """`$XDG_STATE_HOME/partnerbot/history`; without it (or with a relative one, which the XDG spec says
    to ignore) `~/.local/state/partnerbot/history`."""
    state = os.environ.get("XDG_STATE_HOME", "")
    base = Path(state) if os.path.isabs(state) else Path.home() / ".local" / "state"
    return base / "partnerbot" / "history"


def load_readline() -> ModuleType | None:
    """The standard library's line editor, or None where the platform has none (Windows)."""
    try:
        import readline
    except ImportError:
        return None
    return readline


def at_terminal(stdin: TextIO, out: TextIO) -> bool:
    """Whether `input()` would edit the line: it does only on the process's own standard streams, TTYs."""
    return stdin is sys.stdin and out is sys.stdout and stdin.isatty() and out.isatty()


def start_history(
    path: Path, editor: ModuleType | None = None, length: int = HISTORY_LENGTH
) -> Callable[[], None] | None:
    """Load earlier sessions' lines into readline, keep at most `length`; the returned function saves the
    history (readable by its owner only: it holds what was typed). None without readline."""
    editor = editor or load_readline()
    if editor is None:
        return None
    editor.set_history_length(length)
    with contextlib.suppress(OSError):  # the first session has none yet; an unreadable one starts afresh
        editor.read_history_file(str(path))

    def save() -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            editor.write_history_file(str(path))
            path.chmod(0o600)
        except OSError as exc:
            logger.warning("console history not saved to %s: %s", path, exc)

    return save


class LineReader:
    """The person's next line, without blocking the event loop."""

    def __init__(self, stdin: TextIO, out: TextIO, *, interactive: bool, history: Path | None = None) -> None:
        self.stdin = stdin
        self.out = out
        self.interactive = interactive
        self.waiting = False
        self._editor = load_readline() if interactive and at_terminal(stdin, out) else None
        self._save = start_history(history or history_path(), self._editor) if self._editor is not None else None

    @property
    def editing(self) -> bool:
        """Whether lines are read with line editing and history."""
        return self._editor is not None

    async def read(self) -> str | None:
        """The next line as typed; None at the end of the input (Ctrl-D at a terminal)."""
        loop = asyncio.get_running_loop()
        self.waiting = True
        try:
            if self._editor is not None:
                return await loop.run_in_executor(None, self._edited)
            if self.interactive:
                self.out.write(PROMPT)
                self.out.flush()
            line = await loop.run_in_executor(None, self.stdin.readline)
        finally:
            self.waiting = False
        if not line:
            return None
        if not self.interactive:
            self.out.write(f"{PROMPT}{line.rstrip()}\n")
        return line

    def _edited(self) -> str | None:
        try:
            return input(PROMPT)  # readline is active: input() edits the line and adds it to the history
        except EOFError:
            self.out.write("\n")  # Ctrl-D leaves the cursor after the prompt
            return None

    def reprompt(self) -> None:
        """After a push was printed while the person types: the prompt again, with what they typed so far."""
        if not self.waiting or not self.interactive:
            return
        typed = self._editor.get_line_buffer() if self._editor is not None else ""
        self.out.write(f"{PROMPT}{typed}")
        self.out.flush()

    def close(self) -> None:
        """Save the history (at a terminal with readline)."""
        if self._save is not None:
            self._save()


def pressable(message: Message) -> list[Button]:
    """The buttons that get a number, in order; a link button is shown with its address instead."""
    return [button for button in message.buttons if not button.url]


def about(message: Message, width: int = ABOUT_WIDTH) -> str:
    """Which message this is, in a few words: its title, else its first line (cut at `width`)."""
    candidates = [message.title or "", message.text, *message.items, message.footer or ""]
    candidates += [button.label for button in message.buttons]
    for candidate in candidates:
        line = next((part.strip() for part in candidate.splitlines() if part.strip()), "")
        if line:
            return line if len(line) <= width else line[: width - 1].rstrip() + "…"
    return "…"


@dataclass(frozen=True)
class Numbered:
    """A number as it was shown: the button, and the message it was on (its id, and in a few words)."""

    button: Button
    message_id: str
    about: str


class Numbering:
    """The button numbers of one session. Numbers grow: each is shown for one button of one message, so
    an old one is never also a current one and can say which message it was on. Only the buttons of the
    last message shown with buttons are live. An edit keeps the numbers of the buttons it keeps (pressing
    Helpful does not renumber the Read buttons beside it)."""

    def __init__(self) -> None:
        self.shown: dict[int, Numbered] = {}
        self.live_message: str | None = None
        self.live: list[int] = []
        self._next = 1
        self._of_message: dict[str, dict[Button, int]] = {}

    def assign(self, message_id: str, message: Message) -> list[int]:
        """Numbers for the message's pressable buttons: those it showed before keep theirs, others get new ones."""
        earlier = self._of_message.get(message_id, {})
        taken: set[int] = set()
        numbers = []
        for button in pressable(message):
            number = earlier.get(button)
            if number is None or number in taken:  # new, or the same button twice on one message
                number, self._next = self._next, self._next + 1
            taken.add(number)
            numbers.append(number)
        return numbers

    def record(self, message_id: str, message: Message, numbers: list[int]) -> None:
        """The message was printed with these numbers: with buttons, its buttons are now the live ones."""
        if not numbers:
            if message_id == self.live_message:
                self.live = []  # an edit took the buttons off the live message (a lead claimed): none is live
            return
        summary = about(message)
        buttons = pressable(message)
        self._of_message[message_id] = dict(zip(buttons, numbers, strict=True))
        for button, number in zip(buttons, numbers, strict=True):
            self.shown[number] = Numbered(button, message_id, summary)
        self.live_message, self.live = message_id, list(numbers)
