"""convanim: exact, small animations of convolution, transposed convolution, dilation and pooling.

>>> import convanim
>>> convanim.Spec(i=3, k=3, s=2, p=1, mode="transposed").output_shape
(5, 5)
>>> import tempfile, os
>>> convanim.render({"i": 5, "k": 3, "s": 2}, os.path.join(tempfile.mkdtemp(), "c.gif")).name
'c.gif'
"""

from typing import Any

from convanim.geometry import Spec, SpecError, compute, plan

__version__ = "0.1.0"

__all__ = ["Spec", "SpecError", "__version__", "animate", "compute", "plan", "render"]


def __getattr__(name: str) -> Any:
    # Drawing pulls in matplotlib; `import convanim` for the geometry alone should not.
    if name in ("render", "animate"):
        from convanim import draw

        return getattr(draw, name)
    if name in ("from_module", "from_onnx", "from_keras"):  # torch/onnx load only when called
        from convanim import model

        return getattr(model, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
