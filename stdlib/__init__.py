"""``mtpscript.stdlib`` — the deterministic value library of MTPScript (host side).

It owns the values every MTPScript program computes with, shared by the reference
interpreter and the VM bridge:

* :mod:`.values` — the Python value model (``int``/``bool``/``str``/``Decimal``/
  ``tuple``/``None``, :class:`~.values.Record`, :class:`~.values.Variant`,
  :class:`~.values.MtpMap` in canonical key order) and structural equality;
* :mod:`.errors` — :class:`~.errors.MtpRuntimeError`, the typed deterministic runtime
  error rendered as canonical JSON;
* :mod:`.decimal128` — ``Decimal``: decimal128 arithmetic restricted to the MTPScript
  domain (34 digits, scale 0–28, half-even, single rounding, constant-work compare);
* :mod:`.json_codec` — ``Json.parse`` (strict), the canonical JSON writer (RFC 8785 +
  the LANGUAGE.md §6 value encoding) and a generic RFC 8785 canonicaliser;
* :mod:`.cbor` — canonical CBOR (RFC 7049 §3.9) of values;
* :mod:`.hashing` — FNV-1a 64, SHA-256, ``Hash.*`` and the Map key order.

Each module's docstring is the normative description of its behaviour.  The §12
``List``/``String``/``Map``/``Option``/``Result``/``Number`` functions and the VM
bindings (with gas) are not here yet.
"""
