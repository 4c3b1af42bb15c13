"""ap_fixed and ac_fixed, compiled with g++, against hwq.fixed: every rounding x overflow mode, bit for bit.

One C++ program per flavour converts every mantissa of ap_fixed<9,4> (signed and unsigned) into
small target types, exactly as the HLS backend emits a quantize node (the flavour's cast, with
its workarounds), and converts a list of doubles (exact ties included) into the same targets.

What the headers do differently from hwq.fixed, measured here (g++ 12, the Apache-2.0 headers):
  * a 1-bit signed target with SAT_SYM: hwq.fixed clamps to the symmetric range {0}; ap_fixed and
    ac_fixed both behave as SAT and keep -1 (every negative source that does not round to 0 gives
    -1, in range or not). The backend refuses such a quantize (flavour.check_cast).
  * ap_fixed only: a conversion that drops at least as many fraction bits as the source holds aborts
    with "Attempting to read bit beyond MSB" (assert in ap_private::get_bit; built with -DNDEBUG the
    values came out right). The vitis flavour sign-extends the source first (flavour.cast_via).
Everything else agrees exactly, in both headers, for all 7 x 4 modes.
"""

from __future__ import annotations

import itertools
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from hwq.backends.hls import UnsupportedError, get_flavour
from hwq.backends.hls.compiler import compiler
from hwq.fixed import FixedType, Overflow, cast, quantize
from hwq.toolchain import ToolchainError

ROUNDINGS = ["TRN", "TRN_ZERO", "RND", "RND_ZERO", "RND_INF", "RND_MIN_INF", "RND_CONV"]
OVERFLOWS = ["WRAP", "SAT", "SAT_ZERO", "SAT_SYM"]
SOURCES = [FixedType(9, 4, True), FixedType(9, 4, False)]
FLAVOURS = ["vitis", "catapult"]


def _flavour(name: str):
    fl = get_flavour(name)
    try:
        fl.include_dir()
    except ToolchainError as e:
        pytest.skip(str(e))
    return fl


def exhaustive_targets() -> list[FixedType]:
    """Every width 1..5, integer bits -2..7, signed and unsigned, all 28 modes."""
    return [FixedType(w, i, s, r, o) for w in range(1, 6) for i in range(-2, 8) for s in (True, False)
            for r in ROUNDINGS for o in OVERFLOWS]


def quick_targets() -> list[FixedType]:
    """Two (width, integer) shapes per mode and sign, cycling through widths 1..5 and integer bits -2..7."""
    shapes = [(w, i) for i in range(-2, 8) for w in range(1, 6)]
    rng = np.random.default_rng(7)
    order = rng.permutation(len(shapes))
    out, k = [], 0
    for r, o, s in itertools.product(ROUNDINGS, OVERFLOWS, (True, False)):
        for _ in range(2):
            w, i = shapes[order[k % len(shapes)]]
            k += 1
            out.append(FixedType(w, i, s, r, o))
    return out


def double_values() -> np.ndarray:
    """Grid points, exact ties at many scales, far out-of-range and tiny values, random doubles."""
    ties = [s * (m + 0.5) * 2.0 ** e for e in range(-7, 9) for m in range(10) for s in (1, -1)]
    grid = [k / 8 for k in range(-80, 81)]
    far = [s * v for v in (256.0, 300.25, 1000.0, 1e6, 2.0 ** 40 + 0.5, 1e18, 1e-30, 3.3e-5) for s in (1, -1)]
    rand = np.random.default_rng(3).uniform(-300, 300, 150).tolist()
    return np.array(ties + grid + far + rand + [-0.0])


def _program(fl, targets: list[FixedType], values: np.ndarray) -> tuple[str, list[tuple]]:
    """C++ source and, per output line, what it holds: ('cast', src, dst, how) or ('double', dst)."""
    lines = ["#include <cstdint>", "#include <cstdio>"] + [f'#include "{h}"' for h in fl.includes]
    # the end of both loops: print d's mantissa, then a line per call
    print_d_and_close = ["        printf(\"%lld \", (long long)(SIGNED ? " + fl.get_mantissa("d", "D::width", True)
                         + " : " + fl.get_mantissa("d", "D::width", False) + "));",
                         "    }",
                         "    printf(\"\\n\");",
                         "}"]
    lines += ["static const double VALUES[] = {" + ", ".join(float(v).hex() for v in values) + "};",
              "template <class S, class V, class D, bool SIGNED> static void cast_all() {",
              "    for (uint64_t b = 0; b < (1ull << S::width); b++) {",
              "        S s;",
              "        " + fl.set_bits("s", "S::width", "b"),
              "        D d = V(s);",
              *print_d_and_close,
              "template <class D, bool SIGNED> static void from_double() {",
              "    for (double v : VALUES) {",
              "        D d = v;",
              *print_d_and_close,
              "int main() {"]
    meaning = []
    for dst in targets:
        d = fl.spell(dst)
        sign = "true" if dst.signed else "false"
        for src in SOURCES:
            refused = not _supported(fl, dst)
            via = fl.cast_via(src, dst)
            v = fl.spell(via if via is not None else src)
            lines.append(f"    cast_all<{fl.spell(src)}, {v}, {d}, {sign}>();")
            meaning.append(("cast", src, dst, "refused" if refused else ("via" if via else "direct")))
        lines.append(f"    from_double<{d}, {sign}>();")
        meaning.append(("double", None, dst, "direct" if _supported(fl, dst) else "refused"))
    lines += ["    return 0;", "}"]
    return "\n".join(lines) + "\n", meaning


def _supported(fl, dst: FixedType) -> bool:
    try:
        fl.check_cast(SOURCES[0], dst)
    except UnsupportedError:
        return False
    return True


def _run(fl, targets: list[FixedType], workdir: Path, chunks: int = 2) -> list[tuple[tuple, np.ndarray]]:
    """Compile and run the conversion programs (split in `chunks` files compiled in parallel)."""
    values = double_values()
    parts = [targets[k::chunks] for k in range(chunks)]

    def build(k: int) -> list[tuple[tuple, np.ndarray]]:
        src, meaning = _program(fl, parts[k], values)
        cpp, exe = workdir / f"{fl.name}_{k}.cpp", workdir / f"{fl.name}_{k}"
        cpp.write_text(src)
        subprocess.run([compiler(), "-O0", "-std=c++17", "-isystem", str(fl.include_dir()), str(cpp), "-o",
                        str(exe)], check=True, capture_output=True, text=True)
        out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout.splitlines()
        assert len(out) == len(meaning)
        return [(m, np.array([int(v) for v in line.split()], dtype=np.int64)) for m, line in zip(meaning, out,
                                                                                                  strict=True)]

    with ThreadPoolExecutor(chunks) as pool:
        return [row for rows in pool.map(build, range(chunks)) for row in rows]


def _source_mantissas(src: FixedType) -> np.ndarray:
    raw = np.arange(1 << src.width, dtype=np.int64)
    return raw - (1 << src.width) * (raw >> (src.width - 1)) if src.signed else raw


def _check(results: list[tuple[tuple, np.ndarray]]) -> tuple[list[str], list[str]]:
    """Mismatches of the emitted casts and conversions from double, and the deviations of refused casts."""
    wrong, refused = [], []
    values = double_values()
    for (kind, src, dst, how), got in results:
        if kind == "double":
            want = quantize(values, dst)
            src_m = values
        else:
            src_m = _source_mantissas(src)
            want = cast(src_m, src, dst)
        bad = np.flatnonzero(got != want)
        if not bad.size:
            continue
        where = ", ".join(f"{src_m[k]!r}->{got[k]} (hwq {want[k]})" for k in bad[:3])
        text = f"{kind} {src or 'double'} -> {dst} [{how}]: {bad.size} differ: {where}"
        (refused if how == "refused" else wrong).append(text)
    return wrong, refused


def _check_refused_deviation(results) -> None:
    """Refused types (1-bit signed SAT_SYM) deviate exactly as documented: -1 where hwq.fixed says 0."""
    for (kind, src, dst, how), got in results:
        if how != "refused":
            continue
        assert dst.width == 1 and dst.signed and dst.overflow is Overflow.SAT_SYM
        want = quantize(double_values(), dst) if kind == "double" else cast(_source_mantissas(src), src, dst)
        assert set(np.unique(want)) <= {0}
        assert set(np.unique(got[got != want])) <= {-1}


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_casts_and_double_conversions_match_hwq_fixed(flavour: str, tmp_path: Path) -> None:
    fl = _flavour(flavour)
    results = _run(fl, quick_targets(), tmp_path)
    wrong, _ = _check(results)
    assert not wrong, "\n".join(wrong)
    _check_refused_deviation(results)


@pytest.mark.sweep
@pytest.mark.parametrize("flavour", FLAVOURS)
def test_casts_exhaustive_small_widths(flavour: str, tmp_path: Path) -> None:
    fl = _flavour(flavour)
    results = _run(fl, exhaustive_targets(), tmp_path, chunks=8)
    wrong, _ = _check(results)
    assert not wrong, "\n".join(wrong[:50])
    _check_refused_deviation(results)


def test_one_bit_signed_sat_sym_is_refused() -> None:
    for name in FLAVOURS:
        with pytest.raises(UnsupportedError, match="SAT_SYM"):
            get_flavour(name).check_cast(FixedType(9, 4), FixedType(1, 0, True, "RND", "SAT_SYM"))


def test_ap_fixed_asserts_when_a_cast_drops_more_bits_than_the_source_holds(tmp_path: Path) -> None:
    """Why the vitis flavour widens such sources first: the plain assignment aborts."""
    fl = _flavour("vitis")
    src, dst = FixedType(9, 4, True), FixedType(1, 6, True, "RND", "WRAP")
    assert fl.cast_via(src, dst) is not None
    assert fl.cast_via(src, FixedType(5, 2, True, "RND", "SAT")) is None
    cpp = tmp_path / "drop.cpp"
    cpp.write_text('#include "ap_fixed.h"\nint main() {\n'
                   f"    {fl.spell(src)} s = 1.5;\n    {fl.spell(dst)} d = s;\n    return d.to_int();\n}}\n")
    exe = tmp_path / "drop"
    subprocess.run([compiler(), "-O0", "-std=c++17", "-isystem", str(fl.include_dir()), str(cpp), "-o", str(exe)],
                   check=True)
    run = subprocess.run([str(exe)], capture_output=True, text=True)
    assert run.returncode != 0 and "beyond MSB" in run.stderr
