"""The ACE area model of one multiply-accumulate unit, fitted to synthesized MAC areas, and the gates a bit of
memory costs (QKeras' `qtools.dnc_layer_cost_ace`, used by the divide-and-conquer search in ACE mode).

A MAC of an x-bit input, a w-bit weight and an a-bit accumulator costs about p0·x·w + p1·a + p2 gates: the
multiplier grows with the product of its operand widths, the accumulator with its width. MAC_POLY3D_PARAMS
holds the fit QKeras ships; gen_mac_gate_model() fits it again from the measured areas below.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# gates per stored bit, by where the bit is kept
MemoryGatesPerBit = {"Register": 10.0, "SRAM": 1.0, "ROM": 0.1}

# (p0, p1, p2) of the fit; its mean absolute error is under 5% of the mean area
MAC_POLY3D_PARAMS = np.array([7.70469119, 13.76199652, -92.15756665])

# the operand widths of the measured MACs: rows are weight bits, columns input bits, one table per
# accumulator width (None where no MAC of that size was synthesized)
WEIGHT_BITS = (1, 2, 4, 8, 12, 16)
INPUT_BITS = (1, 2, 4, 8, 10, 12, 16, 24, 32)
_ = None
MAC_AREAS: dict[int, tuple[tuple[Any, ...], ...]] = {
    24: ((283, 280, 286, 313, 325, 336, 356, _, _),
         (274, 290, 325, 372, 401, 428, 485, _, _),
         (285, 325, 388, 510, 568, 614, 713, _, _),
         (308, 372, 509, 750, 865, 1002, 1167, _, _),
         (336, 427, 617, 1003, 1151, 1309, _, _, _),
         (356, 480, 722, 1165, _, _, _, _, _)),
    32: ((391, 365, 377, 410, 453, 433, 458, 507, _),
         (364, 382, 418, 466, 497, 521, 578, 685, _),
         (378, 418, 485, 594, 659, 721, 832, 1035, _),
         (408, 466, 596, 843, 1029, 1151, 1321, 1642, _),
         (432, 521, 724, 1153, 1363, 1512, 1797, _, _),
         (457, 578, 830, 1330, 1551, 1782, 2273, _, _)),
    40: ((458, 457, 470, 500, 522, 527, 551, 605, 664),
         (457, 475, 513, 561, 597, 616, 670, 782, 888),
         (470, 513, 579, 699, 766, 816, 928, 1150, 1358),
         (499, 561, 699, 996, 1161, 1273, 1499, 1850, 2189),
         (527, 612, 818, 1275, 1545, 1691, 2054, 2516, _),
         (549, 670, 927, 1496, 1798, 2035, 2490, 3294, _)),
    48: ((595, 550, 566, 594, 659, 624, 642, 694, 745),
         (551, 566, 607, 654, 727, 707, 763, 881, 984),
         (566, 607, 679, 794, 871, 921, 1017, 1270, 1489),
         (594, 655, 793, 1097, 1285, 1401, 1668, 2101, 2378),
         (624, 711, 921, 1397, 1816, 1950, 2277, 2763, 3301),
         (642, 762, 1015, 1669, 1974, 2264, 2718, 3631, 4415)),
}
del _


def _table(acc_bits: int) -> np.ndarray:
    return np.array([[np.nan if v is None else v for v in row] for row in MAC_AREAS[acc_bits]], dtype=float)


# QKeras' names for the four tables (numpy arrays here, NaN where a MAC is missing)
MAC24, MAC32, MAC40, MAC48 = (_table(a) for a in (24, 32, 40, 48))


def mac_gates_polynomial_3d(xyz: tuple[Any, Any, Any], a: float, b: float, c: float) -> Any:
    """a·x·y + b·z + c for (x, y, z) = (input bits, weight bits, accumulator bits); numpy arrays work too."""
    x, y, z = xyz
    return a * x * y + b * z + c


def measured_macs() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(input bits, weight bits, accumulator bits, area) of every synthesized MAC, accumulator widths first."""
    points = [(x, w, acc, area) for acc, rows in MAC_AREAS.items() for w, row in zip(WEIGHT_BITS, rows, strict=True)
              for x, area in zip(INPUT_BITS, row, strict=True) if area is not None]
    x, w, acc, area = (np.array(column, dtype=float) for column in zip(*points, strict=True))
    return x, w, acc, area


def gen_mac_gate_model(do_plot: bool = False) -> tuple[np.ndarray, float, np.ndarray]:
    """Fit (a, b, c) of mac_gates_polynomial_3d to the measured areas by least squares.

    Returns the coefficients, the mean absolute error relative to the mean area, and one standard deviation
    of each coefficient (from the residual variance, as scipy's curve_fit reports it). The model is linear in
    its coefficients, so the least-squares solution is exact rather than iterated. do_plot draws the data
    and the fitted surfaces with matplotlib.
    """
    x, w, acc, area = measured_macs()
    design = np.stack([x * w, acc, np.ones_like(x)], axis=1)
    params, *_ = np.linalg.lstsq(design, area, rcond=None)
    predicted = design @ params
    dof = len(area) - len(params)
    covariance = np.linalg.inv(design.T @ design) * float(np.sum((area - predicted) ** 2)) / dof
    mae_predict = float(np.mean(np.abs(predicted - area)) / np.mean(area))
    if do_plot:
        _plot(x, w, acc, area, params)
    return params, mae_predict, np.sqrt(np.diag(covariance))


def _plot(x: np.ndarray, w: np.ndarray, acc: np.ndarray, area: np.ndarray, params: np.ndarray) -> None:
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(16, 16))
    xs, ws = np.meshgrid(np.linspace(x.min(), x.max(), 50), np.linspace(w.min(), w.max(), 50))
    for i, acc_bits in enumerate(MAC_AREAS, start=1):
        ax = fig.add_subplot(2, 2, i, projection="3d")
        here = acc == acc_bits
        ax.scatter(x[here], w[here], area[here], label="measured")
        ax.plot_surface(xs, ws, mac_gates_polynomial_3d((xs, ws, acc_bits), *params), cmap="viridis", alpha=0.8)
        ax.set_xlabel("input bits")
        ax.set_ylabel("weight bits")
        ax.set_zlabel("MAC gates")
        ax.set_title(f"accumulator of {acc_bits} bits")
    plt.show()


def get_ace_mac_gates(xbit: Any, wbit: Any, abit: Any, regen_params: bool = False) -> Any:
    """Gates of one MAC (a multiplier and an accumulator) of the given widths; regen_params fits the
    coefficients again instead of using MAC_POLY3D_PARAMS."""
    params = gen_mac_gate_model()[0] if regen_params else MAC_POLY3D_PARAMS
    return mac_gates_polynomial_3d((xbit, wbit, abit), *params)


__all__ = ["MemoryGatesPerBit", "MAC_POLY3D_PARAMS", "MAC_AREAS", "WEIGHT_BITS", "INPUT_BITS", "MAC24", "MAC32",
           "MAC40", "MAC48", "mac_gates_polynomial_3d", "measured_macs", "gen_mac_gate_model", "get_ace_mac_gates"]
