"""``convanim.from_onnx``: the same models exported by torch.onnx.export give the same
receptive fields, shapes and multiply-adds as the PyTorch table (itself checked against
autograd), the file's own weight count, and one-line refusals."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")

from onnx import TensorProto, helper  # noqa: E402

from convanim import from_module, from_onnx  # noqa: E402
from convanim.model import ModelError  # noqa: E402
from tests import model_nets as nets  # noqa: E402
from tests.model_oracle import GradientBoxes  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning",
                                        "ignore::torch.jit.TracerWarning")

CASES = {
    "vgg16": (nets.vgg16, (3, 64, 64)),
    "resnet": (lambda: nets.ResNet(nets.Basic, (1, 2), 4), (3, 40, 40)),
    "unet": (nets.UNet, (1, 16, 16)),
    "net1d": (nets.net1d, (2, 60)),
    "branchy": (nets.Branchy, (3, 13, 11)),
}
GRID = ("window", "transposed", "upsample", "adaptive", "pad")


def export(model, size, path, **kwargs):
    torch.onnx.export(model.eval(), (torch.zeros((1, *size)),), str(path), dynamo=False,
                      **kwargs)
    return path


def _weights(path):
    model = onnx.load(str(path))
    return sum(math.prod(t.dims) for t in model.graph.initializer
               if t.data_type == TensorProto.FLOAT)


def _grid_rows(table):
    return [(row.node.kernel_size, row.node.stride, row.node.padding, row.node.dilation,
             row.node.out_shape, row.receptive_field, row.jump, row.start)
            for row in table.rows if row.node.kind in GRID]


@pytest.mark.parametrize("case", sorted(CASES))
def test_onnx_equals_the_torch_table_and_autograd(case, tmp_path):
    build, size = CASES[case]
    model = build()
    path = export(model, size, tmp_path / "m.onnx")
    table = from_onnx(path)
    reference = from_module(model, size)
    assert _grid_rows(table) == _grid_rows(reference)
    assert table.macs == reference.macs
    assert table.params == _weights(path)
    if not any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in model.modules()):
        assert table.params == sum(p.numel() for p in model.parameters())
    final = table.rows[-1]
    assert final.node.out_shape == reference.rows[-1].node.out_shape
    oracle = GradientBoxes(model, size)
    out = final.node.out_shape[2:]
    for cell in {tuple(n // 2 for n in out), (0,) * len(out), tuple(n - 1 for n in out)}:
        box = tuple((max(lo, 0), min(hi, n - 1))
                    for (lo, hi), n in zip(final.box(cell), size[1:]))
        assert oracle.box("", cell) == box


def test_free_sizes_need_input(tmp_path):
    model = nets.vgg16()
    path = export(model, (3, 64, 64), tmp_path / "d.onnx", input_names=["x"],
                  dynamic_axes={"x": {0: "n", 2: "h", 3: "w"}})
    with pytest.raises(ModelError, match=r"input x has free sizes .*--input 3,224,224$"):
        from_onnx(path)
    with pytest.raises(ModelError, match=r"^--input: 3x4x4: the model fails on this input "
                       r"size \(node /16/MaxPool: its window of 2 is larger than its padded "
                       r"input of 1\)"):
        from_onnx(path, (3, 4, 4))
    with pytest.raises(ModelError, match=r"input is 3xhxw; give sizes that match, e\.g\. "
                       r"--input 3,224,224$"):
        from_onnx(path, (1, 64, 64))
    table = from_onnx(path, (3, 224, 224))
    assert table.rows[-1].receptive_field == (212, 212)
    assert table.rows[-1].node.out_shape == (1, 32, 7, 7)


def _graph_file(tmp_path, op, **attrs):
    node = helper.make_node(op, ["x"], ["y"], **attrs)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info(
        "x", TensorProto.FLOAT, [1, 1, 8, 8])], [helper.make_tensor_value_info(
            "y", TensorProto.FLOAT, None)])
    path = tmp_path / "g.onnx"
    onnx.save(helper.make_model(graph), str(path))
    return path


def test_unknown_operator_is_refused_by_name(tmp_path):
    path = _graph_file(tmp_path, "DepthToSpaceX")
    with pytest.raises(ModelError, match=r"node \S+: operator DepthToSpaceX is not one"):
        from_onnx(path)


@pytest.mark.parametrize(("auto", "pads"), [("SAME_UPPER", (0, 1)), ("SAME_LOWER", (1, 0))])
def test_same_padding_built_by_hand(tmp_path, auto, pads):
    """auto_pad on an 8-cell input, window 3, stride 2: one cell of padding, after for
    UPPER and before for LOWER; onnx's reference evaluator agrees on the values."""
    import numpy as np
    from onnx.reference import ReferenceEvaluator

    node = helper.make_node("Conv", ["x", "w"], ["y"], kernel_shape=[3, 3], strides=[2, 2],
                            auto_pad=auto)
    weight = np.arange(1, 10, dtype=np.float32).reshape(1, 1, 3, 3)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info(
        "x", TensorProto.FLOAT, [1, 1, 8, 8])], [helper.make_tensor_value_info(
            "y", TensorProto.FLOAT, None)], [onnx.numpy_helper.from_array(weight, "w")])
    path = tmp_path / "same.onnx"
    onnx.save(helper.make_model(graph), str(path))
    row = from_onnx(path).rows[-1]
    assert row.node.out_shape == (1, 1, 4, 4) and row.node.padding == (pads, pads)
    assert row.start == (-pads[0], -pads[0]) and row.receptive_field == (3, 3)
    assert (row.node.params, row.node.macs) == (9, 16 * 9)
    x = np.arange(64, dtype=np.float32).reshape(1, 1, 8, 8)
    (got,) = ReferenceEvaluator(str(path)).run(None, {"x": x})
    padded = torch.nn.functional.pad(torch.from_numpy(x), (pads[0], pads[1]) * 2)
    want = torch.nn.functional.conv2d(padded, torch.from_numpy(weight), stride=2)
    assert got.tolist() == want.tolist()


def test_not_an_onnx_file(tmp_path):
    path = tmp_path / "x.onnx"
    path.write_bytes(b"\x00garbage\xff" * 10)
    with pytest.raises(ModelError, match=r"^model: .*x\.onnx: not an ONNX model"):
        from_onnx(path)
