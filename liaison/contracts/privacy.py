"""Masking of personal data (names, phone numbers, e-mail addresses, ID numbers).

Used for every log line (through :class:`liaison.service_kit.logs.MaskPersonalData`) and for every
message that goes to anyone but the submitter.
"""

from __future__ import annotations

import re

# Mainland mobile numbers (11 digits starting 1[3-9]), optionally written +86 / with spaces or dashes.
_MOBILE = re.compile(r"(?<![\d])(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?![\d])")
# Landlines such as 0537-7321234 or 053 77321234.
_LANDLINE = re.compile(r"(?<![\d])(0\d{2,3})[- ]?(\d{3,4})(\d{4})(?![\d])")
# Resident identity card numbers (18 characters, the last may be X).
_ID_CARD = re.compile(r"(?<![\dA-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![\dA-Za-z])")
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*(@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def mask_phone(phone: str | None) -> str:
    """``13812345678`` → ``138****5678``; anything shorter keeps only its last two digits."""
    if not phone:
        return ""
    digits = re.sub(r"\D", "", phone)
    if len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    return "*" * max(len(digits) - 2, 0) + digits[-2:]


def mask_name(name: str | None) -> str:
    """``张三`` → ``张*``, ``欧阳娜娜`` → ``欧***``, ``Li Lei`` → ``L*****``."""
    if not name:
        return ""
    name = name.strip()
    return name[:1] + "*" * (len(name) - 1)


def mask_email(email: str | None) -> str:
    if not email:
        return ""
    return _EMAIL.sub(r"\1***\2", email)


def mask_text(text: str) -> str:
    """Mask every phone number, ID number and e-mail address found in free text."""
    text = _ID_CARD.sub(r"\1********\2", text)
    text = _MOBILE.sub(r"\1****\3", text)
    text = _LANDLINE.sub(r"\1-****\3", text)
    return _EMAIL.sub(r"\1***\2", text)
