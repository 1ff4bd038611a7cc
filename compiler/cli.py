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
  check FILE...                 type-check and effect-check programs; print diagnostics
  run FILE [METHOD PATH]        compile in memory and serve one request in a fresh sealed VM

examples:
  mtpc check examples/payments.mtp
  mtpc check --format json src/*.mtp
  mtpc run examples/hello.mtp
  mtpc run examples/users.mtp GET /users/7 --envelope
  mtpc run examples/payments.mtp POST /pay --body '{"amount": 12.50}' --gas-limit 100000

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
    run = sub.add_parser("run", help="run one request against a program in a fresh sealed VM",
                         description="Compile FILE in memory and execute one request in a fresh, hardened QuickJS "
                                     "VM. Prints the canonical response body bytes and nothing else. Exit 0 for a "
                                     "2xx response, 1 for any other response (the body is still printed), 2 when "
                                     "the program does not compile or the options are invalid.")
    run.add_argument("file", metavar="FILE", help="the .mtp program")
    run.add_argument("method", metavar="METHOD", nargs="?", help="HTTP method (may be omitted with one route)")
    run.add_argument("path", metavar="PATH", nargs="?", help="request path with optional ?query")
    run.add_argument("--body", default="", help="request body (JSON text)")
    run.add_argument("--header", action="append", default=[], metavar="K:V", help="a request header; repeatable")
    run.add_argument("--gas-limit", metavar="N",
                     help="gas limit, 1 to 2000000000 (default: $MTP_GAS_LIMIT, else 10000000)")
    run.add_argument("--envelope", action="store_true",
                     help='print {"status", "headers", "body", "sha256", "gasUsed", "gasLimit"} instead of the body')
    run.add_argument("--engine", choices=("vm", "reference"), default="vm",
                     help="vm: compiled bytecode in QuickJS (default); reference: the Python reference interpreter")
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


def gas_limit_from(option: str | None, environ) -> int:
    """--gas-limit, else MTP_GAS_LIMIT, else the default; GasLimitOutOfRange if invalid."""
    from .gas import DEFAULT_GAS_LIMIT, MAX_GAS_LIMIT
    raw = option if option is not None else environ.get("MTP_GAS_LIMIT")
    if raw is None:
        return DEFAULT_GAS_LIMIT
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_GAS_LIMIT:
        raise ValueError(f"GasLimitOutOfRange: the gas limit must be an integer from 1 to {MAX_GAS_LIMIT} "
                         f"(got {raw!r})")
    return int(raw)


def cmd_run(args) -> int:
    import os

    from mtpscript.runtime import dispatch

    try:
        gas_limit = gas_limit_from(args.gas_limit, os.environ)
    except ValueError as err:
        sys.stderr.write(f"mtpc: error: {err}\n")
        return EXIT_USAGE
    headers = {}
    for item in args.header:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            sys.stderr.write(f"mtpc: error: --header wants NAME:VALUE, got {item!r}\n")
            return EXIT_USAGE
        headers[name.strip().lower()] = value.strip()
    try:
        result = check_program([args.file])
    except OSError as err:
        sys.stderr.write(f"mtpc: error: {err}\n")
        return EXIT_USAGE
    if not result.ok:
        for d in result.diagnostics:
            loaded = result.modules.get(d.file)
            sys.stderr.write(render_text(d, loaded.text.splitlines() if loaded else None, sys.stderr.isatty()) + "\n\n")
        return EXIT_USAGE
    routes = [r for p in result.order if result.modules[p].checked for r in result.modules[p].checked.typed.routes]
    method, target = args.method, args.path
    if method is None:
        if len(routes) != 1 or routes[0].params:
            sys.stderr.write("mtpc: error: give METHOD and PATH: the program has "
                             f"{len(routes)} routes\n" if len(routes) != 1 else
                             "mtpc: error: give METHOD and PATH: the route has path parameters\n")
            return EXIT_USAGE
        method, target = routes[0].method, routes[0].path
    elif target is None:
        sys.stderr.write("mtpc: error: give both METHOD and PATH\n")
        return EXIT_USAGE
    path, query = dispatch.split_target(target)
    request = dispatch.Request(method.upper(), path, query, headers, args.body.encode("utf-8"))
    outcome = execute(result, request, gas_limit, args.engine)
    response = outcome.response
    out = response.envelope(outcome.gas_used, gas_limit) if args.envelope else response.body
    sys.stdout.buffer.write(out)
    sys.stdout.buffer.flush()
    return EXIT_OK if 200 <= response.status < 300 else EXIT_DIAGNOSTICS


def execute(result, request, gas_limit: int, engine: str):
    """Serve one request with the chosen engine."""
    from mtpscript.runtime.reference import FixtureHost, run_reference
    if engine == "reference":
        return run_reference(result, request, gas_limit, FixtureHost())
    from mtpscript.runtime.vm import Program
    return Program.from_check(result).handle(request, gas_limit, FixtureHost())


COMMANDS = {"check": cmd_check, "run": cmd_run}


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
