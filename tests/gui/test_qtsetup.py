"""Chromium's flags: the sandbox stays on except as root on Linux; software rendering for
remote desktops; a person's own flags are kept; and Qt's messages reach our log."""

from __future__ import annotations

import logging

import pytest

from dentally_setup.gui import qtsetup


def test_no_sandbox_only_as_root_on_linux(monkeypatch):
    monkeypatch.setenv("QTWEBENGINE_CHROMIUM_FLAGS", "--my-flag")
    monkeypatch.setattr(qtsetup.sys, "platform", "linux")
    monkeypatch.setattr(qtsetup.os, "geteuid", lambda: 1000, raising=False)
    flags = qtsetup.chromium_flags(software_rendering=False).split()
    assert "--no-sandbox" not in flags and "--my-flag" in flags
    monkeypatch.setattr(qtsetup.os, "geteuid", lambda: 0, raising=False)
    assert "--no-sandbox" in qtsetup.chromium_flags(software_rendering=False).split()


def test_no_sandbox_never_on_windows(monkeypatch):
    monkeypatch.setenv("QTWEBENGINE_CHROMIUM_FLAGS", "")
    monkeypatch.setattr(qtsetup.sys, "platform", "win32")
    assert "--no-sandbox" not in qtsetup.chromium_flags(software_rendering=False).split()


def test_software_rendering_turns_the_gpu_off_once(monkeypatch):
    monkeypatch.setenv("QTWEBENGINE_CHROMIUM_FLAGS", "--disable-gpu")
    flags = qtsetup.chromium_flags(software_rendering=True).split()
    assert flags.count("--disable-gpu") == 1 and "--disable-gpu-compositing" in flags
    monkeypatch.setenv("QTWEBENGINE_CHROMIUM_FLAGS", "")
    assert "--disable-gpu" not in qtsetup.chromium_flags(software_rendering=False).split()


def test_qt_messages_reach_the_log(qapp, caplog):
    from PySide6.QtCore import qWarning

    qtsetup.route_qt_messages()
    try:
        with caplog.at_level(logging.DEBUG, logger="qt"):
            qWarning("something Qt noticed")
            qWarning("This plugin does not support propagateSizeHints()")
        levels = {r.getMessage(): r.levelno for r in caplog.records if r.name == "qt"}
        assert levels["something Qt noticed"] == logging.WARNING
        assert levels["This plugin does not support propagateSizeHints()"] == logging.DEBUG
    finally:
        from PySide6.QtCore import qInstallMessageHandler

        qInstallMessageHandler(None)


@pytest.mark.parametrize("flag", ["--disable-background-networking", "--log-level=3"])
def test_quiet_on_a_closed_network(monkeypatch, flag):
    monkeypatch.setenv("QTWEBENGINE_CHROMIUM_FLAGS", "")
    assert flag in qtsetup.chromium_flags(False).split()


@pytest.mark.parametrize(("env", "sys_platform", "expected"), [
    ({"QT_QPA_PLATFORM": "offscreen"}, "linux", "offscreen"),
    ({"QT_QPA_PLATFORM": "wayland;xcb"}, "linux", "wayland"),
    ({"QT_QPA_PLATFORM": "windows:darkmode=2"}, "win32", "windows"),
    ({}, "win32", "windows"),
    ({}, "darwin", "cocoa"),
    ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", "wayland"),
    ({"DISPLAY": ":0"}, "linux", "xcb"),
])
def test_the_platform_is_guessed_before_the_application_exists(monkeypatch, env, sys_platform,
                                                                expected):
    for name in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(qtsetup.sys, "platform", sys_platform)
    assert qtsetup.expected_platform() == expected


def test_stripes_page_runs_in_process_only_where_no_window_can_be_embedded(monkeypatch):
    monkeypatch.delenv("DENTALLY_WEBVIEW", raising=False)
    assert not qtsetup.web_view_in_process("xcb")
    assert not qtsetup.web_view_in_process("windows")
    assert qtsetup.web_view_in_process("wayland")
    assert qtsetup.web_view_in_process("cocoa")
    monkeypatch.setenv("DENTALLY_WEBVIEW", "inline")
    assert qtsetup.web_view_in_process("xcb")
    monkeypatch.setenv("DENTALLY_WEBVIEW", "process")
    assert not qtsetup.web_view_in_process("wayland")
