"""convanim: exact, small animations of convolution, transposed convolution, dilation and pooling.

>>> import convanim
>>> convanim.Spec(i=3, k=3, s=2, p=1, mode="transposed").output_shape
(5, 5)
"""

from convanim.geometry import Spec, SpecError, compute, plan

__version__ = "0.1.0"

__all__ = ["Spec", "SpecError", "__version__", "compute", "plan"]
