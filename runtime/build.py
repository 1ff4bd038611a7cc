"""From a checked program to the artefacts a runtime loads: JS, bytecode, manifest, snapshot."""

from __future__ import annotations

from dataclasses import dataclass

from mtpscript.compiler import COMPILER_VERSION
from mtpscript.compiler.lowering import lower_program
from mtpscript.compiler.manifest import build_manifest

from .engine import compile_js
from .snapshot import build_snapshot, read_snapshot


@dataclass(frozen=True)
class Built:
    js: str
    bytecode: bytes
    manifest: dict
    snapshot: bytes          # unsigned .msqs bytes
    content_hash: bytes      # the snapshot's SHA-256 content hash (an input of the request seed)


def compile_program(check, entry: str) -> Built:
    """Lower, compile and package a checked program. The JS is compiled under the fixed
    name "program.js" (QuickJS embeds the name in the bytecode), so builds are reproducible."""
    js = lower_program(check)
    bytecode = compile_js(js, "program.js")
    manifest = build_manifest(check, entry)
    snapshot = build_snapshot(manifest, bytecode, COMPILER_VERSION)
    contents = read_snapshot(snapshot, require_signature=False)
    return Built(js, bytecode, manifest, snapshot, contents.content_hash)
