"""Compose interpolation (compose-spec "Interpolation") and .env parsing."""

from __future__ import annotations

import pytest

from netlab.compose.interpolate import InterpolationError, interpolate, interpolate_tree, parse_env_file
from netlab.errors import InputError

ENV = {"SET": "value", "EMPTY": ""}


@pytest.mark.parametrize(
    "text,expected",
    [
        ("$SET", "value"),
        ("${SET}", "value"),
        ("a-${SET}-b", "a-value-b"),
        ("${UNSET:-d}", "d"),
        ("${EMPTY:-d}", "d"),  # :- also replaces an empty value
        ("${EMPTY-d}", ""),  # - only an unset one
        ("${UNSET-d}", "d"),
        ("${SET:-d}", "value"),
        ("${SET:+alt}", "alt"),
        ("${EMPTY:+alt}", ""),
        ("${EMPTY+alt}", "alt"),
        ("${UNSET+alt}", ""),
        ("$$SET", "$SET"),  # $$ is a literal dollar
        ("$${SET}", "${SET}"),
        ("${UNSET:-${SET}}", "value"),  # a default may interpolate
        ("${UNSET:-127.0.0.1}:9092", "127.0.0.1:9092"),
        ("cost $5", "cost $5"),  # a lone $ stays
        ("${SET:?must}", "value"),
    ],
)
def test_interpolation(text, expected):
    assert interpolate(text, ENV) == expected


def test_unset_without_default_is_blank_with_compose_warning():
    warnings = []
    assert interpolate("x${NOPE}y", ENV, warnings.append) == "xy"
    assert warnings == ['The "NOPE" variable is not set. Defaulting to a blank string.']


@pytest.mark.parametrize("text", ["${UNSET:?need it}", "${EMPTY:?need it}", "${UNSET?need it}"])
def test_required_variables(text):
    with pytest.raises(InterpolationError, match="need it"):
        interpolate(text, ENV)


def test_question_mark_without_colon_accepts_empty():
    assert interpolate("${EMPTY?need it}", ENV) == ""


def test_malformed():
    with pytest.raises(InterpolationError):
        interpolate("${SET", ENV)
    with pytest.raises(InterpolationError):
        interpolate("${1BAD}", ENV)


def test_tree_interpolates_values_not_keys():
    data = {"${SET}": ["${SET}", 3, {"k": "$SET"}]}
    assert interpolate_tree(data, ENV) == {"${SET}": ["value", 3, {"k": "value"}]}


def test_env_file(tmp_path):
    f = tmp_path / ".env"
    f.write_text(
        "# comment\n\nA=1\nexport B=two\nC='single $x'\nD=\"dq\\nline\"\nE=plain # trailing\nF=\nG\n"
    )
    assert parse_env_file(f) == {
        "A": "1",
        "B": "two",
        "C": "single $x",
        "D": "dq\nline",
        "E": "plain",
        "F": "",
    }


def test_env_file_bad_name_located(tmp_path):
    f = tmp_path / ".env"
    f.write_text("OK=1\n9BAD=2\n")
    with pytest.raises(InputError) as exc:
        parse_env_file(f)
    assert exc.value.where == f"{f}:2"
