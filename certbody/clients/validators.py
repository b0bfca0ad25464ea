"""GB 32100-2015 unified social credit code (统一社会信用代码) with its check character."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    total = sum(_CHARS.index(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHARS[(31 - total % 31) % 31]


def is_valid_uscc(code: str) -> bool:
    code = (code or "").strip().upper()
    if len(code) != 18 or any(c not in _CHARS for c in code):
        return False
    return uscc_check_char(code[:17]) == code[17]


def validate_uscc(value: str) -> None:
    if not is_valid_uscc(value):
        raise ValidationError(
            _("%(value)s is not a valid unified social credit code (18 characters with a correct check character)."),
            params={"value": value},
            code="invalid_uscc",
        )
