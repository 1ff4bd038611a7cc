"""`mtpc`: the MTPScript command-line compiler.

Exit status: 0 success, 1 the program has diagnostics, 2 usage or I/O error.
No traceback reaches the user for any input; an internal error (a compiler bug)
prints a one-line report and exits 3.
"""

from __future__ import annotations

import argparse
import sys

from .diagnostics import render_json, render_text
from .modules import check_program

EXIT_OK, EXIT_DIAGNOSTICS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

DESCRIPTION = """\
mtpc compiles MTPScript, a deterministic language for HTTP APIs, into signed
QuickJS bytecode snapshots.

commands:
  check FILE...    type-check and effect-check programs; print diagnostics

examples:
  mtpc check examples/payments.mtp
  mtpc check --format json src/*.mtp

See spec/ for the language and spec/diagnostics.md for every error code."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # usage errors exit 2 with a hint, never a traceback
        self.print_usage(sys.stderr)
        sys.stderr.write(f"mtpc: error: {message}\nhint: run `mtpc --help` for the commands and options\n")
        sys.exit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mtpc", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    check = sub.add_parser("check", help="type-check and effect-check MTPScript files",
                           description="Check MTPScript files and the files they import. Prints every diagnostic "
                                       "with its code, file:line:column and a hint. Exit 0 if clean, 1 if there "
                                       "are diagnostics, 2 on usage or I/O errors.")
    check.add_argument("files", nargs="+", metavar="FILE", help="an .mtp source file")
    check.add_argument("--format", choices=("text", "json"), default="text",
                       help="text: human-readable, coloured on a terminal (default); json: a list of diagnostic objects")
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                       help="colour text output: auto (only on a terminal), always or never")
    return parser


def cmd_check(args) -> int:
    try:
        result = check_program(args.files)
    except OSError as err:
        sys.stderr.write(f"mtpc: error: {err}\n")
        return EXIT_USAGE
    if args.format == "json":
        sys.stdout.write(render_json(result.diagnostics) + "\n")
    else:
        colour = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
        for d in result.diagnostics:
            loaded = result.modules.get(d.file)
            lines = loaded.text.splitlines() if loaded is not None else None
            sys.stdout.write(render_text(d, lines, colour) + "\n\n")
        errors = len(result.diagnostics)
        files = len(result.modules)
        summary = f"{errors} error{'s' * (errors != 1)}" if errors else "no errors"
        sys.stderr.write(f"mtpc check: {files} file{'s' * (files != 1)} checked, {summary}\n")
    return EXIT_OK if result.ok else EXIT_DIAGNOSTICS


COMMANDS = {"check": cmd_check}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        return 130
    except Exception as err:  # noqa: BLE001 - last resort: a compiler bug, reported without a traceback
        sys.stderr.write(f"mtpc: internal error: {type(err).__name__}: {err}\n"
                         "This is a bug in mtpc; please report it with the input that caused it.\n")
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
