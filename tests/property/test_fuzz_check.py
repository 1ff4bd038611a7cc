"""Robustness: no input makes the front end raise (LANGUAGE.md: never a traceback).

10,000 generated inputs in the default run: random bytes, random token soups and
random mutations of the valid conformance corpus and examples. Set
MTP_FUZZ_SCALE=10 (or run `pytest -m slow`) for a longer run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from mtpscript.compiler.modules import SourceError, check_source, decode_source

ROOT = Path(__file__).resolve().parents[2]
CORPUS = sorted(p.read_text(encoding="utf-8") for p in [*ROOT.glob("tests/conformance/check/valid/*.mtp"),
                                                         *ROOT.glob("examples/*.mtp")])
SCALE = int(os.environ.get("MTP_FUZZ_SCALE", "1"))

TOKENS = ["function", "api", "type", "const", "let", "match", "if", "else", "return", "respond", "await",
          "uses", "import", "from", "sensitive", "{", "}", "(", ")", "[", "]", ",", ";", ":", ".", "=>", "|>",
          "|", "=", "==", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%", "!", "&&", "||", "_", "x", "y",
          "f", "Some", "None", "Ok", "Err", "List", "Map", "Decimal", "number", "string", "boolean", "Json",
          "0", "1", "-1", "12.50", '"s"', '"/p/:id"', "GET", "POST", "true", "false", "\n", " ", "class",
          "while", "for", "null", "===", "+=", "++", "?", "/re/g", "'q'", "1e5", "0x1F", "//c\n", "/*c*/", "/*",
          '"open', "\\", "\x00", "é", "request", "json", "status", "text", "Log", "DbRead", "<T>", "T"]


def check_text(text: str) -> None:
    result = check_source(text, "fuzz.mtp")
    for d in result.diagnostics:
        assert d.code.startswith("E") and d.span.line >= 1 and d.span.column >= 1


def fuzz_settings(examples: int):
    return settings(max_examples=examples * SCALE, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@fuzz_settings(4000)
@given(st.binary(max_size=400))
def test_random_bytes_never_raise(data: bytes):
    try:
        text = decode_source(data)
    except SourceError as err:
        assert err.diagnostic.code == "E0009"
        return
    check_text(text)


@fuzz_settings(3000)
@given(st.lists(st.sampled_from(TOKENS), max_size=80).map(" ".join))
def test_token_soup_never_raises(text: str):
    check_text(text)


@pytest.mark.skipif(not CORPUS, reason="no corpus")
@fuzz_settings(3000)
@given(st.data())
def test_mutated_corpus_never_raises(data):
    text = data.draw(st.sampled_from(CORPUS))
    for _ in range(data.draw(st.integers(1, 4))):
        pos = data.draw(st.integers(0, len(text)))
        action = data.draw(st.sampled_from(["delete", "insert", "duplicate"]))
        if action == "delete":
            end = data.draw(st.integers(pos, min(len(text), pos + 12)))
            text = text[:pos] + text[end:]
        elif action == "insert":
            text = text[:pos] + data.draw(st.sampled_from(TOKENS)) + text[pos:]
        else:
            end = data.draw(st.integers(pos, min(len(text), pos + 40)))
            text = text[:end] + text[pos:end] + text[end:]
    check_text(text)
