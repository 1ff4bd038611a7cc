"""Reproducibility (issue #5, acceptance: "compile the examples twice in different temp
directories with different PYTHONHASHSEED values; snapshots byte-identical").

Every examples/*.mtp is copied into unrelated temporary directories and compiled by
`mtpc compile` subprocesses:

* A: cwd = the copy's directory, relative path `name.mtp`, PYTHONHASHSEED=1, TZ=UTC, LC_ALL=C;
* B: another directory and output name, PYTHONHASHSEED=4242, TZ=Pacific/Kiritimati,
  LC_ALL=C.UTF-8 (relative path `name.mtp`, as A);
* C: the same as B but the source and output are given as absolute paths, from a third cwd.

A, B and C must be byte-identical, and the in-memory build that `mtpc run app.mtp` and
`Snapshot.from_source` use must have the same content hash.
"""

from __future__ import annotations

import hashlib
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mtpscript.runtime.service import Snapshot
from mtpscript.runtime.snapshot import HASH_SIZE, read_snapshot

EXAMPLE_NAMES = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "examples").glob("*.mtp"))
PATH_BUG = "/tmp/mtp-service-bugs/01-snapshot-depends-on-source-path.md"


@pytest.fixture(params=EXAMPLE_NAMES)
def example_name(request):
    return request.param


def _first_difference(a: bytes, b: bytes) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


@pytest.fixture(scope="module")
def compiled(svc, tmp_path_factory):
    """example name -> {"A": bytes, "B": bytes, "C": bytes, "dir_a": Path, "repo": Path}."""
    assert len(svc.examples) >= 5, "expected the examples of examples/*.mtp"
    jobs, dirs = [], {}
    for example in svc.examples:
        name = example.name
        a = tmp_path_factory.mktemp(f"repro-a-{example.stem}")
        b = tmp_path_factory.mktemp(f"repro-b-{example.stem}")
        c = tmp_path_factory.mktemp(f"repro-c-{example.stem}")
        for d in (a, b / "src", c / "deep" / "src"):
            d.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(example, d / name)
        (c / "cwd").mkdir()
        dirs[example.stem] = a
        env_a = svc.clean_env(PYTHONHASHSEED="1", TZ="UTC", LC_ALL="C")
        env_b = svc.clean_env(PYTHONHASHSEED="4242", TZ="Pacific/Kiritimati", LC_ALL="C.UTF-8")
        jobs.append((example.stem, "A", a / f"{example.stem}.msqs",
                     ("compile", name, "-o", f"{example.stem}.msqs"), a, env_a))
        jobs.append((example.stem, "B", b / "src" / "build-output.msqs",
                     ("compile", name, "-o", "build-output.msqs"), b / "src", env_b))
        out_c = c / "deep" / "out.msqs"
        jobs.append((example.stem, "C", out_c,
                     ("compile", c / "deep" / "src" / name, "-o", out_c), c / "cwd", env_b))

    def run(job):
        stem, which, out, args, cwd, env = job
        proc = svc.mtpc(*args, cwd=cwd, env=env)
        assert proc.returncode == 0, (stem, which, proc.stderr.decode())
        assert b"Traceback" not in proc.stderr
        return stem, which, out.read_bytes()

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(run, jobs))
    out: dict[str, dict] = {ex.stem: {"dir_a": dirs[ex.stem], "repo": ex} for ex in svc.examples}
    for stem, which, data in results:
        out[stem][which] = data
    return out


def test_examples_are_there(svc):
    assert EXAMPLE_NAMES == [p.stem for p in svc.examples] and len(EXAMPLE_NAMES) >= 5


def test_two_directories_two_hash_seeds_byte_identical(compiled, example_name):
    a, b = compiled[example_name]["A"], compiled[example_name]["B"]
    assert a[:4] == b"MSQS"
    assert a == b, (f"{example_name}: builds differ (sizes {len(a)} / {len(b)}, "
                    f"first difference at byte {_first_difference(a, b)})")


def test_path_spelling_does_not_matter(compiled, example_name):
    """`mtpc compile /abs/dir/app.mtp` must write the same bytes as `mtpc compile app.mtp`
    (bug 01: the lowering embeds the path as given into closure ids)."""
    a, c = compiled[example_name]["A"], compiled[example_name]["C"]
    assert a == c, (f"{example_name}: relative vs absolute source path give different snapshots "
                    f"(sizes {len(a)} / {len(c)}, first difference at byte {_first_difference(a, c)}); "
                    f"see {PATH_BUG}")


def test_content_hash_is_the_trailing_sha256(compiled, example_name):
    a = compiled[example_name]["A"]
    assert a[-HASH_SIZE:] == hashlib.sha256(a[:-HASH_SIZE]).digest()
    assert read_snapshot(a, require_signature=False).content_hash == a[-HASH_SIZE:]


def test_in_memory_build_has_the_same_content_hash(compiled, example_name, monkeypatch):
    """`mtpc run app.mtp` / Snapshot.from_source build the very snapshot `mtpc compile` writes."""
    entry = compiled[example_name]
    a = entry["A"]
    monkeypatch.chdir(entry["dir_a"])
    in_memory = Snapshot.from_source(f"{example_name}.mtp")
    assert in_memory.contents.content_hash == a[-HASH_SIZE:]
    from_file = Snapshot(read_snapshot(a, require_signature=False))
    assert in_memory.contents.bytecode == from_file.contents.bytecode
    assert in_memory.contents.manifest_json == from_file.contents.manifest_json


def test_in_memory_build_from_the_repository_path(compiled, example_name):
    """A host calling Snapshot.from_source("/abs/path/examples/x.mtp") gets the same content
    hash, hence the same seeds, as the deployed .msqs (spec/snapshot.md §7.4; bug 01)."""
    entry = compiled[example_name]
    in_memory = Snapshot.from_source(entry["repo"])
    assert in_memory.contents.content_hash.hex() == entry["A"][-HASH_SIZE:].hex(), PATH_BUG


def test_manifest_declares_routes_and_effects(compiled, example_name):
    manifest = read_snapshot(compiled[example_name]["A"], require_signature=False).manifest
    assert manifest["routes"], example_name
    for route in manifest["routes"]:
        assert {"method", "path", "effects", "sensitive", "bodyType"} <= set(route)
        assert route["effects"] == sorted(set(route["effects"]))
    assert {"gasTableHash", "unionHashes", "sourceHash"} <= set(manifest)
