"""Photos in: the picture's numbers, the output image against PyTorch, the colour scale of the
last frame, named kernels, and one-line refusals.

PyTorch is the oracle for every output: ``F.conv2d`` (``groups=3`` for an RGB picture, as the
figure filters each channel on its own), ``F.conv_transpose2d``, ``F.max_pool2d``,
``F.avg_pool2d`` and ``F.interpolate`` on the very array the figure shows.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from click.testing import CliRunner
from PIL import Image

from convanim.cli import cli
from convanim.geometry import Spec, SpecError, compute
from convanim.geometry.kernels import KERNEL_NAMES, named_kernel
from convanim.photo import photo_figure, render_photo
from convanim.photo.source import load_image


def _write_photo(path, rng, size=(20, 26), rgb=False):
    """A held-out picture: smooth shapes plus noise, so every kernel has something to do."""
    h, w = size
    yy, xx = np.mgrid[0:h, 0:w]
    base = 120 + 90 * np.sin(xx / rng.uniform(2, 5)) * np.cos(yy / rng.uniform(2, 5))
    planes = [np.clip(base + rng.normal(0, 25, size) + 30 * c, 0, 255) for c in range(3)]
    pixels = np.stack(planes, -1).astype(np.uint8)
    Image.fromarray(pixels if rgb else pixels[..., 0]).save(path)
    return pixels


def _torch(spec: Spec, x: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """PyTorch's output for a one-picture (C, H, W) input, each channel on its own."""
    t = torch.as_tensor(x)[None]
    c = x.shape[0]
    (pt, pb), (pl, pr) = spec.p if spec.mode != "upsample" else ((0, 0), (0, 0))
    if spec.mode == "conv":
        mode = {"zeros": "constant", "reflect": "reflect", "replicate": "replicate",
                "circular": "circular"}[spec.padding_mode]
        padded = F.pad(t, (pl, pr, pt, pb), mode=mode)
        weight = torch.as_tensor(w)[None, None].repeat(c, 1, 1, 1)
        return F.conv2d(padded, weight, stride=spec.s, dilation=spec.d, groups=c)[0].numpy()
    if spec.mode == "transposed":
        weight = torch.as_tensor(w)[None, None].repeat(c, 1, 1, 1)
        return F.conv_transpose2d(t, weight, stride=spec.s, padding=(pt, pl),
                                  output_padding=spec.output_padding, dilation=spec.d,
                                  groups=c)[0].numpy()
    if spec.mode == "maxpool":
        padded = F.pad(t, (pl, pr, pt, pb), value=-float("inf"))
        return F.max_pool2d(padded, spec.k, spec.s, 0, spec.d)[0].numpy()
    if spec.mode == "avgpool":
        return F.avg_pool2d(F.pad(t, (pl, pr, pt, pb)), spec.k, spec.s, 0)[0].numpy()
    return F.interpolate(t, scale_factor=spec.scale, mode=spec.method,
                         **({"align_corners": spec.align_corners}
                            if spec.method == "bilinear" else {}))[0].numpy()


LAYERS = [
    ({"kernel_size": 3}, "sobel_x"),
    ({"kernel_size": 3, "stride": 2, "padding": 1}, "gaussian"),
    ({"kernel_size": 3, "dilation": 2, "padding": 2, "padding_mode": "reflect"}, "laplacian"),
    ({"kernel_size": 3, "padding": 1, "padding_mode": "circular"}, "emboss"),
    ({"kernel_size": 2, "stride": 1}, [[1.5, -2.0], [0.25, 3.0]]),
    ({"mode": "maxpool", "kernel_size": 3, "stride": 2, "padding": 1}, None),
    ({"mode": "avgpool", "kernel_size": 2}, None),
    ({"mode": "upsample", "scale": 2, "method": "bilinear"}, None),
    ({"mode": "upsample", "scale": 2, "method": "nearest"}, None),
    ({"mode": "transposed", "kernel_size": 3, "stride": 2, "padding": 1}, "blur"),
]


@pytest.mark.parametrize("rgb", [False, True])
@pytest.mark.parametrize("layer,kernel", LAYERS)
def test_output_image_equals_pytorch(tmp_path, layer, kernel, rgb):
    rng = np.random.default_rng(len(str(layer)) + rgb)
    path = tmp_path / ("p.png" if rng.random() < 0.5 else "p.jpg")
    _write_photo(path, rng, rgb=rgb)
    size = (int(rng.integers(10, 18)), int(rng.integers(10, 18)))
    fig = photo_figure(layer, str(path), image_size=size, image_color="rgb" if rgb else "gray",
                       kernel=kernel)
    assert fig.x.shape == ((3,) if rgb else (1,)) + size
    expected = _torch(fig.spec, fig.x, fig.w)
    np.testing.assert_allclose(fig.y, expected, rtol=1e-12, atol=1e-9)
    # compute() on the same array agrees too (the API a user would call)
    np.testing.assert_allclose(compute(fig.spec, fig.x[0], fig.w), expected[0], atol=1e-9)


def test_image_numbers_are_the_files_pixels(tmp_path):
    rng = np.random.default_rng(7)
    pixels = _write_photo(tmp_path / "a.png", rng, size=(12, 12), rgb=True)
    x = load_image(tmp_path / "a.png", 12, color="rgb")
    np.testing.assert_array_equal(x, pixels.transpose(2, 0, 1))
    grey = load_image(tmp_path / "a.png", 12)
    luma = (pixels @ np.array([299, 587, 114]) / 1000)  # ITU-R 601, Pillow's "L"
    assert np.abs(grey - luma).max() <= 1
    np.testing.assert_allclose(load_image(tmp_path / "a.png", 12, scale="1"), grey / 255)


def test_crop_keeps_the_centre(tmp_path):
    pixels = np.zeros((10, 30), np.uint8)
    pixels[:, 10:20] = 200  # the centre third is bright
    Image.fromarray(pixels).save(tmp_path / "wide.png")
    x = load_image(tmp_path / "wide.png", 10)
    assert x.shape == (10, 10) and x.min() > 150  # cropped to the centre square


def test_named_kernels_are_the_textbook_ones():
    smooth, diff = np.array([1.0, 2, 1]), np.array([-1.0, 0, 1])
    np.testing.assert_array_equal(named_kernel("sobel_x"), np.outer(smooth, diff))
    np.testing.assert_array_equal(named_kernel("sobel_y"), np.outer(diff, smooth))
    np.testing.assert_allclose(named_kernel("gaussian"), np.outer(smooth, smooth) / 16)
    np.testing.assert_allclose(named_kernel("blur"), np.full((3, 3), 1 / 9))
    for name in ("laplacian", "outline"):
        assert named_kernel(name).sum() == 0  # flat areas give 0
    for name in ("identity", "sharpen", "blur", "gaussian"):
        assert named_kernel(name).sum() == pytest.approx(1)  # flat areas keep their value
    x = np.random.default_rng(0).random((6, 6))
    out = F.conv2d(torch.as_tensor(x)[None, None],
                   torch.as_tensor(named_kernel("identity"))[None, None])[0, 0].numpy()
    np.testing.assert_array_equal(out, x[1:-1, 1:-1])
    assert set(KERNEL_NAMES) >= {"sobel_x", "sobel_y", "blur", "gaussian", "sharpen", "emboss",
                                 "outline", "laplacian", "identity"}


def _last_frame(path):
    with Image.open(path) as im:
        im.seek(im.n_frames - 1)
        return np.asarray(im.convert("RGB"))


def _panel_colour(frame, fig, r, c):
    from convanim.draw.photo import output_box

    x0, y0, px = output_box(fig)
    return frame[y0 + r * px + px // 2, x0 + c * px + px // 2]


def test_last_frame_shows_signed_output_on_the_stated_scale(tmp_path):
    # Zero at mid-grey, the most negative value at the blue end, the largest at the orange
    # end (the scale is symmetric, so one of them is the end exactly): never clamped.
    fig = photo_figure({"kernel_size": 3}, "sample:camera", image_size=24, kernel="sobel_x")
    out = render_photo(fig, tmp_path / "s.gif")
    frame = _last_frame(out)
    y = fig.y[0]
    assert (y < 0).any() and (y > 0).any()
    lo, hi = np.unravel_index(np.argmin(y), y.shape), np.unravel_index(np.argmax(y), y.shape)
    end = lo if -y.min() >= y.max() else hi
    colour = _panel_colour(frame, fig, *end).tolist()
    assert colour == ([33, 102, 172] if end == lo else [179, 88, 6])
    zeros = np.argwhere(y == 0)
    if len(zeros):
        assert _panel_colour(frame, fig, *zeros[0]).tolist() == [128, 128, 128]
    # values of one sign stay on their side of grey: blue for < 0, orange for > 0
    for r, c in np.argwhere(np.abs(y) > 0.3 * np.abs(y).max())[:20]:
        red, _, blue = _panel_colour(frame, fig, r, c).tolist()
        assert (blue > red) == (y[r, c] < 0)


def test_last_frame_shows_unsigned_output_as_greys(tmp_path):
    fig = photo_figure({"mode": "maxpool", "kernel_size": 2}, "sample:coffee", image_size=20)
    frame = _last_frame(render_photo(fig, tmp_path / "m.gif"))
    y = fig.y[0]
    top = np.unravel_index(np.argmax(y), y.shape)
    assert _panel_colour(frame, fig, *top).tolist() == [255, 255, 255]
    # greys rise with the value (a monotone scale, 64 levels)
    pairs = [(y[r, c], int(_panel_colour(frame, fig, r, c)[0])) for r, c in np.ndindex(*y.shape)]
    pairs.sort()
    levels = [g for _, g in pairs]
    assert levels == sorted(levels)


def test_default_photo_figure_is_small(tmp_path):
    result = CliRunner().invoke(cli, ["render", "--input-image", "sample:camera", "-o",
                                      str(tmp_path / "d.gif")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "d.gif").stat().st_size < 1_000_000
    with Image.open(tmp_path / "d.gif") as im:
        assert im.n_frames == 41
        first = im.info["duration"]
    assert first >= 1000  # the first slides stay up long enough to read the numbers


def test_config_image_path_is_relative_to_the_config(tmp_path):
    rng = np.random.default_rng(3)
    (tmp_path / "pics").mkdir()
    _write_photo(tmp_path / "pics" / "p.png", rng)
    (tmp_path / "fig.yaml").write_text("input_image: pics/p.png\nimage_size: 12\n"
                                       "kernel_values: sharpen\nk: 3\n")
    out = tmp_path / "f.gif"
    result = CliRunner().invoke(cli, ["render", str(tmp_path / "fig.yaml"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file()


@pytest.mark.parametrize("args,needle", [
    (["--input-image", "missing.png"], "--input-image: missing.png is not a file"),
    (["--input-image", "sample:camra"], "did you mean 'sample:camera'"),
    (["--input-image", "sample:camera", "--image-size", "500"], "--image-size: image size 500"),
    (["--input-image", "sample:camera", "--kernel-values", "sobl_x"], "did you mean 'sobel_x'"),
    (["--input-image", "sample:camera", "-k", "5", "--kernel-values", "blur"], "is 3×3"),
    (["--input-image", "sample:camera", "--size", "800x600"], "--size: photo figures"),
    (["--input-image", "sample:camera", "-m", "maxunpool", "-k", "2"], "no photo figure"),
    (["--input-image", "sample:camera", "-m", "pixelshuffle"], "no photo figure"),
    (["--input-image", "sample:camera", "--in-channels", "3"], "comes from the picture"),
    (["--input-image", "sample:camera", "-m", "maxpool", "--kernel-values", "blur"],
     "has no kernel values"),
    (["--input-image", "sample:camera", "-k", "11"], "at most 9"),
])
def test_refusals_are_one_line(tmp_path, args, needle):
    result = CliRunner().invoke(cli, ["render", *args, "-o", str(tmp_path / "x.gif")])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in result.output
    assert not (tmp_path / "x.gif").exists()


def test_not_an_image_is_refused(tmp_path):
    (tmp_path / "fake.png").write_bytes(b"<html>not a picture</html>")
    with pytest.raises(SpecError, match="not an image"):
        load_image(tmp_path / "fake.png")
    with pytest.raises(SpecError, match="bytes"):
        load_image(b"sample:camera")  # type: ignore[arg-type]


def test_named_kernel_on_a_grid_figure(tmp_path):
    # Named kernels are not only for photos: any 3x3 layer takes them, channel stacks too.
    runner = CliRunner()
    ok = runner.invoke(cli, ["shape", "-i", "5", "-k", "3"])
    assert ok.exit_code == 0
    result = runner.invoke(cli, ["render", "-i", "5", "-k", "3", "--kernel-values", "sobel_y",
                                 "-o", str(tmp_path / "g.gif")])
    assert result.exit_code == 0, result.output
    bad = runner.invoke(cli, ["render", "-i", "5", "-k", "2", "--kernel-values", "sobel_y",
                              "-o", str(tmp_path / "h.gif")])
    assert bad.exit_code == 2 and "3x3" in bad.output
