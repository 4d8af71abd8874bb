"""``convanim.from_module``: shapes, parameters, multiply-adds and receptive fields of
PyTorch models equal torch's own numbers and autograd on the model itself."""

from __future__ import annotations

import itertools

import pytest

torch = pytest.importorskip("torch")

from convanim import from_module  # noqa: E402
from tests import model_nets as nets  # noqa: E402
from tests.model_oracle import GradientBoxes, flop_macs, hook_shapes  # noqa: E402

CASES = {
    "vgg16": (nets.vgg16, (3, 64, 64)),
    "resnet": (lambda: nets.ResNet(nets.Basic, (1, 2), 4), (3, 40, 40)),
    "bottleneck": (lambda: nets.ResNet(nets.Bottleneck, (1, 1), 2), (3, 36, 36)),
    "unet": (nets.UNet, (1, 16, 16)),
    "net1d": (nets.net1d, (2, 60)),
    "branchy": (nets.Branchy, (3, 13, 11)),
    # A transposed convolution with stride > kernel leaves cells no input reaches.
    "gaps": (lambda: torch.nn.Sequential(torch.nn.ConvTranspose2d(1, 2, 2, stride=3),
                                         torch.nn.Conv2d(2, 2, 3, padding=1)), (1, 5, 4)),
}


def _clip(box, size):
    if box is None:
        return None
    clipped = tuple((max(lo, 0), min(hi, n - 1)) for (lo, hi), n in zip(box, size))
    return None if any(lo > hi for lo, hi in clipped) else clipped


def test_vgg16_pool5_is_212_with_jump_32():
    table = from_module(nets.vgg16(), (3, 224, 224))
    last = table.rows[-1]
    assert (last.receptive_field, last.jump, last.start) == ((212, 212), (32, 32), (-90, -90))
    assert last.node.out_shape == (1, 32, 7, 7)
    oracle = GradientBoxes(nets.vgg16(width=1), (3, 224, 224))
    assert oracle.box("", (3, 3)) == last.box((3, 3)) == ((6, 217), (6, 217))  # 212 cells
    assert oracle.box("", (0, 6)) == _clip(last.box((0, 6)), (224, 224))


@pytest.mark.parametrize("case", sorted(CASES))
def test_params_macs_and_shapes_equal_torch(case):
    build, size = CASES[case]
    model = build()
    table = from_module(model, size)
    assert table.params == sum(p.numel() for p in model.parameters())
    assert table.macs == flop_macs(model, size)
    shapes = hook_shapes(model, size)
    rows = {row.node.name: row.node for row in table.rows}
    for name, (shape_in, shape_out) in shapes.items():
        assert (rows[name].in_shape, rows[name].out_shape) == (shape_in, shape_out), name


@pytest.mark.parametrize("case", sorted(CASES))
def test_receptive_field_equals_autograd(case):
    build, size = CASES[case]
    model = build()
    table = from_module(model, size)
    spatial = size[1:]
    modules = dict(model.named_modules())
    oracle = GradientBoxes(model, size)
    checked = 0
    for row in table.rows:
        name = row.node.name
        if name.partition("#")[0] not in modules or len(row.node.out_shape) != len(size) + 1:
            continue
        out = row.node.out_shape[2:]
        cells = {tuple(n // 2 for n in out), (0,) * len(out), tuple(n - 1 for n in out),
                 tuple(min(2, n - 1) for n in out)}  # (2, 2): a gap in "gaps"
        for cell in cells:
            assert oracle.box(name, cell) == _clip(row.box(cell), spatial), \
                (name, cell)
            checked += 1
    assert checked >= 3
    if case == "gaps":
        assert table.rows[1].box((2, 2)) is None
    # The model's output, every cell for the small ones.
    final = table.rows[-1]
    out = final.node.out_shape[2:]
    grid = list(itertools.product(*(range(n) for n in out)))
    for cell in grid if len(grid) <= 64 else grid[:: len(grid) // 40]:
        assert oracle.box("", cell) == _clip(final.box(cell), spatial)


def test_chain_formula_on_a_plain_chain():
    """On a chain the table is Araujo et al.'s r = r' + (k-1)j', j = j's, start -= p j'."""
    from convanim.geometry.chain import receptive_fields

    table = from_module(nets.vgg16(), (3, 64, 64))
    chain = table.chain()
    fields = receptive_fields(chain)
    drawn = table.path_layers()
    assert len(drawn) == len(fields) == 18
    for row, fld in zip(drawn, fields):
        assert row.receptive_field == fld.receptive_field
        assert row.jump == fld.jump and row.start == fld.start


def test_resnet_branch_is_followed_and_named():
    table = from_module(nets.ResNet(nets.Basic, (1, 2), 4), (3, 40, 40))
    add = table.row("add_1") if any(r.node.name == "add_1" for r in table.rows) else None
    merges = [row for row in table.rows if row.node.kind == "merge"]
    assert len(merges) == 3 and add is not None
    downsample = table.row("layers.1.0.downsample.0")
    assert set(merges[1].node.inputs) == {"layers.1.0.bn2", "layers.1.0.downsample.1"}
    assert downsample.node.stride == (2, 2)
    # The 3x3 path sees more than the 1x1 shortcut: the path goes through conv2.
    assert "layers.1.0.conv2" in table.path and "layers.1.0.downsample.0" not in table.path
    assert merges[1].note == "largest field via layers.1.0.bn2"


def test_fx_and_hook_tracers_agree():
    from convanim.model import from_torch
    from convanim.model.table import build_table

    model = nets.ResNet(nets.Basic, (1, 2), 4)
    x = torch.zeros((1, 3, 40, 40))
    by_fx = build_table(from_torch._fx_graph(model, torch.fx.symbolic_trace(model), x))
    by_hooks = build_table(from_torch._hook_graph(model, x))
    assert [r.to_json() | {"name": None} for r in by_fx.rows] == \
        [r.to_json() | {"name": None} for r in by_hooks.rows]


def test_a_model_failing_on_the_input_size_is_one_line():
    from convanim.model import ModelError

    with pytest.raises(ModelError, match=r"^--input: 3x4x4: the model fails on this input"):
        from_module(nets.vgg16(), (3, 4, 4))
