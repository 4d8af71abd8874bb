"""Figures from your own model: PyTorch, ONNX or Keras in; an exact per-layer table out.

Torch and ONNX are optional extras (``convanim[torch]``, ``convanim[onnx]``), imported only
here; Keras files are read as plain JSON, without TensorFlow or Keras.
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from typing import Any

from convanim.model.graph import ModelError
from convanim.model.table import Row, Table, build_table

__all__ = ["ModelError", "Row", "Table", "from_keras", "from_module", "from_onnx"]


def from_module(module: Any, input_size: Sequence[int]) -> Table:
    """The per-layer table of a PyTorch module run on one zero input of ``input_size``
    (``(C, H, W)`` or ``(C, L)``); ``table.chain()`` is its main path as a chain.

    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.MaxPool2d(2))
    >>> table = from_module(net, (3, 10, 10))
    >>> table.rows[-1].receptive_field, table.chain().sizes
    ((4, 4), '10x10 -> 8x8 -> 4x4')
    """
    from convanim.model.source import need

    need("torch")
    from convanim.model.from_torch import graph_of

    return build_table(graph_of(module, input_size))


def from_onnx(path: str | PathLike[str], input_size: Sequence[int] | None = None) -> Table:
    """The per-layer table of an ONNX file: its static shapes, or ``input_size``
    (``(C, H, W)``, batch 1) for a model with dynamic ones.

    >>> import tempfile, os
    >>> from onnx import TensorProto, helper, save
    >>> node = helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2])
    >>> x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])
    >>> y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    >>> path = os.path.join(tempfile.mkdtemp(), "pool.onnx")
    >>> save(helper.make_model(helper.make_graph([node], "g", [x], [y])), path)
    >>> table = from_onnx(path)
    >>> table.rows[-1].node.out_shape, table.rows[-1].receptive_field, table.chain().sizes
    ((1, 3, 4, 4), (2, 2), '8x8 -> 4x4')
    """
    from convanim.model.source import need

    need("onnx")
    from convanim.model.from_onnx import graph_of_onnx

    return build_table(graph_of_onnx(path, input_size))


def from_keras(path: str | PathLike[str], input_size: Sequence[int] | None = None) -> Table:
    """The per-layer table of a Keras model: ``model.to_json()`` text in a ``.json`` file, or a
    ``.keras`` archive; read as plain JSON (no TensorFlow). ``input_size`` is ``(C, H, W)``
    as everywhere in convanim (laid out channels-last for the model) when the model's input
    has free sizes.

    >>> import json, tempfile, os
    >>> layers = [{"class_name": "InputLayer", "config": {"batch_shape": [None, 8, 8, 1]}},
    ...           {"class_name": "Conv2D", "config": {"name": "c", "filters": 2,
    ...                                               "kernel_size": 3, "strides": 2}}]
    >>> path = os.path.join(tempfile.mkdtemp(), "m.json")
    >>> with open(path, "w") as f:
    ...     _ = f.write(json.dumps({"class_name": "Sequential", "config": {"layers": layers}}))
    >>> table = from_keras(path)
    >>> table.rows[-1].node.out_shape, table.params, table.chain().sizes
    ((1, 3, 3, 2), 20, '8x8 -> 3x3')
    """
    from convanim.model.from_keras import graph_of_keras

    return build_table(graph_of_keras(path, input_size))
