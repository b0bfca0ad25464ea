"""The kernel's query-parameter parsers: a bad value is ignored (the default), never a server error."""

from datetime import date

import pytest

from certbody.core.web import ID_MAX, query_choice, query_date, query_int


@pytest.mark.parametrize(
    "raw", [None, "", "abc", "1.5", "１２", "1" + "0" * 30, str(ID_MAX + 1), "0", "-1", " ", "1e3", "+1", "\x00"]
)
def test_a_bad_whole_number_is_ignored(raw):
    assert query_int(raw) is None
    assert query_int(raw, default=7) == 7


def test_a_whole_number_in_range_is_read():
    assert query_int(" 42 ") == 42
    assert query_int(str(ID_MAX)) == ID_MAX
    assert query_int("-3", minimum=-5, maximum=5) == -3
    assert query_int("6", minimum=-5, maximum=5) is None


@pytest.mark.parametrize(
    "raw", [None, "", "9999-99-99", "0000-01-01", "10000-01-01", "1899-12-31", "3000-01-01", "２０２４-01-01", "x" * 10]
)
def test_a_bad_or_far_date_is_ignored(raw):
    assert query_date(raw) is None


def test_a_date_in_the_window_is_read():
    assert query_date("2024-02-29") == date(2024, 2, 29)
    assert query_date("1900-01-01") == date(1900, 1, 1)
    assert query_date("2999-12-31") == date(2999, 12, 31)


def test_a_choice_outside_the_list_is_the_default():
    assert query_choice("open", ["open", "closed"]) == "open"
    assert query_choice("../..", ["open", "closed"], default="open") == "open"
