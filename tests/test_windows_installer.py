"""The Windows installer's Inno Setup script (installer/DentallySetup.iss) agrees, offline,
with the PyInstaller spec and the workflow that builds it: the folder it packs is the one the
spec makes, the program it starts is the spec's, the version comes only from the build
command (from __version__), and it installs per user without admin rights under an AppId
that never changes. Inno Setup itself runs only on the Windows CI job (iscc)."""

from __future__ import annotations

import re
from pathlib import Path, PureWindowsPath

import pytest

ROOT = Path(__file__).resolve().parent.parent
ISS = ROOT / "installer" / "DentallySetup.iss"
SPEC = ROOT / "build_installer.spec"
WORKFLOW = ROOT / ".github" / "workflows" / "platforms.yml"
# Windows knows an installed copy by this: changing it makes an upgrade a second install.
APP_ID = "{{B2A86574-9282-4706-BE09-7F5EF4267493}"


def iss_text() -> str:
    return ISS.read_text(encoding="utf-8")


def defines(text: str) -> dict[str, str]:
    return dict(re.findall(r'^\s*#define\s+(\w+)\s+"([^"]*)"', text, re.M))


def expand(value: str, names: dict[str, str]) -> str:
    return re.sub(r"\{#(\w+)\}", lambda m: names.get(m.group(1), m.group(0)), value)


def section(text: str, name: str) -> list[str]:
    m = re.search(rf"^\[{name}\]\s*$(.*?)(?=^\[|\Z)", text, re.M | re.S)
    assert m, f"no [{name}] section"
    return [ln.strip() for ln in m.group(1).splitlines()
            if ln.strip() and not ln.strip().startswith(";")]


def setup_keys(text: str) -> dict[str, str]:
    return dict(ln.split("=", 1) for ln in section(text, "Setup") if not ln.startswith("#"))


def entry(line: str) -> dict[str, str]:
    """An Inno Setup entry line: `Name: "value"; Other: value; ...`."""
    return {k.strip(): v.strip().strip('"')
            for k, v in (part.split(":", 1) for part in line.split("; "))}


def from_script_dir(path: str) -> Path:
    """An Inno Setup path relative to the script's folder (SourceDir's default)."""
    return (ISS.parent / Path(*PureWindowsPath(path).parts)).resolve()


def spec_app_name() -> str:
    spec = SPEC.read_text(encoding="utf-8")
    m = re.search(r'^APP_NAME = "([^"]+)"', spec, re.M)
    assert m, "no APP_NAME in build_installer.spec"
    assert "name=APP_NAME" in spec.split("coll = COLLECT(", 1)[1], "COLLECT's folder name"
    assert "make_exe(APP_NAME, console=False)" in spec  # the windowed program on Windows
    return m.group(1)


def test_it_packs_the_folder_the_spec_builds() -> None:
    text = iss_text()
    names = defines(text)
    (files,) = section(text, "Files")
    source = entry(expand(files, names))["Source"]
    assert source.endswith("\\*")
    # the workflow and scripts/build-installer build with --distpath dist
    assert from_script_dir(source[:-2]) == ROOT / "dist" / spec_app_name()
    assert "recursesubdirs" in entry(files)["Flags"]
    assert from_script_dir(setup_keys(text)["OutputDir"]) == ROOT / "dist"


def test_it_starts_the_specs_program() -> None:
    text = iss_text()
    names = defines(text)
    exe = f"{spec_app_name()}.exe"
    assert names["MyAppExeName"] == exe
    assert expand(setup_keys(text)["UninstallDisplayIcon"], names) == f"{{app}}\\{exe}"
    for line in section(text, "Icons") + section(text, "Run"):
        assert expand(entry(line)["Filename"], names) == f"{{app}}\\{exe}"


def test_the_version_comes_only_from_the_build_command() -> None:
    text = iss_text()
    assert re.search(r"^#ifndef MyAppVersion\s*\n\s*#error .*__version__.*\n#endif", text, re.M)
    assert "MyAppVersion" not in defines(text)  # no default that could go stale
    keys = setup_keys(text)
    assert keys["AppVersion"] == "{#MyAppVersion}"
    assert keys["OutputBaseFilename"] == "DentallySetup-{#MyAppVersion}-setup"
    workflow = WORKFLOW.read_text(encoding="utf-8")
    assert '"/DMyAppVersion=${{ steps.version.outputs.version }}"' in workflow
    assert "from dentally_setup import __version__" in workflow
    # the file the workflow installs and keeps is the one this script makes
    assert "dist\\DentallySetup-${{ steps.version.outputs.version }}-setup.exe" in workflow


def test_per_user_without_admin_rights_under_a_stable_app_id() -> None:
    keys = setup_keys(iss_text())
    assert keys["AppId"] == APP_ID
    assert keys["PrivilegesRequired"] == "lowest"
    # all users only when IT asks on the command line (/ALLUSERS), never from a dialog
    assert keys["PrivilegesRequiredOverridesAllowed"] == "commandline"
    assert keys["DefaultDirName"].startswith("{autopf}\\")
    assert all(entry(line)["Name"].startswith("{autoprograms}\\")
               for line in section(iss_text(), "Icons"))


@pytest.mark.parametrize("switch", ["/VERYSILENT", "/SUPPRESSMSGBOXES", "/NORESTART",
                                    "/CURRENTUSER", "/ALLUSERS"])
def test_silent_install_switches_are_documented(switch: str) -> None:
    assert switch in iss_text()
    assert switch in (ROOT / "docs" / "INSTALL-WINDOWS.md").read_text(encoding="utf-8")
