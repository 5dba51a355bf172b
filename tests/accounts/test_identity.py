"""Phone and CCCD normalisation: pure functions, no database."""
import pytest

from quiz.accounts.identity import lookup_keys, normalise_cccd, normalise_phone
from quiz.errors import DomainError


@pytest.mark.parametrize("raw", [
    "0912345678",
    "0912 345 678",
    "0912.345.678",
    "0912-345-678",
    "+84912345678",
    "+84 912 345 678",
    "84912345678",
    "0084912345678",
    "00 84 912 345 678",
    "(091) 234-5678",
    "  0912345678\t",
    "+84 (0) 912 345 678",   # the trunk 0 written after the country code
    "840912345678",
    "０９１２３４５６７８",      # full-width digits, as some phone keyboards type them
])
def test_spellings_of_one_phone_number_are_one_number(raw):
    assert normalise_phone(raw) == "0912345678"


def test_eleven_digit_landline_is_kept():
    assert normalise_phone("0243 825 1234") == "02438251234"
    assert normalise_phone("+84 24 3825 1234") == "02438251234"


@pytest.mark.parametrize("raw", [
    None, "", "   ", "abc", "12345", "091234567", "091234567890", "912345678",
    "0912345678a", "00912345678", "+8400912345678", "+1 555 123 4567",
    "٠٩١٢٣٤٥٦٧٨",          # Arabic-Indic digits: not a spelling of an ASCII number
    "0912345678" + "9" * 10_000,
])
def test_bad_phone_numbers_are_refused_in_vietnamese(raw):
    with pytest.raises(DomainError) as refused:
        normalise_phone(raw)
    assert refused.value.field == "phone"
    assert "Số điện thoại không hợp lệ" in refused.value.message


@pytest.mark.parametrize("raw, expected", [
    ("001095000123", "001095000123"),
    ("001 095 000 123", "001095000123"),
    ("001.095.000.123", "001095000123"),
    (" 001-095-000-123 ", "001095000123"),
    ("123456789", "123456789"),          # old 9-digit CMND
    ("123 456 789", "123456789"),
    ("００１０９５０００１２３", "001095000123"),
])
def test_cccd_is_twelve_digits_or_nine_for_an_old_cmnd(raw, expected):
    assert normalise_cccd(raw) == expected


@pytest.mark.parametrize("raw", [
    None, "", "00109500012", "0010950001234", "12345678", "1234567890",
    "00109500012a", "CCCD001095000123", "١٢٣٤٥٦٧٨٩",
])
def test_bad_cccd_is_refused_in_vietnamese(raw):
    with pytest.raises(DomainError) as refused:
        normalise_cccd(raw)
    assert refused.value.field == "cccd"
    assert "Số CCCD không hợp lệ" in refused.value.message


@pytest.mark.parametrize("identifier, expected", [
    ("0912 345 678", ("0912345678", None)),
    ("+84912345678", ("0912345678", None)),
    ("001 095 000 123", (None, "001095000123")),
    ("123456789", (None, "123456789")),
    ("không phải số", (None, None)),
    ("", (None, None)),
    (None, (None, None)),
])
def test_lookup_keys_say_what_an_identifier_can_be(identifier, expected):
    assert lookup_keys(identifier) == expected
