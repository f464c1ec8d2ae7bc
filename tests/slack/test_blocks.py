"""Block Kit rendering inside Slack's limits, and the payload helpers, checked against the fake's rules."""

from __future__ import annotations

import json

from bot.slack.blocks import (
    action_from_slack,
    escape,
    form_metadata,
    message_blocks,
    modal_view,
    render_message,
    split_text,
)
from bot.slack.requests import (
    button_press,
    command_parts,
    form_values,
    from_known_team,
    message_is_for_us,
    plain_text,
    read_metadata,
)
from handlers.model import Button, FormField, FormSpec, Markdown, Message
from tests.fakes.slack_blocks import block_errors, view_errors


def test_long_text_becomes_several_valid_sections() -> None:
    text = ("Partner onboarding step. " * 140).strip()  # about 3,500 characters
    assert len(text) > 3000
    blocks = message_blocks(Message(text=text))
    sections = [b for b in blocks if b["type"] == "section"]
    assert len(sections) == 2 and all(len(s["text"]["text"]) <= 3000 for s in sections)
    assert block_errors(blocks) == []
    assert "".join(s["text"]["text"] for s in sections).replace(" ", "") == text.replace(" ", "")


def test_split_never_cuts_an_entity_in_half() -> None:
    chunks = split_text(escape("&" * 2000), 3000)
    assert all(not c.endswith("&am") and c.count("&") == c.count("&amp;") for c in chunks)
    assert sum(c.count("&amp;") for c in chunks) == 2000


def test_too_many_blocks_are_cut_with_a_pointer_and_buttons_kept() -> None:
    message = Message(
        title="T" * 200,
        text="\n\n".join(("x" * 2900) for _ in range(60)),
        buttons=[Button("Ok", "nudge.done", "1")],
        footer="footer",
    )
    blocks = message_blocks(message)
    assert len(blocks) == 50 and block_errors(blocks) == []
    assert blocks[-1]["type"] == "actions"
    assert any("more parts are not shown" in json.dumps(b) for b in blocks)
    assert len(blocks[0]["text"]["text"]) <= 150


def test_fields_and_buttons_are_chunked() -> None:
    message = Message(
        fields=[(f"k{i}", f"v{i}") for i in range(12)],
        buttons=[Button(f"b{i}", "kb.article", str(i)) for i in range(30)],
    )
    blocks = message_blocks(message)
    assert [len(b["fields"]) for b in blocks if b["type"] == "section"] == [10, 2]
    actions = [b for b in blocks if b["type"] == "actions"]
    assert [len(b["elements"]) for b in actions] == [25, 5]
    ids = [e["action_id"] for b in actions for e in b["elements"]]
    assert len(set(ids)) == 30 and {action_from_slack(i) for i in ids} == {"kb.article"}
    assert block_errors(blocks) == []


def _mrkdwn_texts(node: object) -> list[str]:
    """Every mrkdwn string in blocks: the only place (with `text`) where Slack parses mentions."""
    if isinstance(node, dict):
        own = [node["text"]] if node.get("type") == "mrkdwn" else []
        return own + [t for v in node.values() for t in _mrkdwn_texts(v)]
    if isinstance(node, list):
        return [t for v in node for t in _mrkdwn_texts(v)]
    return []


def test_user_text_is_escaped_everywhere() -> None:
    evil = "<!channel> <@U123> <https://x.example|click> & more"
    message = Message(title=evil, text=evil, fields=[(evil, evil)], items=[evil], footer=evil, suggestions=[evil])
    text, blocks = render_message(message)
    parsed = [text, *_mrkdwn_texts(blocks)]
    assert len(parsed) == 6
    for rendered in parsed:
        assert "<!channel>" not in rendered and "<@U123>" not in rendered and "<https://x.example" not in rendered
        assert "&lt;!channel&gt;" in rendered


def test_markdown_links_and_bold_become_mrkdwn() -> None:
    text = "**Note**: see [the portal](https://portal.example/a?b=1&c=2)"
    (block,) = message_blocks(Message(text=Markdown(text)))
    assert block["text"]["text"] == "*Note*: see <https://portal.example/a?b=1&amp;c=2|the portal>"
    (data,) = message_blocks(Message(text=text))  # plain text is data: shown, not formatted or linked
    assert "<https://" not in data["text"]["text"] and "*Note*" not in data["text"]["text"]


def test_link_buttons_and_styles() -> None:
    buttons = [Button("Open", url="https://slack.com/app_redirect?app=A1"), Button("Yes", "a.b", "1", "primary")]
    (actions,) = [b for b in message_blocks(Message(buttons=buttons)) if b["type"] == "actions"]
    link, yes = actions["elements"]
    assert link["url"].startswith("https://") and button_press(link) is None
    assert yes["style"] == "primary" and button_press(yes) == ("a.b", "1")


def test_empty_message_still_has_fallback_text() -> None:
    text, blocks = render_message(Message())
    assert text and blocks == []


def _spec() -> FormSpec:
    return FormSpec(
        name="deal.register",
        title="Register a deal with a very long title",
        submit_label="Register",
        fields=(
            FormField("company", "Company"),
            FormField("notes", "Notes", "long_text", required=False, max_length=2000, hint="Anything else"),
            FormField("currency", "Currency", "choice", choices=(("EUR", "Euro"), ("USD", "US dollar"))),
            FormField("close_date", "Close date", "date"),
            FormField("contact_email", "Contact email", "email"),
            FormField("amount", "Amount", "number"),
        ),
    )


def test_modal_has_one_input_per_field_named_by_the_field() -> None:
    values = {"company": "Acme", "currency": "USD", "close_date": "2027-03-31", "amount": "1200", "notes": "hi"}
    view = modal_view(_spec(), values, form_metadata({"lead_id": "L-1"}, {"chat": "D1", "kind": "private"}))
    assert view_errors(view) == []
    assert view["callback_id"] == "deal.register" and len(view["title"]["text"]) <= 24
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert all(b["element"]["action_id"] == name for name, b in blocks.items())
    assert blocks["notes"]["optional"] is True and blocks["notes"]["element"]["multiline"] is True
    assert blocks["currency"]["element"]["initial_option"]["value"] == "USD"
    assert blocks["close_date"]["element"] == {
        "type": "datepicker",
        "action_id": "close_date",
        "initial_date": "2027-03-31",
    }
    assert blocks["contact_email"]["element"]["type"] == "email_text_input"
    assert blocks["amount"]["element"]["initial_value"] == "1200"
    assert read_metadata(view["private_metadata"])["ctx"] == {"lead_id": "L-1"}


def test_oversized_form_context_is_dropped_not_refused() -> None:
    metadata = form_metadata({"blob": "x" * 5000}, {"chat": "D1"})
    assert len(metadata) <= 3000 and read_metadata(metadata) == {"ctx": {}, "chat": "D1"}


def test_submitted_state_is_flattened_by_block_id() -> None:
    view = {
        "state": {
            "values": {
                "company": {"company": {"type": "plain_text_input", "value": "Acme"}},
                "currency": {"currency": {"type": "static_select", "selected_option": {"value": "EUR"}}},
                "close_date": {"close_date": {"type": "datepicker", "selected_date": "2027-01-31"}},
                "notes": {"notes": {"type": "plain_text_input", "value": None}},
                "product": {"product": {"type": "static_select", "selected_option": None}},
            }
        }
    }
    assert form_values(view) == {
        "company": "Acme",
        "currency": "EUR",
        "close_date": "2027-01-31",
        "notes": "",
        "product": "",
    }


def test_small_helpers() -> None:
    assert command_parts("  Settings   edit now ") == ("settings", "edit now")
    assert command_parts("") == ("help", "")
    assert plain_text("see <https://a.example|the site> &amp; <mailto:x@y.example|x@y.example> &lt;b&gt;") == (
        "see the site & x@y.example <b>"
    )
    assert read_metadata("not json") == {"ctx": {}} and read_metadata('{"a": 1}') == {"ctx": {"a": 1}}
    assert from_known_team({"team_id": "T1"}, {"T1"}) and not from_known_team({"team_id": "T2"}, {"T1"})
    assert from_known_team({"team_id": "T2", "authorizations": [{"enterprise_id": "E1"}]}, {"T1", "E1"})
    assert not message_is_for_us({"type": "message", "user": "U1", "text": "hi", "subtype": "message_changed"}, None)
    assert not message_is_for_us({"type": "message", "user": "UBOT", "text": "hi"}, "UBOT")
    assert message_is_for_us({"type": "message", "user": "U1", "text": "hi", "subtype": "file_share"}, "UBOT")
