"""``convanim.from_keras``: Keras models (built with Keras 3 on its torch backend, saved as
``to_json()`` text or a ``.keras`` archive) read without Keras give Keras's own shapes and
parameter counts, torch's FLOP counter's multiply-adds, and the receptive field autograd
finds on the Keras model itself."""

from __future__ import annotations

import json
import os

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

os.environ.setdefault("KERAS_BACKEND", "torch")
torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")
if keras.backend.backend() != "torch":  # pragma: no cover - the oracle runs on torch
    pytest.skip("the Keras oracle needs KERAS_BACKEND=torch", allow_module_level=True)

import numpy as np  # noqa: E402
from keras import layers as L  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from convanim import from_keras  # noqa: E402
from convanim.model import ModelError  # noqa: E402
from tests.model_oracle import max_as_average  # noqa: E402


def vgg16_keras():
    model = keras.Sequential([keras.Input((64, 64, 3))])
    for v in [1, 1, "M", 2, 2, "M", 4, 4, 4, "M", 8, 8, 8, "M", 8, 8, 8, "M"]:
        model.add(L.MaxPooling2D(2) if v == "M" else
                  L.Conv2D(4 * v, 3, padding="same", activation="relu"))
    return model


def resnet_keras():
    """Keras's own 'same' padding: a stride-2 layer on an even input pads one cell after."""
    x = inputs = keras.Input((40, 40, 3))
    x = L.Conv2D(4, 7, strides=2, padding="same", use_bias=False)(x)
    x = L.ReLU()(L.BatchNormalization()(x))
    x = L.MaxPooling2D(3, strides=2, padding="same")(x)
    for cout, stride in ((4, 1), (8, 2)):
        short = x
        if stride != 1 or cout != x.shape[-1]:
            short = L.BatchNormalization()(L.Conv2D(cout, 1, strides=stride)(x))
        y = L.ReLU()(L.BatchNormalization()(L.Conv2D(cout, 3, strides=stride,
                                                     padding="same")(x)))
        y = L.BatchNormalization()(L.Conv2D(cout, 3, padding="same")(y))
        x = L.ReLU()(L.Add()([y, short]))
    x = L.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, L.Dense(10)(x))


def unet_keras():
    inputs = keras.Input((16, 16, 1))
    e1 = L.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    e2 = L.Conv2D(8, 3, padding="same", activation="relu")(L.MaxPooling2D()(e1))
    m = L.Conv2D(8, 3, padding="same", activation="relu")(L.MaxPooling2D()(e2))
    d2 = L.Conv2D(4, 3, padding="same")(L.Concatenate()([L.UpSampling2D()(m), e2]))
    u1 = L.Conv2DTranspose(4, 2, strides=2)(d2)
    return keras.Model(inputs, L.Conv2D(2, 1)(L.Concatenate()([u1, e1])))


def net1d_keras():
    return keras.Sequential([
        keras.Input((60, 2)), L.Conv1D(4, 5, strides=2, padding="same"),
        L.MaxPooling1D(3, strides=2, padding="same"),
        L.Conv1D(4, 3, dilation_rate=2, padding="causal"), L.ZeroPadding1D((1, 1)),
        L.AveragePooling1D(2), L.SeparableConv1D(6, 3), L.DepthwiseConv1D(3, padding="same"),
        L.Flatten(), L.Dense(3)])


CASES = {"vgg16": vgg16_keras, "resnet": resnet_keras, "unet": unet_keras,
         "net1d": net1d_keras}


def _save(model, tmp_path):
    path = tmp_path / "m.json"
    path.write_text(model.to_json())
    return path


def _positive(model):
    for layer in model.layers:
        weights = layer.get_weights()
        if isinstance(layer, L.BatchNormalization):
            layer.set_weights([np.full_like(weights[0], 0.5), np.full_like(weights[1], 0.5),
                               np.zeros_like(weights[2]), np.ones_like(weights[3])])
        elif weights:
            layer.set_weights([np.full_like(w, 0.5) for w in weights])


def _support_box(grad):
    support = grad[0].abs().sum(-1) > 0  # channels last
    if not support.any():
        return None  # a cell of padding: it depends on no input cell
    box = []
    for axis in range(support.dim()):
        other = tuple(a for a in range(support.dim()) if a != axis)
        hits = support.any(dim=other) if other else support
        idx = torch.nonzero(hits).flatten()
        box.append((int(idx.min()), int(idx.max())))
    return tuple(box)


@pytest.mark.parametrize("case", sorted(CASES))
def test_keras_json_equals_keras_and_autograd(case, tmp_path):
    model = CASES[case]()
    table = from_keras(_save(model, tmp_path))
    rows = {row.node.name: row for row in table.rows}
    for layer in model.layers:
        row = rows[layer.name]
        assert row.node.out_shape == (1, *layer.output.shape[1:]), layer.name
        assert row.node.params == layer.count_params(), layer.name
    assert table.params == model.count_params()
    size = model.inputs[0].shape[1:]
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(torch.zeros((1, *size)))
    assert table.macs == counter.get_total_flops() // 2
    # Receptive fields: autograd through the Keras model, every layer with a grid.
    _positive(model)
    spatial = [layer for layer in model.layers if len(layer.output.shape) == len(size) + 1]
    probe = keras.Model(model.inputs, [layer.output for layer in spatial])
    x = torch.ones((1, *size), dtype=torch.float32, requires_grad=True)
    with max_as_average():
        outputs = probe(x)
    checked = 0
    for layer, y in zip(spatial, outputs):
        row = rows[layer.name]
        out = tuple(y.shape[1:-1])
        cells = {tuple(n // 2 for n in out), (0,) * len(out), tuple(n - 1 for n in out)}
        if isinstance(layer, (L.ZeroPadding1D, L.ZeroPadding2D)):
            # A cell of padding alone keeps the field it would have had (the table's
            # convention, as for a convolution's padding); autograd sees nothing there.
            cells = {tuple(n // 2 for n in out)}
        for cell in cells:
            (grad,) = torch.autograd.grad(y[(0, *cell, 0)], x, retain_graph=True)
            want = tuple((max(lo, 0), min(hi, n - 1))
                         for (lo, hi), n in zip(row.box(cell), size[:-1]))
            if any(lo > hi for lo, hi in want):
                want = None
            assert _support_box(grad) == want, (layer.name, cell)
            checked += 1
    assert checked >= 9


def test_keras_archive_equals_its_json(tmp_path):
    model = resnet_keras()
    model.save(tmp_path / "m.keras")
    from_archive = from_keras(tmp_path / "m.keras")
    assert from_archive.to_json().replace("m.keras", "m.json") == \
        from_keras(_save(model, tmp_path)).to_json()


def test_keras_2_format_and_free_sizes(tmp_path):
    """Keras 2's inbound_nodes lists and batch_input_shape; free sizes need --input."""
    text = {"class_name": "Functional", "config": {"layers": [
        {"class_name": "InputLayer", "name": "in",
         "config": {"batch_input_shape": [None, None, None, 3], "name": "in"},
         "inbound_nodes": []},
        {"class_name": "Conv2D", "name": "a", "config": {"filters": 2, "kernel_size": [2, 2],
                                                         "strides": [2, 2]},
         "inbound_nodes": [[["in", 0, 0, {}]]]},
        {"class_name": "Conv2D", "name": "b", "config": {"filters": 2, "kernel_size": 3,
                                                         "padding": "same",
                                                         "strides": 2},
         "inbound_nodes": [[["in", 0, 0, {}]]]},
        {"class_name": "Add", "name": "s", "config": {},
         "inbound_nodes": [[["a", 0, 0, {}], ["b", 0, 0, {}]]]}]}}
    path = tmp_path / "k2.json"
    path.write_text(json.dumps(text))
    with pytest.raises(ModelError, match=r"input has free sizes .*--input 3,224,224$"):
        from_keras(path)
    table = from_keras(path, (3, 8, 8))
    add = table.row("s")
    assert add.node.inputs == ("a", "b") and add.node.out_shape == (1, 4, 4, 2)
    # a: cells 2n..2n+1; b ('same': one cell of padding on 8 cells, after): 2n..2n+2.
    assert add.box((1, 1)) == ((2, 4), (2, 4)) and add.receptive_field == (3, 3)
    with pytest.raises(ModelError, match=r"^--input: 9x9x3: the model fails on this input "
                       r"size \(layer s merges 4x4x2 and 5x5x2\)"):
        from_keras(path, (3, 9, 9))


@pytest.mark.parametrize(("content", "rule"), [
    (b"\x89PNG\r\n", "not JSON"), (b'{"class_name": "Dense"}', "not a Keras model"),
    (b'{"class_name": "Sequential", "config": {"layers": [{"class_name": "InputLayer",'
     b' "config": {"batch_shape": [null, 8, 8, 1]}}, {"class_name": "Lambda", "config":'
     b' {"name": "l"}}]}}', "layer l: layer type Lambda is not one convanim reads")])
def test_bad_keras_files_are_one_line(tmp_path, content, rule):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(ModelError, match=rule) as err:
        from_keras(path)
    assert "\n" not in str(err.value)
