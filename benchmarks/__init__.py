"""Benchmarks for nwbzarr: a small plain runner (``python -m benchmarks``), no asv.

Every measurement runs in a fresh Python subprocess, so its peak RSS can be read from the
kernel when the child is reaped, and no state (imports, caches, thread pools) leaks between
variants. Test data are generated once into ``benchmarks/.data/`` (gitignored).

Scenarios live in ``bench_*.py`` modules and are registered in ``benchmarks.__main__``.
"""
