"""gqlauth.appsettings: a dict setting merged over defaults, parsed, cached until it changes."""

from __future__ import annotations

import pytest

from gqlauth.appsettings import SettingsDict


@pytest.fixture
def parsed():
    """Every dict the reader parsed, in order."""
    return []


@pytest.fixture
def reader(parsed):
    """A SettingsDict over ``GQLAUTH_TEST_SETTING`` (defaults A=1, B=2) watching a key too."""

    def parse(raw):
        parsed.append(raw)
        return raw

    return SettingsDict(
        "GQLAUTH_TEST_SETTING", {"A": 1, "B": 2}, parse, depends_on=("GQLAUTH_TEST_KEY",)
    )


def test_absent_setting_is_the_defaults(reader):
    assert reader.user_value() is None
    assert reader.raw() == {"A": 1, "B": 2}


def test_project_values_are_merged_over_the_defaults(settings, reader):
    settings.GQLAUTH_TEST_SETTING = {"B": 20, "C": 30}
    assert reader.raw() == {"A": 1, "B": 20, "C": 30}


def test_a_setting_that_is_not_a_dict_counts_as_empty(settings, reader):
    # The system checks report it; reading it must not crash the request that got there first.
    settings.GQLAUTH_TEST_SETTING = ["B", 20]
    assert reader.user_value() == ["B", 20]
    assert reader.raw() == {"A": 1, "B": 2}


def test_the_parsed_value_is_cached_until_a_watched_setting_changes(settings, reader, parsed):
    first = reader()
    assert reader() is first
    assert len(parsed) == 1

    settings.GQLAUTH_OTHER_SETTING = "unrelated"
    assert reader() is first

    settings.GQLAUTH_TEST_SETTING = {"A": 10}
    assert reader() == {"A": 10, "B": 2}

    settings.GQLAUTH_TEST_KEY = "rotated"
    reader()
    assert len(parsed) == 3
