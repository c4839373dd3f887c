"""Settings: KG_* variables cast to their types, errors name the variable, flags beat variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.config import SETTINGS, Settings
from kg.errors import ConfigError


def test_defaults_without_environment() -> None:
    """An empty environment gives the documented defaults."""
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.base_uri == "http://127.0.0.1:5000/"
    assert settings.port == 5000 and settings.keep_builds == 3


def test_every_setting_has_a_field_and_the_same_default() -> None:
    """The SETTINGS table and the Settings dataclass list the same names and defaults."""
    defaults = Settings()
    for setting in SETTINGS:
        assert getattr(defaults, setting.name) == setting.default, setting.name
        assert setting.envvar == "KG_" + setting.name.upper()
    assert {s.name for s in SETTINGS} == set(Settings.__dataclass_fields__)


def test_variables_are_cast() -> None:
    """KG_PORT and KG_MAX_ROWS become ints, KG_DATA_DIR a Path; unrelated variables are ignored."""
    settings = Settings.from_env(
        {
            "KG_PORT": "8080",
            "KG_DATA_DIR": "/srv/data",
            "KG_MAX_ROWS": "10",
            "KG_BASE_URI": "https://example.org/kg/",
            "KG_UNRELATED": "x",
        }
    )
    assert settings.port == 8080 and isinstance(settings.port, int)
    assert settings.data_dir == Path("/srv/data")
    assert settings.max_rows == 10
    assert settings.base_uri == "https://example.org/kg/"


def test_every_typed_variable_is_cast() -> None:
    """Each int or Path setting read from a string comes back with its declared type."""
    samples = {int: "42", Path: "/some/where"}
    env = {s.envvar: samples[s.type] for s in SETTINGS if s.type in samples}
    settings = Settings.from_env(env)
    for setting in SETTINGS:
        if setting.type in samples:
            value = getattr(settings, setting.name)
            assert isinstance(value, setting.type) and value == setting.type(samples[setting.type])


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("KG_PORT", "abc", "an integer"),
        ("KG_MAX_ROWS", "1e3", "an integer"),
        ("KG_KEEP_BUILDS", "", "an integer"),
        ("KG_DATA_DIR", "  ", "a path"),
    ],
)
def test_bad_value_names_the_variable(name: str, raw: str, expected: str) -> None:
    """KG_PORT=abc: a ConfigError saying which variable, which value and what was expected."""
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({name: raw})
    assert str(caught.value) == f"{name} has value {raw!r}; expected {expected}"
    assert caught.value.exit_code == 2


def test_overrides_beat_environment() -> None:
    """A flag (override) wins over its KG_* variable; None (flag not given) keeps the variable."""
    env = {"KG_PORT": "8080", "KG_HOST": "0.0.0.0", "KG_BUILD_DIR": "/env/build"}
    settings = Settings.from_env(env, port=9000, host=None, build_dir=Path("/flag/build"))
    assert settings.port == 9000
    assert settings.host == "0.0.0.0"
    assert settings.build_dir == Path("/flag/build")


def test_environment_beats_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without an explicit mapping, os.environ is read."""
    monkeypatch.setenv("KG_KEEP_BUILDS", "7")
    assert Settings.from_env().keep_builds == 7


def test_unknown_override_is_refused() -> None:
    """A misspelt override name is a ConfigError, not silently dropped."""
    with pytest.raises(ConfigError, match="unknown setting 'prot'"):
        Settings.from_env({}, prot=1)


@pytest.mark.parametrize("base", ["http://example.org", "ftp://example.org/", "example.org/", ""])
def test_base_uri_must_be_http_and_end_with_slash(base: str) -> None:
    """A base URI that is not http(s) or lacks the trailing '/' is refused, naming KG_BASE_URI."""
    with pytest.raises(ConfigError, match="KG_BASE_URI") as caught:
        Settings.from_env({"KG_BASE_URI": base})
    assert repr(base) in str(caught.value)


def test_base_uri_checked_for_overrides_and_replace_too() -> None:
    """The check is in the dataclass, so flags and replace() cannot bypass it."""
    with pytest.raises(ConfigError):
        Settings.from_env({}, base_uri="http://example.org")
    with pytest.raises(ConfigError):
        Settings().replace(base_uri="http://example.org")


def test_log_level_is_checked() -> None:
    """KG_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR (any case)."""
    assert Settings.from_env({"KG_LOG_LEVEL": "debug"}).log_level == "debug"
    with pytest.raises(ConfigError, match="KG_LOG_LEVEL"):
        Settings.from_env({"KG_LOG_LEVEL": "verbose"})


def test_replace_ignores_none() -> None:
    """replace() changes given values and leaves those passed as None."""
    settings = Settings().replace(port=1234, host=None)
    assert settings.port == 1234 and settings.host == "127.0.0.1"


@pytest.mark.parametrize("port", ["70000", "-1"])
def test_port_out_of_range_names_the_variable(port: str) -> None:
    """A port outside 0..65535 is a ConfigError naming KG_PORT."""
    with pytest.raises(ConfigError, match="KG_PORT"):
        Settings.from_env({"KG_PORT": port})
