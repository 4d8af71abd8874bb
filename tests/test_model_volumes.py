"""3-D models in: Conv3d, ConvTranspose3d, MaxPool3d and AvgPool3d layers (PyTorch, and Keras 3
on its torch backend) become drawable layers of the model's chain, whose sizes equal what the
framework computes; layers convanim draws in 1-D and 2-D only stay listed, not drawn."""

from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

os.environ.setdefault("KERAS_BACKEND", "torch")
torch = pytest.importorskip("torch")

from convanim.model import from_keras, from_module  # noqa: E402
from convanim.model.table import spec_of  # noqa: E402

nn = torch.nn


@pytest.mark.parametrize("seed", range(4))
def test_a_torch_volume_model_is_a_drawable_chain_of_torch_sizes(seed):
    g = torch.Generator().manual_seed(seed)
    pick = lambda n: int(torch.randint(1, n + 1, (1,), generator=g))  # noqa: E731
    k, s, p = pick(3), pick(2), 0
    p = pick(k) - 1 if k > 1 else 0
    net = nn.Sequential(nn.Conv3d(1, 2, k, stride=s, padding=p), nn.ReLU(),
                        nn.MaxPool3d(2, ceil_mode=False), nn.ConvTranspose3d(2, 1, 2, stride=2),
                        nn.AvgPool3d(2))
    size = (1, 8 + pick(4), 9 + pick(4), 10 + pick(4))
    table = from_module(net, size)
    drawn = [row.node.name for row in table.path_layers()]
    assert drawn == ["0", "2", "3", "4"]
    expected = tuple(net(torch.zeros(1, *size)).shape[2:])
    assert table.chain().output_shape == expected
    assert spec_of(table.row("0").node)["kernel_size"] == [k, k, k]


def test_layers_not_drawn_in_3d_are_listed_but_not_drawn():
    net = nn.Sequential(nn.Conv3d(1, 2, 3), nn.AdaptiveAvgPool3d(2))
    table = from_module(net, (1, 6, 6, 6))
    assert [row.node.name for row in table.path_layers()] == ["0"]
    assert spec_of(table.row("1").node) is None


def test_a_keras_volume_model_is_a_drawable_chain_of_keras_sizes(tmp_path):
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":  # pragma: no cover - the oracle runs on torch
        pytest.skip("the Keras oracle needs KERAS_BACKEND=torch")
    from keras import layers as L

    model = keras.Sequential([keras.Input((9, 10, 11, 1)), L.Conv3D(2, 3, padding="same"),
                              L.MaxPooling3D(2), L.Conv3DTranspose(1, 2, strides=2),
                              L.AveragePooling3D(2)])
    saved = tmp_path / "volumes.json"
    saved.write_text(model.to_json())
    table = from_keras(saved)
    assert len(table.path_layers()) == 4
    assert table.chain().output_shape == tuple(model.output_shape[1:4])
