"""Fixtures for the acceptance evidence of issue #5: snapshots as deployable artefacts,
the deterministic seed, one fresh VM per request, audit records and the embedding API.

The CLI is exercised as a user runs it: the installed ``mtpc`` console script (the one
beside the running interpreter), in subprocesses, with controlled environments.
Test modules get the helpers through the ``svc`` fixture (they never import conftest).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(Path(p) for p in glob.glob(str(REPO_ROOT / "examples" / "*.mtp")))

#: The eight keys of an audit record (spec/execution.md §9).
AUDIT_KEYS = frozenset({"requestId", "seed", "gasLimit", "gasUsed", "snapshot", "requestSha256",
                        "responseSha256", "status"})

#: A program whose routes cover: no effects, a path parameter, effects (Log, DbRead).
SERVICE_APP = """\
function greet(name: string): string {
  "hello, " + name
}

api GET "/ping" {
  respond json({ "ok": true })
}

api GET "/greet/:name" {
  respond json({ "message": greet(request.params.name), "length": String.length(request.params.name) })
}

api GET "/items/:id" uses { DbRead, Log } {
  Log.info("lookup", { "id": request.params.id })
  match DbRead.query("SELECT * FROM items WHERE id = ?", [JsonString(request.params.id)]) {
    Ok(rows) => respond json({ "id": request.params.id, "rows": List.length(rows) }),
    Err(e) => respond status(503, json({ "error": e.message }))
  }
}
"""


def mtpc_command() -> list[str]:
    """The installed console script next to this interpreter (else the module)."""
    script = Path(sys.executable).with_name("mtpc")
    if script.exists():
        return [str(script)]
    found = shutil.which("mtpc")
    return [found] if found else [sys.executable, "-m", "mtpscript.compiler.cli"]


def clean_env(**overrides: str | None) -> dict[str, str]:
    """The current environment without MTP_GAS_LIMIT, plus `overrides` (None removes)."""
    env = {k: v for k, v in os.environ.items() if k != "MTP_GAS_LIMIT"}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    for k, v in overrides.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


def mtpc(*args: str, cwd: str | os.PathLike | None = None, hashseed: str = "0",
         env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run `mtpc ARGS...`; stdout/stderr as bytes."""
    environment = clean_env(PYTHONHASHSEED=hashseed) if env is None else env
    return subprocess.run(mtpc_command() + [str(a) for a in args], cwd=cwd, env=environment,
                          capture_output=True, timeout=timeout)


def mtpc_many(*calls: tuple, workers: int = 4) -> list[subprocess.CompletedProcess]:
    """Run several `mtpc` commands concurrently; each call is a tuple of arguments, or
    (args_tuple, kwargs_dict) for cwd/env/hashseed. Results in the order given."""
    def one(call):
        if len(call) == 2 and isinstance(call[0], tuple) and isinstance(call[1], dict):
            return mtpc(*call[0], **call[1])
        return mtpc(*call)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, calls))


def assert_clean_refusal(proc: subprocess.CompletedProcess, code: int, *needles: str) -> str:
    """Exit `code`, no traceback, one clear `mtpc: error:` line naming `needles`."""
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == code, (proc.returncode, err, proc.stdout)
    assert "Traceback" not in err and "internal error" not in err, err
    for needle in needles:
        assert needle in err, (needle, err)
    return err


class Helpers:
    repo_root = REPO_ROOT
    examples = EXAMPLES
    audit_keys = AUDIT_KEYS
    service_app = SERVICE_APP
    mtpc_command = staticmethod(mtpc_command)
    clean_env = staticmethod(clean_env)
    mtpc = staticmethod(mtpc)
    mtpc_many = staticmethod(mtpc_many)
    assert_clean_refusal = staticmethod(assert_clean_refusal)


@pytest.fixture(scope="session")
def svc() -> Helpers:
    return Helpers()


@pytest.fixture(scope="session")
def app_source(tmp_path_factory) -> Path:
    """SERVICE_APP written to a file (app.mtp)."""
    path = tmp_path_factory.mktemp("service-app") / "app.mtp"
    path.write_text(SERVICE_APP, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def app_snapshot(app_source):
    """SERVICE_APP compiled in memory (a Snapshot), shared by the in-process tests."""
    from mtpscript.runtime.service import Snapshot
    return Snapshot.from_source(app_source)


@pytest.fixture(scope="session")
def signed_app(tmp_path_factory, app_source):
    """A key pair from `mtpc keygen` and SERVICE_APP compiled and signed with `mtpc compile --sign`."""
    work = tmp_path_factory.mktemp("signed")
    src = work / "app.mtp"
    shutil.copyfile(app_source, src)
    keygen = mtpc("keygen", "-o", work / "key.pem")
    assert keygen.returncode == 0, keygen.stderr
    comp = mtpc("compile", src, "-o", work / "app.msqs", "--sign", work / "key.pem")
    assert comp.returncode == 0, comp.stderr

    class Signed:
        dir = work
        source = src
        msqs = work / "app.msqs"
        sig = work / "app.msqs.sig"
        key = work / "key.pem"
        pub = work / "key.pub.pem"
    return Signed
