import io
import json
from pathlib import Path

import pytest

from app.cli.send_events import demo_conversation, load_events
from app.domain.events import CHAT_EVENT, HandoffRequested, MessageCreated


def test_demo_conversation_is_valid_and_new_each_time() -> None:
    events = [CHAT_EVENT.validate_python(e) for e in demo_conversation(resolve=True)]
    assert [e.type for e in events] == [
        "message.created",
        "message.created",
        "message.created",
        "handoff.requested",
        "conversation.resolved",
    ]
    assert isinstance(events[0], MessageCreated)
    assert isinstance(events[3], HandoffRequested)
    assert len({e.conversation.id for e in events}) == 1
    assert demo_conversation()[0]["conversation"]["id"] != events[0].conversation.id


def test_load_events_reads_objects_lists_and_json_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    single, many = tmp_path / "one.json", tmp_path / "many.json"
    single.write_text(json.dumps({"id": "a"}))
    many.write_text(json.dumps([{"id": "b"}, {"id": "c"}]))
    monkeypatch.setattr("sys.stdin", io.StringIO('{"id": "d"}\n\n{"id": "e"}\n'))
    assert [e["id"] for e in load_events([str(single), str(many), "-"])] == ["a", "b", "c", "d", "e"]
