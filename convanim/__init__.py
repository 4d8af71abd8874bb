"""convanim: exact, small animations of convolution, transposed convolution, dilation and pooling.

>>> import convanim
>>> convanim.Spec(i=3, k=3, s=2, p=1, mode="transposed").output_shape
(5, 5)
>>> import tempfile, os
>>> convanim.render({"i": 5, "k": 3, "s": 2}, os.path.join(tempfile.mkdtemp(), "c.gif")).name
'c.gif'
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from convanim.geometry import Spec, SpecError, compute, plan

__version__ = "0.1.0"

__all__ = ["Animation", "RequestError", "Spec", "SpecError", "__version__", "animate",
           "check", "compute", "from_keras", "from_module", "from_onnx", "plan", "render"]


def __getattr__(name: str) -> Any:
    # Drawing pulls in matplotlib; `import convanim` for the geometry alone should not.
    if name in ("render", "animate", "Animation", "check", "api"):
        from importlib import import_module

        api = import_module("convanim.api")
        return api if name == "api" else getattr(api, name)
    if name == "RequestError":
        from convanim.request.errors import RequestError

        return RequestError
    if name in ("from_module", "from_onnx", "from_keras"):  # torch/onnx load only when called
        from convanim import model

        return getattr(model, name)
    # The geometry (numpy) loads on first use too: the command line starts by taking over
    # the ending signals, which it can only do once this package has been imported.
    if name in ("Spec", "SpecError", "compute", "plan"):
        from convanim import geometry

        return getattr(geometry, name)
    if name == "geometry":
        import convanim.geometry

        return convanim.geometry
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
