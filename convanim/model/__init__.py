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
    """
    from convanim.model.from_keras import graph_of_keras

    return build_table(graph_of_keras(path, input_size))
