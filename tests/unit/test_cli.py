"""The `mtpc check` command-line contract: output formats, exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

MTPC = [sys.executable, "-m", "mtpscript.compiler.cli"]

BAD = 'function f(a: number): number {\n  a + "x"\n}\n'


def run(args, cwd):
    return subprocess.run([*MTPC, *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def test_clean_file_exits_0(tmp_path):
    (tmp_path / "ok.mtp").write_text("function add(a: number, b: number): number { a + b }\n")
    proc = run(["check", "ok.mtp"], tmp_path)
    assert proc.returncode == 0
    assert proc.stdout == ""
    assert "1 file checked, no errors" in proc.stderr


def test_text_format_is_rustc_style(tmp_path):
    (tmp_path / "bad.mtp").write_text(BAD)
    proc = run(["check", "bad.mtp"], tmp_path)
    assert proc.returncode == 1
    assert proc.stdout == (
        "error[E0207]: `+` cannot be applied to number and string\n"
        "  --> bad.mtp:2:5\n"
        "  |\n"
        '2 |   a + "x"\n'
        "  |     ^\n"
        "  = hint: both operands must have the same type the operator accepts; there is no implicit coercion\n\n")
    assert "\x1b[" not in proc.stdout  # no colour when stdout is not a terminal


def test_json_format_lists_every_field(tmp_path):
    (tmp_path / "bad.mtp").write_text(BAD)
    proc = run(["check", "--format", "json", "bad.mtp"], tmp_path)
    assert proc.returncode == 1
    assert json.loads(proc.stdout) == [{
        "file": "bad.mtp", "line": 2, "column": 5, "endLine": 2, "endColumn": 6, "severity": "error",
        "code": "E0207", "message": "`+` cannot be applied to number and string",
        "hint": "both operands must have the same type the operator accepts; there is no implicit coercion"}]


def test_colour_can_be_forced(tmp_path):
    (tmp_path / "bad.mtp").write_text(BAD)
    assert "\x1b[31m" in run(["check", "--color", "always", "bad.mtp"], tmp_path).stdout


@pytest.mark.parametrize("args", [[], ["check"], ["check", "--format", "xml", "a.mtp"], ["frobnicate"]])
def test_usage_errors_exit_2_without_traceback(tmp_path, args):
    proc = run(args, tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout


def test_missing_file_exits_2(tmp_path):
    proc = run(["check", "missing.mtp"], tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == "mtpc: error: cannot read missing.mtp: No such file or directory\n"


def test_directory_argument_exits_2(tmp_path):
    proc = run(["check", "."], tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("mtpc: error: cannot read .:")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file_exits_2(tmp_path):
    path = tmp_path / "secret.mtp"
    path.write_text("const a = 1\n")
    path.chmod(0)
    proc = run(["check", "secret.mtp"], tmp_path)
    assert proc.returncode == 2
    assert "Permission denied" in proc.stderr


@pytest.mark.parametrize("data, code, line, column", [
    (b"\xff\xfe\x00garbage", "E0009", 1, 1),
    (b"const a = 1\nconst b = \x002\n", "E0009", 2, 11),
    (bytes(range(256)), "E0009", 1, 1),
])
def test_binary_input_is_a_diagnostic(tmp_path, data, code, line, column):
    (tmp_path / "bin.mtp").write_bytes(data)
    proc = run(["check", "--format", "json", "bin.mtp"], tmp_path)
    assert proc.returncode == 1
    [d] = json.loads(proc.stdout)
    assert (d["code"], d["line"], d["column"]) == (code, line, column)


def test_help_teaches_the_commands(tmp_path):
    proc = run(["--help"], tmp_path)
    assert proc.returncode == 0
    assert "mtpc check examples/payments.mtp" in proc.stdout
    assert "check FILE..." in proc.stdout
