"""The worked examples of the seed articles (../shared/seeds/), with the articles' own numbers."""

from __future__ import annotations

import numpy as np
import pytest

from convanim import Spec, compute, plan
from convanim.geometry import arithmetic

SEED_003_X = [[3, 5, 2, 7], [4, 1, 3, 8], [6, 3, 8, 2], [9, 6, 1, 5]]
SEED_003_W = [[1, 2, 1], [2, 1, 2], [1, 1, 2]]


def test_001_conv_3x3_by_2x2_gives_37_47_67_77() -> None:
    x = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    out = compute(Spec(i=3, k=2), x, [[1, 2], [3, 4]])
    assert out.tolist() == [[37, 47], [67, 77]]


def test_001_first_window_is_the_articles_dot_product() -> None:
    # "1*1 + 2*2 + 3*4 + 4*5 = 37": the first slide frame multiplies these pairs.
    p = plan(Spec(i=3, k=2), [[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 2], [3, 4]])
    first = next(f for f in p.frames if f.phase == "slide")
    assert sorted(first.products.tolist()) == [1, 4, 12, 20]
    assert first.value == 37


def test_001_transposed_2x2_by_2x2() -> None:
    out = compute(Spec(i=2, k=2, mode="transposed"), [[0, 1], [2, 3]], [[0, 1], [2, 3]])
    assert out.tolist() == [[0, 0, 1], [0, 4, 6], [4, 12, 9]]


def test_001_scatter_intermediate_tensors() -> None:
    # "1 from input gets multiplied with all the elements in kernel ... [0 1 2 3]"
    p = plan(Spec(i=2, k=2, mode="transposed", view="scatter"), [[0, 1], [2, 3]],
             [[0, 1], [2, 3]])
    slides = [f for f in p.frames if f.phase == "slide"]
    assert [f.products.tolist() for f in slides] == [[0, 0, 0, 0], [0, 1, 2, 3], [0, 2, 4, 6],
                                                     [0, 3, 6, 9]]


def test_004_transposed_stride_1() -> None:
    out = compute(Spec(i=2, k=2, s=1, mode="transposed"), [[0, 1], [2, 3]], [[4, 1], [2, 3]])
    assert out.tolist() == [[0, 4, 1], [8, 16, 6], [4, 12, 9]]


@pytest.mark.parametrize(("padding", "shape"), [("valid", (9, 9)), ("same", (8, 8))])
def test_004_keras_transposed_shapes(padding: str, shape: tuple[int, int]) -> None:
    assert Spec(i=4, k=3, s=2, p=padding, mode="transposed").output_shape == shape


def test_003_conv_valid() -> None:
    out = compute(Spec(i=4, k=3, p="valid"), SEED_003_X, SEED_003_W)
    assert out.tolist() == [[55, 52], [57, 50]]


def test_003_conv_same_keeps_4x4() -> None:
    spec = Spec(i=4, k=3, p="same")
    assert spec.output_shape == (4, 4)
    assert compute(spec, SEED_003_X, SEED_003_W)[1:3, 1:3].tolist() == [[55, 52], [57, 50]]


def test_003_transposed_valid() -> None:
    out = compute(Spec(i=2, k=2, mode="transposed", p="valid"), [[55, 52], [57, 50]],
                  [[1, 2], [2, 1]])
    assert out.tolist() == [[55, 162, 104], [167, 323, 152], [114, 157, 50]]


def test_003_transposed_same_keeps_top_left() -> None:
    # Keras puts the odd extra crop on the bottom/right; the article's own code crops the
    # wrong axis, which only goes unnoticed because its example is square.
    spec = Spec(i=2, k=2, mode="transposed", p="same")
    assert spec.p == ((0, 1), (0, 1))
    out = compute(spec, [[55, 52], [57, 50]], [[1, 2], [2, 1]])
    assert out.tolist() == [[55, 162], [167, 323]]


def test_000_output_size_formulas() -> None:
    # o = (i + 2p - k)/s + 1 and o = (i-1)*s + k - 2p, on the article's 5x5 example sizes.
    for i, k, s, p in [(5, 3, 1, 0), (5, 3, 2, 1), (5, 3, 1, 1), (7, 3, 2, 0)]:
        assert Spec(i=i, k=k, s=s, p=p).output_shape[0] == (i + 2 * p - k) // s + 1
        assert Spec(i=i, k=k, s=s, p=p, mode="transposed").output_shape[0] == \
            (i - 1) * s + k - 2 * p


def test_000_four_step_parameters() -> None:
    # Step 1: z = s-1 zeros and p' = k-p-1 padding; step 4: stride 1.
    spec = Spec(i=3, k=3, s=2, p=1, mode="transposed")
    row = arithmetic(spec)[0]
    assert (row.zeros, row.equivalent_padding) == (1, (1, 1))
    p = plan(spec)
    assert [f.phase for f in p.frames[:3]] == ["input", "insert_zeros", "pad"]
    zeros = p.grids["zeros"]
    assert zeros.shape == (2 * 3 - 1, 2 * 3 - 1)  # "(2*i-1)x(2*i-1)"
    assert p.grids["padded"].shape == (7, 7)
    windows = [f.window for f in p.frames if f.phase == "slide"]
    starts = np.array([w.min(axis=0) for w in windows])
    assert set(np.diff(starts[:5, 1])) == {1}  # stride 1 over the padded grid
