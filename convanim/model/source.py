"""What ``convanim model SOURCE`` names: a PyTorch module, an ONNX file or a Keras model.

``file.py:Name`` and ``package.module:Name`` name a PyTorch module class (instantiated
without arguments) or a function returning a module; ``*.onnx`` an ONNX file; ``*.json`` the
text of Keras's ``model.to_json()`` and ``*.keras`` a Keras archive (a zip with
``config.json``). Errors are one line: ``<where>: <value>: <rule>; <fix>``.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from convanim.model.graph import ModelError, clean
from convanim.model.table import Table

EXTRAS = {"torch": ("torch", "PyTorch models"), "onnx": ("onnx", "ONNX files")}


def need(name: str) -> None:
    """Import ``name`` (torch or onnx) or raise a one-line error naming the extra.

    >>> need("json") is None
    True
    """
    try:
        importlib.import_module(name)
    except ImportError:
        extra, what = EXTRAS.get(name, (name, name))
        raise ModelError(f"model: {what} need {name}, which is not installed; install it "
                         f"with pip install 'convanim[{extra}]'") from None


def parse_input(text: str | Sequence[int] | None) -> tuple[int, ...] | None:
    """``--input 3,224,224`` as a tuple: channels first, then 1 to 3 spatial sizes.

    >>> parse_input("3, 32,32")
    (3, 32, 32)
    """
    if text is None:
        return None
    parts = [str(p).strip() for p in (text.split(",") if isinstance(text, str) else text)]
    if not 2 <= len(parts) <= 4 or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise ModelError(f"--input: {clean(text)!r}: give channels then 1 to 3 sizes, each a "
                         "positive whole number; e.g. --input 3,224,224 (C,H,W) or 1,128 (C,L)")
    return tuple(int(p) for p in parts)


def kind_of(source: str) -> str:
    """``torch``, ``onnx`` or ``keras`` from the way SOURCE is written.

    >>> kind_of("net.py:Net"), kind_of("model.onnx"), kind_of("m.keras")
    ('torch', 'onnx', 'keras')
    """
    lower = source.lower()
    if lower.endswith(".onnx"):
        return "onnx"
    if lower.endswith((".json", ".keras")):
        return "keras"
    if ":" in source:
        return "torch"
    raise ModelError(f"model: {clean(source)!r}: not a model source; write file.py:Name or "
                     "package.module:Name (PyTorch), a .onnx file, or Keras's .json or .keras")


def load_module(source: str) -> Any:
    """The PyTorch module SOURCE names, built without arguments.

    >>> load_module("torch.nn:ReLU")
    ReLU()
    """
    need("torch")
    import torch

    where, _, name = source.rpartition(":")
    if not where or not name.isidentifier():
        raise ModelError(f"model: {clean(source)!r}: name the module after a colon; e.g. "
                         "net.py:Net or mypackage.models:resnet18")
    try:
        if where.endswith(".py") or "/" in where or Path(where).is_file():
            path = Path(where)
            if not path.is_file():
                raise ModelError(f"model: {clean(where)}: no such file; check the path")
            spec = importlib.util.spec_from_file_location(f"_convanim_model_{path.stem}", path)
            if spec is None or spec.loader is None:
                raise ModelError(f"model: {clean(where)}: not a Python file; give a .py file")
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module
            spec.loader.exec_module(module)
        else:
            module = importlib.import_module(where)
    except ModelError:
        raise
    except SystemExit:
        raise ModelError(f"model: {clean(where)}: exits when imported; guard its script part "
                         "with if __name__ == '__main__'") from None
    except Exception as err:
        first = clean(str(err).strip().splitlines()[0] if str(err).strip() else "")
        raise ModelError(f"model: {clean(where)}: cannot be imported ({type(err).__name__}"
                         f"{': ' + first if first else ''}); fix the file or the path"
                         ) from None
    target = getattr(module, name, None)
    if target is None:
        raise ModelError(f"model: {clean(source)}: {clean(where)} has no {name!r}; name a "
                         "module class or a function returning a module")
    built = target
    if isinstance(target, type) or (callable(target) and not isinstance(target,
                                                                        torch.nn.Module)):
        try:
            built = target()
        except Exception as err:
            first = clean(str(err).strip().splitlines()[0] if str(err).strip() else "")
            raise ModelError(f"model: {clean(source)}: calling {name}() without arguments "
                             f"fails ({type(err).__name__}{': ' + first if first else ''}); "
                             "name a class or function that needs none") from None
    if not isinstance(built, torch.nn.Module):
        raise ModelError(f"model: {clean(source)}: {name} gives a {type(built).__name__}, not "
                         "a torch.nn.Module; name a module class or a function returning one")
    return built


def table_of(source: str, input_size: tuple[int, ...] | None) -> Table:
    """The table of any SOURCE (see the module docstring).

    >>> [row.node.type for row in table_of("torch.nn:Tanh", (1, 4, 4)).rows]
    ['input', 'tanh']
    """
    from convanim import model

    kind = kind_of(source)
    if kind == "torch":
        if input_size is None:
            raise ModelError(f"--input: missing for {clean(source)}: a PyTorch module has no "
                             "fixed input size; give one, e.g. --input 3,224,224")
        return model.from_module(load_module(source), input_size)
    path = Path(source)
    if not path.is_file():
        raise ModelError(f"model: {clean(source)}: no such file; check the path")
    if kind == "onnx":
        return model.from_onnx(path, input_size)
    return model.from_keras(path, input_size)
