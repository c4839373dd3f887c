"""The README documents every setting and every route (the Datasette test_docs idea)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask

from kg.config import SETTINGS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.envvar)
def test_every_setting_is_in_the_readme_with_its_default(setting) -> None:  # type: ignore[no-untyped-def]
    """A setting row names the variable and its default, so the table cannot drift from the code."""
    row = next((line for line in README.splitlines() if line.startswith(f"| `{setting.envvar}`")), None)
    assert row is not None, f"{setting.envvar} is missing from the README's configuration table"
    assert (f"`{setting.default}`" if setting.default != "" else "(none)") in row


def test_readme_documents_no_setting_that_does_not_exist() -> None:
    documented = set(re.findall(r"^\| `(KG_[A-Z_]+)`", README, re.MULTILINE))
    assert documented == {s.envvar for s in SETTINGS}


def test_readme_first_screen_gives_the_two_commands() -> None:
    first_screen = "\n".join(README.splitlines()[:15])
    assert "make serve" in first_screen and "make test" in first_screen


def test_every_url_family_is_documented(app: Flask) -> None:
    """Each route's first path segment appears in the README's URL table."""
    families = {"/" + rule.rule.strip("/").split("/")[0].split(".")[0].split("<")[0]
                for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    for family in families:
        assert f"`{family}" in README, f"route family {family} is not in the README"


def test_os_environ_is_read_only_in_config() -> None:
    """One place for configuration: no other module reads the environment."""
    root = Path(__file__).resolve().parent.parent
    offenders = [p for folder in ("kg", "server") for p in (root / folder).rglob("*.py")
                 if "os.environ" in p.read_text(encoding="utf-8") and p.name != "config.py"]
    assert offenders == []
