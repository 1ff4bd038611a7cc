"""Only bytecode is executed; source text and malformed blobs are refused cleanly.

QuickJS does not verify bytecode: a crafted blob can crash the process, so the
real defence is verifying the snapshot signature before loading. These tests
cover only what is safe to feed the reader: source text, wrong version bytes,
every truncation of a real program, and well-formed blobs that are not scripts.
"""

from __future__ import annotations

import pytest

from mtpscript.runtime.engine import EngineError, SealedVM, compile_js

PROGRAM = """
function main(a, b) {
  const o = { x: [1, 2, 3], s: "str", n: 2n ** 70n, f: 1.5, re: /re+/g };
  return JSON.stringify({ x: o.x, s: o.s, n: String(o.n) }) + `${a}:${b}`;
}
"""
SOURCE_REFUSED = (
    "run_bytecode() executes QuickJS bytecode only, not source text; compile it with compile_js()"
)


def version_refused() -> str:
    return f"not QuickJS bytecode of this engine (expected version byte {compile_js('0')[0]})"


def test_program_runs_from_bytecode():
    with SealedVM() as vm:
        vm.run_bytecode(compile_js(PROGRAM))
        assert vm.call("main", 1, "b") == '{"x":[1,2,3],"s":"str","n":"1180591620717411303424"}1:b'


def test_source_text_is_refused():
    with SealedVM() as vm:
        with pytest.raises(EngineError) as info:
            vm.run_bytecode(PROGRAM)  # type: ignore[arg-type]
        assert str(info.value) == SOURCE_REFUSED


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "latin-1"])
def test_source_bytes_are_refused(encoding):
    with SealedVM() as vm:
        with pytest.raises(EngineError) as info:
            vm.run_bytecode(PROGRAM.strip().encode(encoding))
        assert str(info.value) == version_refused()


def test_source_bytes_behind_a_forged_version_byte_are_refused():
    blob = compile_js("0")[:1] + b"function main() { return 1 }"
    with SealedVM() as vm:
        with pytest.raises(EngineError, match=r"^malformed bytecode: SyntaxError: read after the end of the buffer$"):
            vm.run_bytecode(blob)


def test_every_truncation_is_refused_without_a_crash():
    blob = compile_js(PROGRAM)
    with SealedVM() as vm:
        for n in range(len(blob)):
            with pytest.raises(EngineError) as info:
                vm.run_bytecode(blob[:n])
            assert str(info.value) in {version_refused(), "malformed bytecode: SyntaxError: read after the end of the buffer"}
        vm.run_bytecode(blob)  # the VM is still usable afterwards
        assert vm.call("main", 0, 0).endswith("0:0")


def test_wrong_version_byte_is_refused():
    blob = compile_js(PROGRAM)
    for v in range(256):
        if v == blob[0]:
            continue
        with SealedVM() as vm:
            with pytest.raises(EngineError) as info:
                vm.run_bytecode(bytes([v]) + blob[1:])
            assert str(info.value) == version_refused()


@pytest.mark.parametrize(
    "tail",
    [b"\x00\x01", b"\x00\x02", b"\x00\x03", b"\x00\x05\x02", b"\x00\x07\x02a", b"\x00\x08\x00", b"\x00\x09\x00"],
    ids=["null", "undefined", "false", "int", "string", "empty-object", "empty-array"],
)
def test_non_script_values_are_refused(tail):
    with SealedVM() as vm:
        with pytest.raises(EngineError, match="^bytecode blob is not a compiled script$"):
            vm.run_bytecode(compile_js("0")[:1] + tail)


@pytest.mark.parametrize("blob", [b"", b"\x05", None, 42, ["x"]], ids=["empty", "one-byte", "None", "int", "list"])
def test_non_bytes_and_empty_blobs_are_refused(blob):
    with SealedVM() as vm:
        with pytest.raises(EngineError):
            vm.run_bytecode(blob)  # type: ignore[arg-type]


def test_compile_errors_carry_the_location():
    with pytest.raises(EngineError) as info:
        compile_js("function main( { return 1 }", "bad.js")
    assert str(info.value) == "SyntaxError: invalid destructuring target (bad.js:1:27)"


def test_compile_is_deterministic():
    assert compile_js(PROGRAM, "p.js") == compile_js(PROGRAM, "p.js")
    assert compile_js(PROGRAM, "p.js") != compile_js(PROGRAM, "q.js")


def test_compile_does_not_execute_anything():
    ran = compile_js("throw new Error('ran at compile time')")
    assert isinstance(ran, bytes) and len(ran) > 10
