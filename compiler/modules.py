"""Modules and programs: load files, resolve static imports, check in dependency order, link.

This is the front end's entry point: `check_program` turns entry files into
effect-checked IR per module plus every diagnostic, and never raises for any
input (unreadable files, binary garbage and bad imports are diagnostics).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache

from . import nodes as n
from .checker import CtorSym, ModuleChecker, Prelude, route_shape
from .diagnostics import Diagnostic, DiagnosticSink, Span, diag
from .effects import EffectCheckedModule, check_effects
from .parser import parse
from .types import UnionInfo

FILE_START = Span(1, 1, 1, 2)


class SourceError(Exception):
    """A file could not be read as MTPScript source (I/O or encoding); carries a diagnostic."""

    def __init__(self, diagnostic: Diagnostic):
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def decode_source(data: bytes) -> str:
    """Bytes -> text, or SourceError(E0009) for anything that is not NUL-free UTF-8."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise SourceError(diag("E0009", FILE_START, f"the file is not valid UTF-8 (byte {err.start})")) from None
    if "\x00" in text:
        offset = text.index("\x00")
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        raise SourceError(diag("E0009", Span(line, column, line, column + 1), "the file contains a NUL character"))
    return text.removeprefix("\ufeff")


def read_file(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as err:
        raise OSError(f"cannot read {path}: {err.strerror or err}") from None
    return decode_source(data)


@lru_cache(maxsize=1)
def prelude() -> Prelude:
    return Prelude(parse)


@dataclass
class LoadedModule:
    path: str
    text: str
    module: n.Module
    syntax_ok: bool
    deps: list[tuple[n.Import, str]] = field(default_factory=list)   # (import, resolved path)
    checked: EffectCheckedModule | None = None


@dataclass
class CheckResult:
    diagnostics: list[Diagnostic]
    modules: dict[str, LoadedModule]
    order: list[str]

    @property
    def ok(self) -> bool:
        return not any(d.severity == "error" for d in self.diagnostics)


class Program:
    def __init__(self, reader):
        self.reader = reader
        self.modules: dict[str, LoadedModule] = {}
        self.order: list[str] = []         # dependencies before dependants
        self.sinks: dict[str, DiagnosticSink] = {}
        self.visiting: set[str] = set()
        self.io_errors: list[Diagnostic] = []

    def sink(self, path: str) -> DiagnosticSink:
        return self.sinks.setdefault(path, DiagnosticSink())

    def load(self, path: str) -> LoadedModule | None:
        if path in self.modules:
            return self.modules[path]
        sink = self.sink(path)
        try:
            text = self.reader(path)
        except SourceError as err:
            sink.add(err.diagnostic)
            return None
        module = parse(text, path, sink)
        loaded = LoadedModule(path, text, module, syntax_ok=not sink.items)
        self.modules[path] = loaded
        self.visiting.add(path)
        seen_other = False
        for item in module.items:
            if not isinstance(item, n.Import):
                seen_other = True
                continue
            if seen_other:
                sink.error("E0406", item.span)
            target = self.resolve_import(path, item, sink)
            if target is None:
                loaded.syntax_ok = False
                continue
            if target in self.visiting:
                sink.error("E0402", item.path_span, f"importing {item.path!r} creates a cycle back to {path}")
                loaded.syntax_ok = False
                continue
            dep = self.load(target)
            if dep is None:
                loaded.syntax_ok = False
                continue
            loaded.deps.append((item, target))
        self.visiting.discard(path)
        self.order.append(path)
        return loaded

    def resolve_import(self, importer: str, imp: n.Import, sink: DiagnosticSink) -> str | None:
        if not (imp.path.startswith("./") or imp.path.startswith("../")) or not imp.path.endswith(".mtp"):
            sink.error("E0404", imp.path_span, f"import path {imp.path!r} is not a relative path to a .mtp file")
            return None
        target = os.path.normpath(os.path.join(os.path.dirname(importer), imp.path))
        try:
            self.reader(target)
        except SourceError:
            return target   # reported when it is loaded
        except OSError:
            sink.error("E0401", imp.path_span, f"cannot find {imp.path!r} (looked for {target})")
            return None
        return target

    def check(self, path: str) -> None:
        loaded = self.modules[path]
        sink = self.sink(path)
        if not loaded.syntax_ok:
            return
        imports: list[tuple[str, str, object]] = []   # (kind, name, symbol)
        imported: set[str] = set()
        for imp, target in loaded.deps:
            dep = self.modules[target]
            if dep.checked is None:
                loaded.syntax_ok = False   # a dependency failed to parse: its exports are unknown
                return
            typed = dep.checked.typed
            for name, span in imp.names:
                if name in imported:
                    sink.error("E0213", span, f"`{name}` is already imported")
                    continue
                imported.add(name)
                value, type_ = typed.values.get(name), typed.type_names.get(name)
                if value is None and type_ is None:
                    sink.error("E0403", span, f"{imp.path!r} has no top-level declaration `{name}`")
                    continue
                if value is not None:
                    imports.append(("value", name, value))
                if type_ is not None:
                    imports.append(("type", name, type_))
                if isinstance(type_, UnionInfo):
                    imports.extend(("value", ctor, CtorSym(v)) for ctor, v in type_.variants.items())
        checker = ModuleChecker(loaded.module, sink, prelude(), imports)
        loaded.checked = check_effects(checker.check_module(), sink)

    def closure(self, root: str) -> list[str]:
        """The modules a program rooted at `root` links, dependencies first."""
        reach, stack = set(), [root]
        while stack:
            path = stack.pop()
            if path in reach or path not in self.modules:
                continue
            reach.add(path)
            stack.extend(target for _, target in self.modules[path].deps)
        return [p for p in self.order if p in reach]

    def link(self, root: str) -> None:
        """Program-wide checks over the modules linked into one program.

        E0405: a union name has one variant list in every module. E0225: no two
        routes (in any module) match the same requests.
        """
        first: dict[str, tuple[UnionInfo, str]] = {}
        routes: dict[tuple, tuple[str, object]] = {}
        for path in self.closure(root):
            checked = self.modules[path].checked
            for route in checked.typed.routes if checked else ():
                key = (route.method, route_shape(route.path))
                other = routes.setdefault(key, (path, route))
                if other[1] is not route:
                    where = "" if other[0] == path else f" in {other[0]}"
                    self.sink(path).error("E0225", route.decl.path_span,
                                          f"route {route.method} {route.path!r} matches the same requests as "
                                          f"{other[1].method} {other[1].path!r} on line "
                                          f"{other[1].decl.path_span.line}{where}")
            for union in checked.typed.unions if checked else ():
                seen = first.setdefault(union.name, (union, path))
                if seen[0].content_hash != union.content_hash:
                    self.sink(path).error("E0405", union.span,
                                          f"union `{union.name}` has different variants here and in {seen[1]} "
                                          f"(content hash {union.content_hash} vs {seen[0].content_hash})")


def check_program(paths: list[str], reader=read_file) -> CheckResult:
    """Check the given entry files and everything they import; each entry is linked as its own program.

    `reader(path) -> str` raises OSError for unreadable files and SourceError for
    undecodable ones. Unreadable *entry* files raise OSError (a usage error);
    everything else becomes a diagnostic.
    """
    program = Program(reader)
    paths = [os.path.normpath(p) for p in paths]
    for path in paths:
        try:
            reader(path)        # surface unreadable entry files to the caller first
        except SourceError:
            pass                # reported as a diagnostic when loaded
    for path in paths:
        program.load(path)
    for path in program.order:
        program.check(path)
    for path in paths:   # each entry file is the root of its own program
        program.link(path)
    diagnostics = [d.with_file(path) for path, sink in program.sinks.items() for d in sink.items]
    diagnostics.sort(key=Diagnostic.sort_key)
    return CheckResult(diagnostics, program.modules, program.order)


def check_source(text: str, path: str = "input.mtp") -> CheckResult:
    """Check one in-memory module (imports are read from disk relative to `path`)."""
    def reader(p: str) -> str:
        return text if p == os.path.normpath(path) else read_file(p)
    return check_program([path], reader)
