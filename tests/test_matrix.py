"""The matrix view: C from the plan's links equals PyTorch's, its transpose is conv_transpose,
and the frames light the right row."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from convanim import Spec, SpecError, plan
from convanim.draw.matrix import MatrixPainter, render_matrix_frames
from convanim.draw.options import RenderOptions
from convanim.draw.themes import THEMES, rgb
from convanim.explain import check_matrix_size, conv_matrix
from tests.strategies import valid_specs

torch = pytest.importorskip("torch", reason="torch is the oracle: pip install torch==2.13.0")
oracle = pytest.importorskip("tests.oracle")
F = torch.nn.functional


def jacobian(spec: Spec, w: np.ndarray) -> np.ndarray:
    """PyTorch's matrix: column j is the output for a one-hot input at cell j."""
    n_in = int(np.prod(spec.i))
    columns = [oracle.reference(spec, np.eye(n_in)[j].reshape(spec.i), w).ravel()
               for j in range(n_in)]
    return np.stack(columns, axis=1)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(valid_specs(modes=("conv", "transposed"), max_input=6, max_pad=2, names=False),
       st.integers(0, 2**16))
def test_conv_matrix_equals_pytorch(spec: Spec, seed: int) -> None:
    w = np.random.default_rng(seed).integers(-3, 4, size=spec.k).astype(float)
    matrix = conv_matrix(spec, w)
    assert matrix.shape == (int(np.prod(spec.output_shape)), int(np.prod(spec.i)))
    np.testing.assert_array_equal(matrix, jacobian(spec, w))


@settings(max_examples=80, deadline=None)
@given(st.sampled_from([1, 2]), st.integers(2, 6), st.integers(1, 4), st.integers(1, 3),
       st.integers(0, 2), st.integers(1, 2), st.integers(0, 2**16))
def test_transposed_matrix_is_the_transpose_and_gives_conv_transpose(
        dims: int, i: int, k: int, s: int, p: int, d: int, seed: int) -> None:
    try:
        conv = Spec(i=i, k=k, s=s, p=p, d=d, dims=dims)
    except SpecError:
        assume(False)
        return
    o = conv.output_shape[0]
    op = i + 2 * p - (d * (k - 1) + 1) - (o - 1) * s  # what makes the transpose give i cells
    transposed = Spec(i=o, k=k, s=s, p=p, d=d, output_padding=op, mode="transposed", dims=dims)
    assert transposed.output_shape == conv.i
    rng = np.random.default_rng(seed)
    w = rng.integers(-3, 4, size=conv.k).astype(float)
    c = conv_matrix(conv, w)
    np.testing.assert_array_equal(conv_matrix(transposed, w), c.T)
    y = rng.integers(-3, 4, size=conv.output_shape).astype(float)
    conv_t = F.conv_transpose1d if dims == 1 else F.conv_transpose2d
    expected = conv_t(torch.as_tensor(y)[None, None], torch.as_tensor(w)[None, None],
                      stride=s, padding=p, output_padding=op, dilation=d)[0, 0].numpy()
    np.testing.assert_allclose(c.T @ y.ravel(), expected.ravel())


def test_matrix_of_the_seed_article() -> None:
    # "Transposed convolution demystified": a 4x4 input, 3x3 kernel gives a 4x16 matrix.
    w = np.array([[1, 4, 1], [1, 4, 3], [3, 3, 1]], float)
    c = conv_matrix(Spec(i=4, k=3), w)
    assert c.shape == (4, 16)
    assert c[0].tolist() == [1, 4, 1, 0, 1, 4, 3, 0, 3, 3, 1, 0, 0, 0, 0, 0]
    assert c[3].tolist() == [0] * 5 + [1, 4, 1, 0, 1, 4, 3, 0, 3, 3, 1]


def test_matrix_size_and_mode_are_checked() -> None:
    assert check_matrix_size(Spec(i=8, k=3, p=1)) == (64, 64)
    with pytest.raises(SpecError, match="64") as err:
        check_matrix_size(Spec(i=9, k=3, p=1))
    assert err.value.param == "input_size"
    with pytest.raises(SpecError, match="linear") as err:
        conv_matrix(Spec(i=4, k=2, mode="maxpool"))
    assert err.value.param == "mode"
    with pytest.raises(SpecError):
        render_matrix_frames(plan(Spec(i=5, k=2, s=2, mode="transposed")))  # before any frame


def _centre_colors(painter: MatrixPainter, image: np.ndarray) -> np.ndarray:
    """The colour near the top-left corner of every matrix cell (clear of text and edges)."""
    geo = painter.geo
    q = max(2, geo.px // 5)
    ys = geo.top + np.arange(painter.n_out) * geo.px + q
    xs = geo.m_x + np.arange(painter.n_in) * geo.px + q
    return image[ys[:, None], xs[None, :]]


@pytest.mark.parametrize("spec", [
    Spec(i=4, k=3, view="matrix"),
    Spec(i=3, k=3, s=2, p=1, mode="transposed", view="matrix"),
    Spec(i=7, k=3, s=2, p=(1, 2), dims=1, padding_mode="reflect"),
])
def test_frames_light_the_current_row(spec: Spec) -> None:
    planned = plan(spec)
    options = RenderOptions(frame_ms=200, hold_ms=900)
    painter = MatrixPainter(planned, options)
    frames = list(render_matrix_frames(planned, options))
    # Zeros and padding have no column in C: those frames would change nothing, left out.
    shown = [f for f in planned.frames if f.phase not in ("insert_zeros", "pad")]
    assert len(frames) == len(shown)
    assert len({f.shape for f, _ in frames}) == 1
    assert frames[0][0].shape[0] % 2 == 0 and frames[0][0].shape[1] % 2 == 0
    window = np.array(rgb(THEMES["light"].window.fill))
    kernel = np.array(rgb(THEMES["light"].kernel.fill))
    rows = 0
    for frame, (image, ms) in zip(shown, frames):
        colors = _centre_colors(painter, image)
        lit = (colors == window).all(axis=-1)
        if frame.phase != "slide":
            assert ms == 900 and not lit.any()
            continue
        assert ms == 200 or frame is planned.frames[-1]
        row = painter._row(frame)
        assert (lit[row] == painter.support[row]).all()
        assert not np.delete(lit, row, axis=0).any()
        others = np.delete(painter.support, row, axis=0)
        assert ((np.delete(colors, row, axis=0) == kernel).all(axis=-1) == others).all()
        rows += 1
    assert rows == painter.n_out


def test_frames_are_deterministic() -> None:
    spec = Spec(i=8, k=3, p=1, view="matrix")  # the largest allowed: 64 x 64
    first = [image for image, _ in render_matrix_frames(plan(spec))]
    second = [image for image, _ in render_matrix_frames(plan(spec))]
    assert len(first) == 66  # input, 64 rows, output (the padding frame changes nothing)
    assert all((a == b).all() for a, b in zip(first, second))
    assert not (first[1] == first[2]).all()


def test_options_shape_the_frames() -> None:
    spec = Spec(i=4, k=3, view="matrix")
    small = next(render_matrix_frames(plan(spec), RenderOptions(cell_px=12)))[0]
    large = next(render_matrix_frames(plan(spec), RenderOptions(cell_px=30)))[0]
    assert large.shape[1] > small.shape[1]
    dark = next(render_matrix_frames(plan(spec), RenderOptions(theme="dark")))[0]
    assert tuple(dark[0, 0]) == rgb(THEMES["dark"].background)
    untitled = next(render_matrix_frames(plan(spec), RenderOptions(title="")))[0]
    assert untitled.shape[0] < next(render_matrix_frames(plan(spec)))[0].shape[0]


def test_matrix_storyboard_tiles_the_matrix_frames_and_refuses_vectors(tmp_path) -> None:
    # A PNG storyboard of the matrix view tiles the matrix frames themselves (it once
    # failed on tiles sized for the gather view); PDF and SVG would draw the gather view,
    # so they are refused in one line before anything is written.
    from click.testing import CliRunner
    from PIL import Image

    from convanim.cli import cli
    from convanim.writers import read_animation

    runner = CliRunner()
    args = ["render", "-i", "4", "-k", "3", "--view", "matrix", "-o", str(tmp_path / "m.gif")]
    result = runner.invoke(cli, [*args, "--storyboard", str(tmp_path / "m.png")])
    assert result.exit_code == 0, result.output
    frames = [f for f, _ in render_matrix_frames(plan(Spec(i=4, k=3, view="matrix")))]
    page = np.asarray(Image.open(tmp_path / "m.png").convert("RGB"))
    h, w = frames[0].shape[:2]
    assert page.shape[0] > 2 * h and page.shape[1] > 3 * w  # 6 tiles, 3 by 2
    gif = read_animation(tmp_path / "m.gif")[0]
    assert gif[0].shape[:2] == (h, w)
    for suffix in (".svg", ".pdf"):
        (tmp_path / "n.gif").unlink(missing_ok=True)
        result = runner.invoke(cli, ["render", "-i", "4", "-k", "3", "--view", "matrix", "-o",
                                     str(tmp_path / "n.gif"), "--storyboard",
                                     str(tmp_path / f"n{suffix}")])
        assert result.exit_code == 2 and "write the storyboard as .png" in result.output
        assert len(result.output.strip().splitlines()) == 1
        assert not (tmp_path / "n.gif").exists() and not (tmp_path / f"n{suffix}").exists()
    result = runner.invoke(cli, ["render", "-i", "4", "-k", "3", "--view", "matrix", "--frame",
                                 "2", "-o", str(tmp_path / "still.svg")])
    assert result.exit_code == 2 and "write the output as .png" in result.output
