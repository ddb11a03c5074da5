"""Initializers draw from Keras' distributions (the draws are lstmviz's own, not Keras' bits)."""

import numpy as np

from lstmviz.engine import initializers as I


def test_truncated_normal_is_cut_at_two_stddev_without_correction():
    w = I.make("truncated_normal", (400, 500), np.random.default_rng(0))
    assert w.dtype == np.float32
    assert np.abs(w).max() <= 0.1  # Keras' TruncatedNormal(stddev=0.05): |x| <= 2 x 0.05
    # a normal cut at 2 sigma has std 0.05 x 0.8796 (no variance correction, unlike VarianceScaling)
    assert abs(float(w.std()) - 0.05 * 0.87962566) < 5e-4


def test_random_normal_is_not_cut():
    w = I.make("random_normal", (400, 500), np.random.default_rng(0))
    assert np.abs(w).max() > 0.15
    assert abs(float(w.std()) - 0.05) < 5e-4


def test_variance_scaling_normals_are_corrected():
    # he_normal: stddev sqrt(2 / fan_in) after the cut (the correction undoes the cut's shrink)
    w = I.make("he_normal", (500, 400), np.random.default_rng(0))
    assert abs(float(w.std()) - np.sqrt(2 / 500)) < 0.01 * np.sqrt(2 / 500)
    assert np.abs(w).max() <= 2 * np.sqrt(2 / 500) / 0.87962566 + 1e-6
