"""Hypothesis strategies for what may arrive at intake: valid submissions and every kind of wrong.

``bodies()`` draws ``(kind, body bytes, content type)``; ``kind`` names the generator, for the
counts the fuzz tests print. ``collect(n)`` draws n of them outside a test (for sending).
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from liaison.contracts.submission import CHANNELS, MAX_BODY_BYTES, SUBMITTER_TYPES

SCRIPTS = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "javascript:alert(1)",
           "{{7*7}}", "${jndi:ldap://x/a}", "'; DROP TABLE intake_cases; --", "<svg/onload=1>"]

safe_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                    max_size=60)
any_text = st.text(max_size=80)  # control characters, NUL, lone-surrogate-free unicode
nasty_text = st.one_of(safe_text, any_text, st.sampled_from(SCRIPTS),
                       st.builds(lambda a, s: a + s, safe_text, st.sampled_from(SCRIPTS)))

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                         nasty_text)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(st.lists(children, max_size=5),
                               st.dictionaries(nasty_text, children, max_size=5)),
    max_leaves=20,
)


@st.composite
def valid_submission(draw) -> dict[str, Any]:
    """A submission the contract accepts (README, "Submitting a concern")."""
    anonymous = draw(st.booleans())
    kind = draw(st.sampled_from(SUBMITTER_TYPES))
    submitter: dict[str, Any] = {"type": kind}
    if anonymous:
        submitter["anonymous"] = True
    else:
        submitter["name"] = draw(st.text(st.characters(categories=("Lo", "Ll", "Lu")),
                                         min_size=1, max_size=50))
        submitter["phone"] = draw(st.sampled_from(["13812345678", "0537-7321234", "15900001111"]))
        if kind == "enterprise":
            submitter["enterprise_name"] = "梁山宏达挂车有限公司"
    text = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=100)
    doc = {
        "external_id": f"fz-{draw(st.uuids()).hex[:12]}"
                       + draw(st.from_regex(r"[A-Za-z0-9._:/-]{0,80}", fullmatch=True)),
        "channel": draw(st.sampled_from(CHANNELS)),
        "submitter": submitter,
        "town": draw(st.one_of(st.none(), st.sampled_from(["水泊街道", "小路口镇", "韩岗镇"]))),
        "title": draw(text.filter(str.strip).map(lambda t: t[:100])),
        "content": draw(st.one_of(text.filter(str.strip), st.sampled_from(SCRIPTS))),
        "submitted_at": "2026-11-20T09:15:00+08:00",
    }
    if draw(st.booleans()):
        doc["attachments"] = draw(st.lists(st.just("https://files.example.com/a.jpg"),
                                           max_size=10))
    return doc


REQUIRED = ("external_id", "channel", "submitter", "title", "content", "submitted_at")
FIELDS = (*REQUIRED, "town", "category", "location", "attachments")


@st.composite
def mutated_submission(draw) -> dict[str, Any]:
    """A valid submission with one to three things wrong (or, sometimes, still right)."""
    doc = draw(valid_submission())
    for _ in range(draw(st.integers(1, 3))):
        how = draw(st.sampled_from(["drop", "extra", "wrong_type", "huge", "script", "control",
                                    "attachments", "submitter", "date", "nested"]))
        name = draw(st.sampled_from(FIELDS))
        if how == "drop":
            doc.pop(name, None)
        elif how == "extra":
            doc[draw(nasty_text)] = draw(json_values)
        elif how == "wrong_type":
            doc[name] = draw(json_values)
        elif how == "huge":
            doc[name] = "长" * draw(st.sampled_from([101, 4001, 20000, 70000]))
        elif how == "script":
            doc[name] = draw(st.sampled_from(SCRIPTS))
        elif how == "control":
            doc[name] = "a\x00b\x07c\x1b[31m"
        elif how == "attachments":
            doc["attachments"] = draw(st.one_of(
                st.lists(st.just("https://files.example.com/a.jpg"), min_size=11, max_size=30),
                st.lists(st.sampled_from(["ftp://x/y", "javascript:alert(1)", "not a url", ""]),
                         min_size=1, max_size=3)))
        elif how == "submitter":
            doc["submitter"] = draw(st.one_of(json_values, st.fixed_dictionaries(
                {"type": st.sampled_from([*SUBMITTER_TYPES, "alien"])},
                optional={"phone": nasty_text, "email": nasty_text, "name": nasty_text,
                          "anonymous": json_scalars, "extra": json_values})))
        elif how == "date":
            doc["submitted_at"] = draw(st.sampled_from(
                ["2026-11-20T09:15:00", "yesterday", "2026-13-45T99:00:00+08:00", "", 1700000000]))
        else:
            doc[name] = draw(st.integers(50, 5000).map(_deep_object))
    return doc


def _deep_object(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = {"a": value}
    return value


def _dumps(doc: Any) -> bytes:
    try:
        return json.dumps(doc, ensure_ascii=False).encode("utf-8", "surrogatepass")
    except RecursionError:
        return b'{"too": "deep to encode"}'


deep_nesting = st.builds(lambda depth, bracket: (bracket[0] * depth + bracket[1] * depth).encode(),
                         st.integers(100, MAX_BODY_BYTES // 2 + 100),
                         st.sampled_from([("[", "]"), ('{"a":', "}")]))

invalid_utf8 = st.one_of(
    st.binary(min_size=1, max_size=300),
    st.builds(lambda d, junk: _dumps(d)[:-1] + junk + b"}", valid_submission(),
              st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80"])),
)

not_an_object = st.one_of(
    json_scalars.map(_dumps),
    st.lists(json_values, max_size=5).map(_dumps),
    st.sampled_from([b"NaN", b"Infinity", b'{"a": NaN}', b"", b" ", b"{", b"}", b"null",
                     b'{"external_id": "x", "external_id": "y"}', b"\xef\xbb\xbf{}"]),
)

huge_body = st.builds(lambda n: _dumps({"external_id": "fz-huge", "content": "x" * n}),
                      st.sampled_from([MAX_BODY_BYTES - 100, MAX_BODY_BYTES + 1, 200_000]))

KINDS = {
    "valid": valid_submission().map(_dumps),
    "mutated": mutated_submission().map(_dumps),
    "random_json": json_values.map(_dumps),
    "not_an_object": not_an_object,
    "invalid_utf8": invalid_utf8,
    "deep_nesting": deep_nesting,
    "huge": huge_body,
}
CONTENT_TYPES = ["application/json", "application/json; charset=utf-8", "APPLICATION/JSON",
                 "text/plain", "application/x-www-form-urlencoded"]


@st.composite
def bodies(draw) -> tuple[str, bytes, str]:
    kind = draw(st.sampled_from(sorted(KINDS)))
    body = draw(KINDS[kind])
    # Mostly JSON, so the body itself is what gets judged; now and then a wrong content type.
    content_type = draw(st.one_of(st.just("application/json"), st.just("application/json"),
                                  st.just("application/json"), st.sampled_from(CONTENT_TYPES)))
    return kind, body, content_type


def collect(count: int, random_seed: int = 20261120) -> list[tuple[str, bytes, str]]:
    """Draw ``count`` payloads (outside a property test: to send them over the wire)."""
    drawn: list[tuple[str, bytes, str]] = []

    @seed(random_seed)
    @settings(max_examples=count, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(bodies())
    def draw_one(payload: tuple[str, bytes, str]) -> None:
        drawn.append(payload)

    while len(drawn) < count:  # hypothesis may stop a little short; top up with other seeds
        draw_one()
        random_seed += 1
        draw_one = seed(random_seed)(draw_one)
    return drawn[:count]
