"""Value rules: SKU format, EAN check digits, names and free text."""

from __future__ import annotations

import pytest

from server.domain.validation import (
    clean_attributes,
    clean_description,
    clean_ean,
    clean_email,
    clean_name,
    clean_sku,
    ean_check_digit_ok,
)
from server.errors import ValidationFailedError


@pytest.mark.parametrize("code", ["5901234123457", "96385074", "036000291452", "4006381333931"])
def test_valid_eans(code: str) -> None:
    assert ean_check_digit_ok(code)
    assert clean_ean(f" {code} ") == code


@pytest.mark.parametrize("code", ["5901234123458", "96385075", "12345", "59012341234a7", "0" * 14])
def test_invalid_eans(code: str) -> None:
    with pytest.raises(ValidationFailedError) as error:
        clean_ean(code)
    assert error.value.field == "ean"


def test_empty_ean_means_none() -> None:
    assert clean_ean("  ") is None
    assert clean_ean(None) is None


@pytest.mark.parametrize("sku", ["SB-00001", "a", "X_1.2-3", "9" * 64])
def test_good_skus(sku: str) -> None:
    assert clean_sku(sku) == sku


@pytest.mark.parametrize("sku", ["", " ", "-lead", "has space", "a/b", "ü", "9" * 65, "x;drop"])
def test_bad_skus(sku: str) -> None:
    with pytest.raises(ValidationFailedError):
        clean_sku(sku)


def test_names_lose_control_characters_and_extra_spaces() -> None:
    assert clean_name("  Blue\x00 \u200bwidget\n ") == "Blue widget"
    with pytest.raises(ValidationFailedError):
        clean_name("\x07 \t")
    with pytest.raises(ValidationFailedError):
        clean_name("x" * 256)


def test_description_keeps_newlines() -> None:
    assert clean_description("line one\nline\x01 two") == "line one\nline two"


def test_email() -> None:
    assert clean_email(" Admin@Example.COM ") == "admin@example.com"
    with pytest.raises(ValidationFailedError):
        clean_email("not-an-email")


def test_attributes_are_a_flat_object_of_cleaned_values() -> None:
    assert clean_attributes({" colour\x00 ": " red\n", "size": 3, "new": True, "gone": None}) == {
        "colour": "red",
        "size": 3,
        "new": True,
        "gone": None,
    }
    for bad in ([1, 2], "text", {"k": [1]}, {"k": {"n": 1}}, {"": "v"}, {"k": "x" * 1001}):
        with pytest.raises(ValidationFailedError) as error:
            clean_attributes(bad)
        assert error.value.field == "attributes"
    with pytest.raises(ValidationFailedError):
        clean_attributes({str(i): i for i in range(101)})
