"""Hypothesis strategies for specs, shared by the oracle, explain and matrix tests."""

from __future__ import annotations

from hypothesis import strategies as st

from convanim import Spec, SpecError

MODES = ("conv", "transposed", "maxpool", "avgpool")


@st.composite
def spec_kwargs(draw: st.DrawFn, modes: tuple[str, ...] = MODES, max_input: int = 7,
                max_pad: int = 3, names: bool = True) -> dict:
    """Raw keyword arguments for ``Spec``, valid or not: every mode, view and padding form.

    Sizes are an int or a (height, width) pair; padding is an int, a pair, per side, or (with
    ``names``) a padding name; conv and pooling sometimes get a non-zero padding mode.
    """
    dims = draw(st.sampled_from([1, 2]))
    mode = draw(st.sampled_from(modes))

    def size(lo: int, hi: int):
        if dims == 1 or draw(st.booleans()):
            return draw(st.integers(lo, hi))
        return [draw(st.integers(lo, hi)), draw(st.integers(lo, hi))]

    kwargs: dict = {"dims": dims, "mode": mode, "i": size(1, max_input), "k": size(1, 4),
                    "s": size(1, 3)}
    if mode != "avgpool" and draw(st.integers(0, 2)) == 0:
        kwargs["d"] = size(1, 3)
    forms = ["int", "axis", "sides", "name"] if names else ["int", "axis", "sides"]
    form = draw(st.sampled_from(forms))
    if form == "int":
        kwargs["p"] = draw(st.integers(0, max_pad))
    elif form == "axis":
        kwargs["p"] = size(0, max_pad)
    elif form == "sides":
        side = st.tuples(st.integers(0, max_pad), st.integers(0, max_pad)).map(list)
        kwargs["p"] = draw(side) if dims == 1 else [draw(side), draw(side)]
    else:
        kwargs["p"] = draw(st.sampled_from(["valid", "same", "full", "half"]))
    if mode == "transposed":
        kwargs["view"] = draw(st.sampled_from(["gather", "scatter"]))
        if draw(st.booleans()):
            kwargs["output_padding"] = size(0, 2)
    elif draw(st.integers(0, 2)) == 0:
        kwargs["padding_mode"] = draw(st.sampled_from(["reflect", "replicate", "circular"]))
    return kwargs


def _spec_or_none(kwargs: dict) -> Spec | None:
    try:
        return Spec(**kwargs)
    except SpecError:
        return None


def valid_specs(**bounds) -> st.SearchStrategy[Spec]:
    """Only the specs that ``Spec`` accepts (the oracle tests check that PyTorch agrees)."""
    return spec_kwargs(**bounds).map(_spec_or_none).filter(lambda spec: spec is not None)
