import json
from pathlib import Path

import pytest

from signaling.protocol import (
    COMMANDS,
    ERROR_CODES,
    EVENTS,
    FairWatch,
    ProtocolError,
    frame_request_id,
    parse_frame,
)
from signaling.protocol_docs import render_protocol_doc

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json", "protocol.invalid_json"),
        ("[1, 2]", "protocol.invalid_json"),
        ('{"v": 2, "id": "a", "type": "session.hello"}', "protocol.invalid"),
        ('{"v": 1, "type": "session.hello"}', "protocol.invalid"),
        ('{"v": 1, "id": "a", "type": "nope.nope"}', "protocol.unknown_type"),
        ('{"v": 1, "id": "a", "type": "fair.watch", "data": {"fair_id": "x"}}', "protocol.invalid"),
        (
            '{"v": 1, "id": "a", "type": "fair.watch", "data": {"fair_id": 1, "x": 1}}',
            "protocol.invalid",
        ),
    ],
)
def test_bad_frames_get_their_error_code(frame, code):
    with pytest.raises(ProtocolError) as caught:
        parse_frame(frame)
    assert caught.value.code == code
    assert caught.value.code in ERROR_CODES


def test_a_good_frame_parses_to_its_typed_payload():
    envelope, payload = parse_frame(
        json.dumps({"v": 1, "id": "c1", "type": "fair.watch", "data": {"fair_id": 7}})
    )
    assert envelope.id == "c1"
    assert payload == FairWatch(fair_id=7)


def test_protocol_doc_is_generated_from_the_code():
    doc = render_protocol_doc()
    assert (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8") == doc, (
        "docs/protocol.md is stale: run `python manage.py protocol_docs`"
    )
    for name in [*COMMANDS, *EVENTS, *ERROR_CODES]:
        assert f"`{name}`" in doc


def test_pages_with_a_socket_carry_the_protocol_constants_for_the_client():
    from django.template import Context, Template

    html = Template('{% include "frontend/_socket.html" %}').render(Context({}))
    start = html.index(">", html.index('id="fair-protocol"')) + 1
    constants = json.loads(html[start : html.index("</script>", start)])
    assert constants == {
        "version": 1,
        "signed_out_close_code": 4001,
        "commands": sorted(COMMANDS),
        "events": sorted(EVENTS),
        "errors": sorted(ERROR_CODES),
    }


def test_a_refused_frames_id_is_read_from_its_start_only():
    huge = '{"v": 1, "id": "c1", "type": "session.hello", "data": {"x": "' + "a" * 1_000_000
    assert frame_request_id(huge) == "c1"  # even unterminated: nothing past the start is read
    assert frame_request_id('{"data": {"x": "' + "a" * 300 + '"}, "id": "late"}') is None
    assert frame_request_id('{"v": 1, "id": "' + "a" * 65 + '"}') is None  # not a valid id
    assert frame_request_id("") is None
