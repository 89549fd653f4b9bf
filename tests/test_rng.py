"""The counter-based random numbers: pure functions of (seed, stream, step, person, counter)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from jinmyaku.model import rng

N = 20_000


def test_uniforms_are_pure_functions_of_their_key():
    pids = np.arange(1000, dtype=np.int64)
    a = rng.uniforms(7, rng.MIXERS, 3, pids, 0)
    assert ((a >= 0) & (a < 1)).all()
    np.testing.assert_array_equal(a, rng.uniforms(7, rng.MIXERS, 3, pids, 0))
    # order of visiting does not matter: a permuted array of pids gives permuted draws
    perm = np.random.default_rng(0).permutation(pids)
    np.testing.assert_array_equal(rng.uniforms(7, rng.MIXERS, 3, perm, 0), a[perm])
    # every part of the key changes the draws
    for other in (rng.uniforms(8, rng.MIXERS, 3, pids, 0), rng.uniforms(7, rng.WORK, 3, pids, 0),
                  rng.uniforms(7, rng.MIXERS, 4, pids, 0), rng.uniforms(7, rng.MIXERS, 3, pids, 1),
                  rng.uniforms(7, rng.MIXERS, 3, pids + 1000, 0)):
        assert not np.isin(a, other).any()


def test_uniforms_are_uniform():
    u = rng.uniforms(1, rng.INPUT, 0, np.arange(N, dtype=np.int64), 0)
    # mean of N U(0,1) has SE sqrt(1/12/N); 4 SE: a false alarm ~1 in 16,000
    assert abs(u.mean() - 0.5) < 4 * math.sqrt(1 / 12 / N)
    # each decile holds a Binomial(N, 0.1) count
    counts = np.bincount((u * 10).astype(int), minlength=10)
    assert (np.abs(counts - N / 10) < 4 * math.sqrt(N * 0.1 * 0.9)).all()


def test_below_stays_in_range():
    k = np.uint64(rng.key(3, rng.ACTION, 5, 11))
    draws = [rng.below(k, n, 7) for n in range(5000)]
    assert min(draws) == 0 and max(draws) == 6
    assert rng.below(k, 0, 1) == 0


@pytest.mark.parametrize("lam", [0.0, 0.3, 4.0, 19.5, 20.5, 55.0])
def test_poisson_mean_and_variance(lam):
    keys = [np.uint64(rng.key(2, rng.OPPORTUNITIES, 1, p)) for p in range(N)]
    x = np.array([rng.poisson(k, 0, lam) for k in keys])
    if lam == 0:
        assert (x == 0).all()
        return
    assert x.min() >= 0
    # sample mean: SE sqrt(lam / N); sample variance of a Poisson: SE ~ sqrt((lam + 2 lam²) / N)
    assert abs(x.mean() - lam) < 4 * math.sqrt(lam / N)
    assert abs(x.var(ddof=1) - lam) < 4 * math.sqrt((lam + 2 * lam**2) / N)


def test_poisson_draws_are_pure_functions_of_key_and_counter():
    k = np.uint64(rng.key(2, rng.OPPORTUNITIES, 1, 5))
    # the same (key, n) always gives the same count, a different n a fresh one
    assert rng.poisson(k, 0, 50.0) == rng.poisson(k, 0, 50.0)
    counts = {rng.poisson(k, n, 50.0) for n in range(50)}
    assert len(counts) > 5


def test_generator_is_seeded_by_purpose():
    a = rng.generator(1, 0).random(5)
    np.testing.assert_array_equal(a, rng.generator(1, 0).random(5))
    assert not np.array_equal(a, rng.generator(1, 11, 3).random(5))
    assert not np.array_equal(a, rng.generator(2, 0).random(5))


def test_every_purpose_has_its_own_number_and_code_names_purposes_from_rng():
    import re
    from pathlib import Path

    streams = {n: v for n, v in vars(rng).items()
               if n.isupper() and not n.startswith("_") and isinstance(v, int) and n != "WORLD"}
    assert len(set(streams.values())) == len(streams), streams
    assert {"BUILD", "SHOCK", "SWEEP_DESIGN", "CALIBRATION_DESIGN"} <= set(streams)
    src = Path(rng.__file__).parents[1]
    purposes = []  # (file, what names a purpose)
    for path in src.rglob("*.py"):
        if path.name == "rng.py":  # the definitions
            continue
        text = path.read_text("utf-8")
        for args in re.findall(r"\bgenerator\(([^()]*)\)", text):  # generator(seed, *purpose)
            purposes += [(path.name, a.strip()) for a in args.split(",")[1:] if a.strip()]
        for args in re.findall(r"spawn_key=\(([^()]*)\)", text):  # spawn_key=(purpose,)
            purposes += [(path.name, a.strip()) for a in args.split(",") if a.strip()]
    assert purposes  # the scan sees the calls
    odd = [(name, arg) for name, arg in purposes
           if not re.fullmatch(r"(model_)?rng\.[A-Z_]+|(world\.)?step", arg)]
    assert odd == []
