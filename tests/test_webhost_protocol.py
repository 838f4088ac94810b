"""The app <-> web host messages: framing, refusal of what is not ours, JS results."""

import inspect

import pytest

from dentally_setup.gui.stripe_page.protocol import (
    FORWARDED_SIGNALS,
    MAX_LINE,
    Command,
    Event,
    LineBuffer,
    ProtocolError,
    decode,
    encode,
    jsonable,
)


def test_a_message_round_trips_as_one_line():
    msg = {"cmd": "load", "url": "https://connect.stripe.com/oauth/authorize?x=1&y=é"}
    data = encode(msg)
    assert data.endswith(b"\n") and data.count(b"\n") == 1
    assert decode(data.rstrip(b"\n")) == msg


def test_lines_split_across_chunks_are_joined():
    buf = LineBuffer()
    data = encode({"ev": "hello", "nonce": "n"}) + encode({"ev": "js", "id": 1, "result": 2})
    first, second = data[:7], data[7:]
    assert buf.feed(first) == []
    lines = buf.feed(second)
    assert [decode(line)["ev"] for line in lines] == ["hello", "js"]
    assert buf.feed(b"\n\n") == []  # blank lines are not messages


@pytest.mark.parametrize("line", [b"not json", b"[1, 2]", b'{"other": 1}', b'{"cmd": 3}',
                                  b"\xff\xfe"])
def test_what_is_not_a_command_or_event_is_refused(line):
    with pytest.raises(ProtocolError):
        decode(line)


def test_an_endless_line_is_refused_and_forgotten():
    buf = LineBuffer()
    with pytest.raises(ProtocolError):
        buf.feed(b"x" * (MAX_LINE + 1))
    assert buf.feed(encode({"ev": "hello"})) == [encode({"ev": "hello"}).rstrip(b"\n")]


def test_javascript_results_become_json():
    class Odd:
        def __str__(self) -> str:
            return "odd"

    assert jsonable({"a": [1, 2.5, None, True, ("t",)], 3: Odd()}) == {
        "a": [1, 2.5, None, True, ["t"]], "3": "odd"}


def test_every_forwarded_signal_exists_on_both_browsers_with_its_arguments():
    from PySide6.QtCore import Signal

    from dentally_setup.gui.stripe_page.app_side_remote import RemoteLinkBrowser
    from dentally_setup.gui.stripe_page.engine_view import LinkBrowser
    from dentally_setup.gui.stripe_page.interface import StripeBrowser

    for name in FORWARDED_SIGNALS:
        assert hasattr(LinkBrowser, name) and hasattr(RemoteLinkBrowser, name), name
    # The interface declares exactly the signals the host forwards.
    declared = {name for name, value in vars(StripeBrowser).items() if isinstance(value, Signal)}
    assert declared == set(FORWARDED_SIGNALS)
    assert issubclass(LinkBrowser, StripeBrowser) and issubclass(RemoteLinkBrowser, StripeBrowser)


def test_both_browsers_implement_the_whole_interface():
    from dentally_setup.gui.stripe_page.app_side_remote import RemoteLinkBrowser
    from dentally_setup.gui.stripe_page.engine_view import LinkBrowser
    from dentally_setup.gui.stripe_page.interface import StripeBrowser

    methods = [name for name, value in vars(StripeBrowser).items()
               if inspect.isfunction(value) and not name.startswith("_") and name != "click"]
    assert {"load", "run_js", "shutdown", "snapshot"} <= set(methods)
    for browser in (LinkBrowser, RemoteLinkBrowser):
        for name in methods:
            assert getattr(browser, name) is not getattr(StripeBrowser, name), (browser, name)


def test_every_command_is_handled_by_the_host():
    from dentally_setup.gui.stripe_page.host_side import WebHost

    assert set(WebHost.HANDLERS) == set(Command)
    assert all(callable(handler) for handler in WebHost.HANDLERS.values())


def test_every_event_is_handled_by_the_app():
    from dentally_setup.gui.stripe_page.app_side_process import WebHostProcess
    from dentally_setup.gui.stripe_page.app_side_remote import RemoteLinkBrowser

    own, browser = set(WebHostProcess.HANDLERS), set(RemoteLinkBrowser.HANDLERS)
    assert own | browser == set(Event)
    assert not own & browser  # one place for each


def test_commands_and_events_travel_as_their_plain_names():
    assert decode(encode({"cmd": Command.LOAD, "url": "u"}).rstrip(b"\n")) == {
        "cmd": "load", "url": "u"}
    assert Event("focus_out") is Event.FOCUS_OUT


@pytest.mark.parametrize("depth", [10_000, 200_000])
def test_deeply_nested_json_is_a_bad_message_not_a_crash(depth):
    """json.loads raises RecursionError on deep nesting; both sides read lines with
    decode(), which must turn that into the ProtocolError they drop and log."""
    line = b'{"ev": "signal", "args": ' + b"[" * depth + b"]" * depth + b"}"
    with pytest.raises(ProtocolError):
        decode(line)
