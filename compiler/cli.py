"""`mtpc`: the MTPScript command-line compiler.

Exit status: 0 success, 1 the program has diagnostics, 2 usage or I/O error.
No traceback reaches the user for any input; an internal error (a compiler bug)
prints a one-line report and exits 3.
"""

from __future__ import annotations

import argparse
import json
import sys

from .diagnostics import render_json, render_text
from .modules import check_program

EXIT_OK, EXIT_DIAGNOSTICS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

DESCRIPTION = """\
mtpc compiles MTPScript, a deterministic language for HTTP APIs, into signed
QuickJS bytecode snapshots.

commands:
  check FILE...                 type-check and effect-check programs; print diagnostics
  run FILE [METHOD PATH]        compile in memory (or load FILE.msqs) and serve one request in a fresh sealed VM
  compile FILE -o APP.msqs      build a reproducible snapshot (--sign KEY.pem writes APP.msqs.sig)
  keygen -o KEY.pem             create an ECDSA-P256 key pair (KEY.pem, KEY.pub.pem)
  verify APP.msqs --key PUB     check a snapshot's signature, content hash and versions
  inspect APP.msqs              print a snapshot's manifest as JSON

examples:
  mtpc check examples/payments.mtp
  mtpc check --format json src/*.mtp
  mtpc run examples/hello.mtp
  mtpc run examples/users.mtp GET /users/7 --envelope
  mtpc run examples/payments.mtp POST /pay --body '{"amount": 12.50}' --gas-limit 100000
  mtpc keygen -o key.pem && mtpc compile examples/hello.mtp -o hello.msqs --sign key.pem
  mtpc run hello.msqs --key key.pub.pem GET /hello

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
    run.add_argument("--key", metavar="PUB.pem", help="public key that must have signed FILE.msqs")
    run.add_argument("--allow-unsigned", action="store_true",
                     help="run a .msqs without a signature (never in production: bytecode is native code)")
    run.add_argument("--audit", metavar="LOG", help="append the request's audit record to LOG as a JSON line")
    run.add_argument("--request-id", default="00000000-0000-0000-0000-000000000000",
                     help="request id (an input of the deterministic seed)")
    run.add_argument("--account-id", default="000000000000", help="account id (an input of the seed)")
    run.add_argument("--function-version", default="$LATEST", help="function version (an input of the seed)")

    comp = sub.add_parser("compile", help="compile a program into a reproducible .msqs snapshot",
                          description="Check, lower and compile FILE into a snapshot. Same source and compiler give "
                                      "byte-identical output. With --sign, also write FILE.msqs.sig.")
    comp.add_argument("file", metavar="FILE")
    comp.add_argument("-o", "--output", help="snapshot path (default: FILE with .msqs)")
    comp.add_argument("--sign", metavar="KEY.pem", help="ECDSA-P256 private key to sign the snapshot with")

    keygen = sub.add_parser("keygen", help="create an ECDSA-P256 key pair for signing snapshots")
    keygen.add_argument("-o", "--output", default="key.pem", help="private key path; the public key goes beside it "
                                                                 "as NAME.pub.pem (default: key.pem)")
    keygen.add_argument("--force", action="store_true", help="overwrite existing key files")

    verify = sub.add_parser("verify", help="verify a snapshot's signature, hash and versions")
    verify.add_argument("file", metavar="FILE.msqs")
    verify.add_argument("--key", required=True, metavar="PUB.pem", help="the signer's public key")

    inspect = sub.add_parser("inspect", help="print a snapshot's header and manifest as JSON")
    inspect.add_argument("file", metavar="FILE.msqs")
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


def _print_diagnostics(result) -> None:
    for d in result.diagnostics:
        loaded = result.modules.get(d.file)
        sys.stderr.write(render_text(d, loaded.text.splitlines() if loaded else None, sys.stderr.isatty()) + "\n\n")


def _parse_headers(items: list[str]) -> dict[str, str]:
    headers = {}
    for item in items:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            raise ValueError(f"--header wants NAME:VALUE, got {item!r}")
        headers[name.strip().lower()] = value.strip()
    return headers


def _read_key(path: str | None) -> bytes | None:
    if path is None:
        return None
    with open(path, "rb") as handle:
        return handle.read()


def cmd_run(args) -> int:
    import os

    from mtpscript.runtime import dispatch
    from mtpscript.runtime.service import CompileError, Snapshot, audit_line, gas_limit_from
    from mtpscript.runtime.snapshot import SnapshotError

    try:
        gas_limit = gas_limit_from(args.gas_limit, os.environ)
        headers = _parse_headers(args.header)
        if args.file.endswith(".msqs"):
            if args.engine == "reference":
                raise ValueError("--engine reference needs the source (.mtp), not a snapshot")
            app = Snapshot.load(args.file, _read_key(args.key), require_signature=not args.allow_unsigned)
        else:
            app = Snapshot.from_source(args.file)
    except (ValueError, OSError) as err:
        sys.stderr.write(f"mtpc: error: {err}\n")
        return EXIT_USAGE
    except SnapshotError as err:
        sys.stderr.write(f"mtpc: error: snapshot refused: {err}\n")
        return EXIT_USAGE
    except CompileError as err:
        _print_diagnostics(err.result)
        return EXIT_USAGE
    routes = app.program.routes
    method, target = args.method, args.path
    if method is None:
        if len(routes) != 1 or routes[0].params:
            why = f"the program has {len(routes)} routes" if len(routes) != 1 else "the route has path parameters"
            sys.stderr.write(f"mtpc: error: give METHOD and PATH: {why}\n")
            return EXIT_USAGE
        method, target = routes[0].method, routes[0].path
    elif target is None:
        sys.stderr.write("mtpc: error: give both METHOD and PATH\n")
        return EXIT_USAGE
    request = dispatch.Request.from_target(method.upper(), target, headers, args.body.encode("utf-8"))
    ids = {"request_id": args.request_id, "account_id": args.account_id, "function_version": args.function_version}
    result = app.handle(request, gas_limit, engine=args.engine, **ids)
    if args.audit:
        with open(args.audit, "ab") as log:
            log.write(audit_line(result.audit))
    sys.stdout.buffer.write(result.envelope() if args.envelope else result.body)
    sys.stdout.buffer.flush()
    return EXIT_OK if 200 <= result.status < 300 else EXIT_DIAGNOSTICS


def cmd_compile(args) -> int:
    from mtpscript.runtime.build import compile_program
    from mtpscript.runtime.signing import sign
    from mtpscript.runtime.snapshot import write_snapshot_files

    try:
        result = check_program([args.file])
    except OSError as err:
        sys.stderr.write(f"mtpc: error: {err}\n")
        return EXIT_USAGE
    if not result.ok:
        _print_diagnostics(result)
        return EXIT_DIAGNOSTICS
    built = compile_program(result, result.order[-1])
    output = args.output or (args.file[:-4] if args.file.endswith(".mtp") else args.file) + ".msqs"
    try:
        signature = sign(built.snapshot, _read_key(args.sign)) if args.sign else None
        write_snapshot_files(output, built.snapshot, signature)
    except OSError as err:
        sys.stderr.write(f"mtpc: error: {err}\n")
        return EXIT_USAGE
    except Exception as err:  # noqa: BLE001 - a bad key file is a usage error
        if type(err).__name__ not in ("SignatureError", "ValueError"):
            raise
        sys.stderr.write(f"mtpc: error: cannot sign with {args.sign}: {err}\n")
        return EXIT_USAGE
    sys.stderr.write(f"mtpc compile: wrote {output} ({len(built.snapshot)} bytes, content hash "
                     f"{built.content_hash.hex()}){' and ' + output + '.sig' if signature else ''}\n")
    return EXIT_OK


def cmd_keygen(args) -> int:
    from mtpscript.runtime.signing import write_keypair
    try:
        write_keypair(args.output, overwrite=args.force)
    except (OSError, ValueError, FileExistsError) as err:
        sys.stderr.write(f"mtpc: error: {err}\n")
        return EXIT_USAGE
    sys.stderr.write(f"mtpc keygen: wrote {args.output} (private, keep it secret) and its public key\n")
    return EXIT_OK


def _report_snapshot(action) -> int:
    """Run `action() -> str` on a snapshot and print its result; refusals print their JSON."""
    from mtpscript.runtime.snapshot import SnapshotError
    try:
        output = action()
    except OSError as err:
        sys.stderr.write(f"mtpc: error: {err}\n")
        return EXIT_USAGE
    except SnapshotError as err:
        sys.stdout.write(json.dumps(err.to_json(), sort_keys=True) + "\n")
        return EXIT_DIAGNOSTICS
    sys.stdout.write(output + "\n")
    return EXIT_OK


def cmd_verify(args) -> int:
    from mtpscript.runtime.snapshot import load_snapshot_file

    def verify() -> str:
        contents = load_snapshot_file(args.file, _read_key(args.key))
        return json.dumps({"ok": True, "contentHash": contents.content_hash_hex}, sort_keys=True)
    return _report_snapshot(verify)


def cmd_inspect(args) -> int:
    from mtpscript.runtime.snapshot import inspect_snapshot

    def inspect() -> str:
        with open(args.file, "rb") as handle:
            return json.dumps(inspect_snapshot(handle.read()), indent=2, sort_keys=True)
    return _report_snapshot(inspect)


COMMANDS = {"check": cmd_check, "run": cmd_run, "compile": cmd_compile, "keygen": cmd_keygen,
            "verify": cmd_verify, "inspect": cmd_inspect}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    # argparse cannot take optional positionals after options (`run app.msqs --key k GET /x`)
    if getattr(args, "command", None) == "run" and args.path is None and extra and not extra[0].startswith("-") \
            and len(extra) <= 2 - (args.method is not None):
        args.method, args.path = (args.method, extra[0]) if args.method is not None else (extra + [None])[:2]
        extra = []
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
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
