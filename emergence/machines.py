"""Emulated machine profiles: run the notebooks as if on an older CPU (design §7b).

OpenBLAS picks its kernels by CPU and honours ``OPENBLAS_CORETYPE``; numpy picks its SIMD
loops by CPU and honours ``NPY_DISABLE_CPU_FEATURES``. Setting both in a kernel's
environment emulates another machine on this one, so a printed result that depends on the
CPU shows up as an nbval failure under one profile.

    pytest --nbval notebooks --machine-profile avx2     # the tests' option (conftest.py)
    python -m emergence.machines avx2                   # what a profile really selects here
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

PROFILES = {
    "native": {},
    # An AVX2-era machine (Haswell .. Skylake client): Haswell kernels, no AVX-512 loops.
    "avx2": {"OPENBLAS_CORETYPE": "Haswell",
             "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR"},
    # An SSE-era machine (before AVX): Prescott kernels, numpy's baseline loops only.
    "sse": {"OPENBLAS_CORETYPE": "Prescott",
            "NPY_DISABLE_CPU_FEATURES": "X86_V3 X86_V4 AVX512_ICL AVX512_SPR"},
}
# Core types an x86-64 dynamic OpenBLAS build accepts (it compares them case-insensitively).
OPENBLAS_CORES = ("Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Sandybridge",
                  "Haswell", "SkylakeX", "Cooperlake", "SapphireRapids", "Zen", "Opteron",
                  "Opteron_SSE3", "Barcelona", "Bulldozer", "Piledriver", "Steamroller",
                  "Excavator", "Nano", "Athlon", "Banias", "Katmai", "Coppermine", "Northwood")
# Names OpenBLAS reports for a requested core type, where they differ (threadpoolctl shows
# "Katmai" for the Prescott request in numpy's OpenBLAS builds).
REPORTED_AS = {"prescott": {"prescott", "katmai"}}


def profile_env(name: str) -> dict[str, str]:
    """The environment variables of profile ``name``; ValueError naming the known ones."""
    if name not in PROFILES:
        raise ValueError(f"machine profile must be one of {', '.join(PROFILES)}, got {name!r}")
    return dict(PROFILES[name])


def check_env(env) -> None:
    """Reject a value of OPENBLAS_CORETYPE or NPY_DISABLE_CPU_FEATURES these tools don't know.

    Both libraries ignore an unknown value silently, which would make a profile run
    pass without emulating anything.
    """
    umath = _umath()
    core = env.get("OPENBLAS_CORETYPE")
    if core is not None and core.lower() not in {c.lower() for c in OPENBLAS_CORES}:
        raise ValueError(f"OPENBLAS_CORETYPE={core!r} is not an OpenBLAS core type; "
                         f"use one of {', '.join(OPENBLAS_CORES)}")
    features = env.get("NPY_DISABLE_CPU_FEATURES", "").replace(",", " ").split()
    unknown = [f for f in features if f not in umath.__cpu_dispatch__]
    if unknown:
        raise ValueError(f"NPY_DISABLE_CPU_FEATURES names {', '.join(unknown)}, which this "
                         f"numpy cannot disable; it can disable {' '.join(umath.__cpu_dispatch__)}")


def _umath():
    """numpy's compiled core, which lists the CPU features it dispatches on (numpy 1.26 and 2.x)."""
    try:
        from numpy._core import _multiarray_umath
    except ImportError:  # numpy < 2
        from numpy.core import _multiarray_umath
    return _multiarray_umath


_PROBE = ("import json, threadpoolctl\n"
          "from emergence.machines import _umath\n"
          "m = _umath()\n"
          "blas = [i for i in threadpoolctl.threadpool_info() if i['internal_api'] == 'openblas']\n"
          "print(json.dumps({'openblas': blas[0].get('architecture') if blas else None,\n"
          "                  'simd': [f for f in m.__cpu_dispatch__ if m.__cpu_features__[f]]}))")


def probe(env: dict[str, str]) -> dict:
    """What a fresh Python started with ``env`` really uses: OpenBLAS kernel, numpy SIMD levels."""
    check_env(env)
    out = subprocess.run([sys.executable, "-c", _PROBE], env={**os.environ, **env},
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def verify(name: str) -> str:
    """One line saying what profile ``name`` selects here; ValueError if it does not take effect."""
    env = profile_env(name)
    seen = probe(env)
    core = env.get("OPENBLAS_CORETYPE")
    if core and (seen["openblas"] or "").lower() not in REPORTED_AS.get(core.lower(), {core.lower()}):
        raise ValueError(f"machine profile {name}: OPENBLAS_CORETYPE={core} was asked for, but "
                         f"OpenBLAS runs {seen['openblas']} kernels (this CPU cannot run them?)")
    disabled = set(env.get("NPY_DISABLE_CPU_FEATURES", "").split())
    if disabled & set(seen["simd"]):
        raise ValueError(f"machine profile {name}: numpy still uses {sorted(disabled & set(seen['simd']))}")
    return (f"machine profile {name}: OpenBLAS {seen['openblas']} kernels, numpy SIMD "
            f"{' '.join(seen['simd']) or 'baseline only'}")


if __name__ == "__main__":
    for arg in sys.argv[1:] or PROFILES:
        print(verify(arg))
