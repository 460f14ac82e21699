"""Emulated machine profiles (emergence.machines) and results that must not depend on the CPU."""
import os
import subprocess
import sys

import pytest

from emergence import machines

# A chaotic run: any last-bit difference between CPUs would change its hash.
FLOCK = ("import hashlib, numpy as np\n"
         "from emergence import complex_systems as cs\n"
         "runs = [cs.vicsek_simulate(150, 5.0, eta, 80, seed=3) for eta in (0.5, 2.5, 4.5)]\n"
         "print(hashlib.sha256(b''.join(np.ascontiguousarray(r[k]).tobytes()\n"
         "      for r in runs for k in ('order', 'positions', 'angles'))).hexdigest())")


def run_under(profile: str, code: str) -> str:
    env = {**os.environ, **machines.profile_env(profile), "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, check=True).stdout


@pytest.mark.parametrize("name", list(machines.PROFILES))
def test_each_profile_takes_effect(name):
    line = machines.verify(name)
    assert line.startswith(f"machine profile {name}: OpenBLAS ")


def test_profiles_select_different_kernels():
    seen = {name: machines.probe(machines.profile_env(name)) for name in machines.PROFILES}
    assert len({s["openblas"] for s in seen.values()}) == len(seen)
    assert seen["sse"]["simd"] == []


def test_flock_is_bit_identical_on_every_profile():
    hashes = {name: run_under(name, FLOCK) for name in machines.PROFILES}
    assert len(set(hashes.values())) == 1, hashes


def test_unknown_profile_is_named():
    with pytest.raises(ValueError, match="machine profile must be one of native, avx2, sse"):
        machines.profile_env("skylake")


@pytest.mark.parametrize("env, variable", [
    ({"OPENBLAS_CORETYPE": "Haswel"}, "OPENBLAS_CORETYPE"),
    ({"NPY_DISABLE_CPU_FEATURES": "AVX512F"}, "NPY_DISABLE_CPU_FEATURES"),
    ({"NPY_DISABLE_CPU_FEATURES": "X86_V4 SSE9"}, "NPY_DISABLE_CPU_FEATURES"),
])
def test_unknown_environment_values_are_named(env, variable):
    with pytest.raises(ValueError, match=variable):
        machines.check_env(env)


def test_known_environment_values_pass():
    machines.check_env({"OPENBLAS_CORETYPE": "haswell", "NPY_DISABLE_CPU_FEATURES": "X86_V4,AVX512_SPR"})


def test_pytest_option_rejects_unknown_profile(tmp_path):
    out = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--co", "-q",
                          "--machine-profile", "pentium", "tests/test_machines.py"],
                         capture_output=True, text=True, cwd=machines.__file__.rsplit("/emergence/", 1)[0])
    assert out.returncode != 0 and "--machine-profile: machine profile must be one of" in out.stderr
