"""The embedding API: load a snapshot once, then serve requests, one fresh VM each.

    from mtpscript.runtime.service import Snapshot

    app = Snapshot.load("app.msqs", public_key=open("key.pub.pem", "rb").read())
    result = app.handle({"method": "GET", "path": "/users/7"}, gas_limit=100_000,
                        request_id="req-1")
    result.status, result.body, result.sha256, result.gas_used, result.audit

`handle` is thread-safe: every request runs in a VM of its own, used for that request
only, with its own host state; a Snapshot holds only immutable, verified data and, per
thread, a pool of prepared VMs. For low latency, prepare VMs on the serving thread when
it is idle (a VM is bound to the thread that created it):

    app.prepare()                       # at start-up, on the serving thread
    while True:
        result = app.handle(next_request(), gas_limit=100_000, request_id=...)
        send(result)                    # a prepared VM was used: only binding + $main ran
        app.prepare()                   # replace it (and free the used one) off the critical path

Without a prepared VM, `handle` creates one on the spot (same results, byte for byte).
The gas limit comes from the argument, else
`MTP_GAS_LIMIT` (read per request), else 10,000,000; an invalid limit refuses the
request with `{"error":"GasLimitOutOfRange",...}`. See spec/execution.md section 9 for
the audit record.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from mtpscript.compiler import gas
from mtpscript.compiler.modules import check_program
from mtpscript.stdlib.json_codec import quote, to_canonical_json
from mtpscript.stdlib.values import Record

from . import dispatch, seed
from .build import compile_program
from .reference import FixtureHost, run_reference
from .snapshot import SnapshotContents, load_snapshot_file, read_snapshot
from .vm import Program, is_plain_str_dict


class CompileError(Exception):
    """The source did not compile; `result.diagnostics` lists why."""

    def __init__(self, result):
        super().__init__(f"{len(result.diagnostics)} diagnostic(s)")
        self.result = result


@dataclass(frozen=True)
class Result:
    status: int
    headers: dict
    body: bytes
    sha256: str
    gas_used: int
    gas_limit: int | None
    audit: dict

    def envelope(self) -> bytes:
        return dispatch.Response(self.status, self.headers, self.body).envelope(self.gas_used, self.gas_limit)


def gas_limit_from(value, environ=os.environ) -> int:
    """The request's gas limit: `value`, else MTP_GAS_LIMIT, else the default.

    Raises ValueError("GasLimitOutOfRange: ...") unless it is an integer in 1..2,000,000,000.
    """
    raw = value if value is not None else environ.get("MTP_GAS_LIMIT")
    if raw is None:
        return gas.DEFAULT_GAS_LIMIT
    if isinstance(raw, int) and not isinstance(raw, bool):
        if not 1 <= raw <= gas.MAX_GAS_LIMIT:   # compare before any conversion to text: huge ints cannot print
            raise ValueError(f"GasLimitOutOfRange: the gas limit must be an integer from 1 to {gas.MAX_GAS_LIMIT}")
        return raw
    text = str(raw)[:64]
    if not text.isascii() or not text.isdigit() or len(text) > 10 or not 1 <= int(text) <= gas.MAX_GAS_LIMIT:
        raise ValueError(f"GasLimitOutOfRange: the gas limit must be an integer from 1 to {gas.MAX_GAS_LIMIT} "
                         f"(got {text!r})")
    return int(text)


def canonical_request(request: dispatch.Request) -> bytes:
    """The canonical JSON of a request, whose SHA-256 the audit record carries."""
    method, path, query, headers = request.method, request.path, request.query, request.headers
    if type(method) is str and type(path) is str and is_plain_str_dict(query) and is_plain_str_dict(headers):
        # the same bytes as the general path below, without building Records
        return (f'{{"body":{quote(request.body.hex())},"headers":{_str_object(headers)},'
                f'"method":{quote(method)},"path":{quote(path)},"query":{_str_object(query)}}}').encode("utf-8")
    return to_canonical_json(Record({"method": method, "path": path, "query": Record(dict(query)),
                                     "headers": Record(dict(headers)), "body": request.body.hex()}))


def _utf16(item: tuple) -> bytes:
    return item[0].encode("utf-16-be", "surrogatepass")


def _str_object(d: dict) -> str:
    """Canonical JSON (RFC 8785) of a dict of str -> str: keys in UTF-16 code-unit order."""
    if not d:
        return "{}"
    return "{" + ",".join(quote(k) + ":" + quote(v) for k, v in sorted(d.items(), key=_utf16)) + "}"


class Snapshot:
    """A verified program, ready to serve requests."""

    def __init__(self, contents: SnapshotContents, check=None):
        self.contents = contents
        self.program = Program.from_manifest(contents.manifest, contents.bytecode)
        self.check = check     # the checked source, when compiled in memory (enables the reference engine)

    @classmethod
    def load(cls, path: str | os.PathLike, public_key: bytes | str | os.PathLike | None,
             require_signature: bool = True) -> "Snapshot":
        """Read and verify `path` (+ `path.sig`) before any bytecode reaches the engine."""
        key = public_key
        if isinstance(key, (str, os.PathLike)) and Path(key).exists():
            key = Path(key).read_bytes()
        return cls(load_snapshot_file(path, key, require_signature))

    def prepare(self, n: int = 1) -> int:
        """Make sure at least `n` prepared VMs wait for this thread's next requests (created,
        hardened, given the host bridge and loaded with the bytecode; nothing of a request
        yet). Call it on the thread that will call `handle`, off the critical path: after
        start-up and after sending each response. Also frees the VMs this thread used
        since its last call. Returns how many VMs it created."""
        return self.program.prepare(n)

    def prepared_count(self) -> int:
        """How many prepared VMs wait for this thread's requests."""
        return self.program.prepared_count()

    def discard_prepared(self) -> int:
        """Close this thread's prepared VMs and free its used ones (e.g. before the thread
        ends). Returns how many prepared VMs were closed."""
        return self.program.discard_prepared()

    @classmethod
    def from_source(cls, path: str | os.PathLike) -> "Snapshot":
        """Compile `path` in memory (what `mtpc run app.mtp` does); same seed as its .msqs."""
        check = check_program([str(path)])
        if not check.ok:
            raise CompileError(check)
        built = compile_program(check, check.order[-1])
        return cls(read_snapshot(built.snapshot, require_signature=False), check)

    def handle(self, request: dispatch.Request | dict, gas_limit: int | str | None = None, *,
               request_id: str = seed.DEFAULT_REQUEST_ID, account_id: str = seed.DEFAULT_ACCOUNT_ID,
               function_version: str = seed.DEFAULT_FUNCTION_VERSION, host=None, engine: str = "vm") -> Result:
        """Serve one request. engine="reference" runs the Python reference interpreter instead
        of the VM (only for a Snapshot compiled from source; it is the oracle, not a product path)."""
        if isinstance(request, dict):
            request = dispatch.Request.from_target(request.get("method", "GET"), request.get("path", "/"),
                                                   request.get("headers", {}), request.get("body", b""))
        try:
            limit = gas_limit_from(gas_limit)
        except ValueError:
            raw = gas_limit if gas_limit is not None else os.environ.get("MTP_GAS_LIMIT")
            shown = raw[:32] if isinstance(raw, str) else ("a huge integer" if isinstance(raw, int)
                                                            and abs(raw) > 10**32 else str(raw)[:32])
            response = dispatch.error_response("GasLimitOutOfRange", 500, gasLimit=shown,
                                               message=f"the gas limit must be an integer from 1 to "
                                                       f"{gas.MAX_GAS_LIMIT}")
            return self._result(request, response, 0, None, None, request_id)
        request_seed = seed.compute_seed(request_id, account_id, function_version, self.contents.content_hash, limit)
        host = host if host is not None else FixtureHost()
        if engine == "reference":
            if self.check is None:
                raise ValueError("the reference engine needs the program's source")
            if hasattr(host, "bind_seed"):
                host.bind_seed(request_seed)
            outcome = run_reference(self.check, request, limit, host)
        else:
            outcome = self.program.handle(request, limit, host, request_seed)
        return self._result(request, outcome.response, outcome.gas_used, limit, request_seed, request_id)

    def _result(self, request, response, gas_used, limit, request_seed, request_id) -> Result:
        body_hash = hashlib.sha256(response.body).hexdigest()
        audit = {"requestId": request_id, "seed": request_seed.hex() if request_seed else None,
                 "gasLimit": limit, "gasUsed": gas_used, "snapshot": self.contents.content_hash_hex,
                 "requestSha256": hashlib.sha256(canonical_request(request)).hexdigest(),
                 "responseSha256": body_hash, "status": response.status}
        return Result(response.status, dict(response.headers), response.body, body_hash, gas_used, limit, audit)


def audit_line(audit: dict) -> bytes:
    """One canonical JSON line for an audit log."""
    return to_canonical_json(Record(audit)) + b"\n"
