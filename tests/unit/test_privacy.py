import json
import logging

from liaison.contracts.privacy import mask_email, mask_name, mask_phone, mask_text
from liaison.service_kit.logs import JsonFormatter, MaskPersonalData


def test_masks():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_email("wang.xiaoming@example.com") == "w***@example.com"
    assert mask_phone(None) == "" and mask_name("") == ""


def test_mask_text_finds_numbers_in_free_text():
    text = "电话13812345678或+86 139-1234-5678，座机0537-7321234，身份证370832199001011234，邮箱a.b@x.cn"
    masked = mask_text(text)
    for secret in ("13812345678", "1234-5678", "7321234", "199001011234", "a.b@x.cn"):
        assert secret not in masked
    assert "138****5678" in masked


def test_mask_text_leaves_case_numbers_alone():
    assert mask_text("LS-2026-000123") == "LS-2026-000123"


def record(msg, *args, **extra):
    rec = logging.LogRecord("t", logging.INFO, __file__, 1, msg, args, None)
    for key, value in extra.items():
        setattr(rec, key, value)
    return rec


def test_log_filter_masks_message_arguments_and_extras():
    rec = record("submitter %s called", "13812345678", note="call 13912345678")
    assert MaskPersonalData().filter(rec)
    line = json.loads(JsonFormatter().format(rec))
    assert line["msg"] == "submitter 138****5678 called"
    assert line["note"] == "call 139****5678"


def test_log_filter_masks_exception_text():
    try:
        raise ValueError("bad phone 13812345678")
    except ValueError:
        import sys
        rec = logging.LogRecord("t", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    MaskPersonalData().filter(rec)
    assert "13812345678" not in JsonFormatter().format(rec)
