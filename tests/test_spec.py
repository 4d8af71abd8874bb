"""Spec construction, padding names, error messages, arithmetic text and the plan's phases."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convanim import Spec, SpecError, plan
from convanim.geometry import arithmetic, frame_count


@pytest.mark.parametrize(("kwargs", "param", "words"), [
    ({"i": 6, "k": 3, "d": 3}, "kernel_size",
     "kernel 3 dilated by 3 spans 7 cells but the padded input is 6: use padding >= 1 or "
     "dilation <= 2"),
    ({"i": 4, "k": 6}, "kernel_size", "kernel_size <= 4"),
    ({"i": 5, "k": 3, "s": -1}, "stride", "stride=-1 must be at least 1"),
    ({"i": 5, "k": 3, "s": 2.5}, "stride", "not a whole number"),
    ({"i": 5, "k": 3, "s": True}, "stride", "not a whole number"),
    ({"i": 5, "k": 3, "p": 2, "mode": "maxpool"}, "padding", "pooling allows padding <= 1"),
    ({"i": 5, "k": 3, "d": 2, "mode": "avgpool"}, "dilation", "use dilation=1"),
    ({"i": 3, "k": 3, "s": 2, "output_padding": 2, "mode": "transposed"}, "output_padding",
     "use output_padding <= 1"),
    ({"i": 2, "k": 3, "p": 3, "mode": "transposed"}, "padding", "use padding <= 1"),
    ({"i": 5, "k": 3, "p": "sam"}, "padding", "valid, same, full, half"),
    ({"i": 5, "k": 3, "mode": "conb"}, "mode", "did you mean 'conv'?"),
    ({"i": 5, "k": 3, "view": "scatter"}, "view", "mode 'transposed'"),
    ({"i": 5, "k": 3, "p": 5, "padding_mode": "reflect"}, "padding", "use padding <= 4"),
    ({"i": 5, "k": 3, "p": "same", "mode": "avgpool"}, "padding", "counts padding cells"),
    ({"i": [5, 5, 5], "k": 3}, "input_size", "3 entries but dims=2"),
    ({"i": 5, "k": 3, "output_padding": 1}, "output_padding", "only applies to mode"),
    ({"i": 5, "k": 3, "mode": "transposed", "padding_mode": "reflect"}, "padding_mode",
     "only 'zeros'"),
    ({"i": 5, "k": 3, "p": -1}, "padding", "padding=-1 is negative"),
    ({"i": 5, "k": 3, "dims": 4}, "dims", "use 1 (sequence), 2 (image) or 3 (volume)"),
    ({"i": 5, "mode": "upsample", "dims": 3}, "dims", "3-D volumes are drawn for"),
    ({"i": (4, 9), "k": (5, 3)}, "kernel_size", "(height)"),
    ({"i": 4, "k": 3, "s": 2, "p": "same", "output_padding": 1, "mode": "transposed"},
     "output_padding", "cannot be combined with padding='same'"),
])
def test_errors_name_parameter_rule_and_fix(kwargs: dict, param: str, words: str) -> None:
    with pytest.raises(SpecError) as info:
        Spec(**kwargs)
    assert info.value.param == param
    assert words in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(("kwargs", "pads", "shape"), [
    ({"i": 5, "k": 3, "s": 2, "p": "same"}, ((1, 1), (1, 1)), (3, 3)),
    ({"i": 6, "k": 3, "s": 2, "p": "same"}, ((0, 1), (0, 1)), (3, 3)),
    ({"i": 5, "k": 3, "p": "full"}, ((2, 2), (2, 2)), (7, 7)),
    ({"i": 5, "k": 3, "d": 2, "p": "half"}, ((2, 2), (2, 2)), (5, 5)),
    ({"i": 5, "k": 3, "p": "valid"}, ((0, 0), (0, 0)), (3, 3)),
    ({"i": 4, "k": 3, "s": 2, "p": "same", "mode": "transposed"}, ((0, 1), (0, 1)), (8, 8)),
    ({"i": 4, "k": 1, "s": 3, "p": "same", "mode": "transposed"}, ((0, 0), (0, 0)), (12, 12)),
    ({"i": 7, "k": 2, "p": "same", "mode": "maxpool", "s": 1}, ((0, 1), (0, 1)), (7, 7)),
    ({"i": (4, 6), "k": (3, 2), "p": ((1, 0), (0, 1))}, ((1, 0), (0, 1)), (3, 6)),
    ({"i": 9, "k": 3, "p": [2, 0], "dims": 1}, ((2, 0),), (9,)),
])
def test_padding_forms_resolve(kwargs: dict, pads: tuple, shape: tuple) -> None:
    spec = Spec(**kwargs)
    assert spec.p == pads
    assert spec.output_shape == shape


def test_keras_same_matches_ceil_and_times_stride() -> None:
    for i in range(1, 12):
        for k in range(1, 6):
            for s in range(1, 4):
                assert Spec(i=i, k=k, s=s, p="same").output_shape == (-(-i // s),) * 2
                assert Spec(i=i, k=k, s=s, p="same", mode="transposed").output_shape == \
                    (i * s,) * 2


def test_pooling_stride_defaults_to_kernel_like_pytorch() -> None:
    assert Spec(i=6, k=2, mode="maxpool").s == (2, 2)
    assert Spec(i=6, k=2).s == (1, 1)


def test_from_dict_accepts_long_short_and_kebab_names_and_strings() -> None:
    spec = Spec.from_dict({"input-size": "5,4", "k": "3", "stride": 2, "padding": "1",
                           "mode": "Transposed"})
    assert (spec.i, spec.k, spec.s, spec.p, spec.mode) == ((5, 4), (3, 3), (2, 2),
                                                           ((1, 1), (1, 1)), "transposed")


def test_from_dict_rejects_unknown_and_missing_keys() -> None:
    with pytest.raises(SpecError, match="did you mean 'kernel_size'"):
        Spec.from_dict({"i": 5, "kernal_size": 3})
    with pytest.raises(SpecError, match="kernel_size is missing"):
        Spec.from_dict({"i": 5})
    with pytest.raises(SpecError, match="given twice"):
        Spec.from_dict({"i": 5, "input_size": 5, "k": 3})


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 9), st.integers(1, 4), st.integers(1, 3), st.integers(0, 2),
       st.sampled_from(["conv", "transposed", "maxpool"]), st.sampled_from([1, 2]))
def test_to_dict_round_trips_and_frame_count_is_exact(i, k, s, p, mode, dims) -> None:
    try:
        spec = Spec(i=i, k=k, s=s, p=p, mode=mode, dims=dims)
    except SpecError:
        return
    assert Spec.from_dict(spec.to_dict()) == spec
    assert frame_count(spec) == len(plan(spec).frames)
    if mode == "transposed":
        scatter = spec.replace(view="scatter")
        assert frame_count(scatter) == len(plan(scatter).frames)


def test_arithmetic_text_with_numbers() -> None:
    assert arithmetic(Spec(i=3, k=3, s=2, p=1, mode="transposed"))[0].text == \
        "o = (3-1)*2 + 3 - 2*1 = 5"
    assert arithmetic(Spec(i=5, k=3, s=2, p=1))[0].text == "o = floor((5 + 2*1 - 3) / 2) + 1 = 3"
    assert arithmetic(Spec(i=7, k=3, d=2))[0].text == "o = 7 + 2*0 - 2*(3-1) - 1 + 1 = 3"
    odd = arithmetic(Spec(i=3, k=3, s=2, p=1, output_padding=1, mode="transposed"))[0]
    assert odd.text == "o = (3-1)*2 + 3 - 2*1 + 1 = 6"
    assert odd.equivalent_padding == (1, 2)  # the extra row goes on the bottom/right


def test_unreached_cells_at_the_far_edge() -> None:
    spec = Spec(i=6, k=3, s=2)  # windows cover 0..4; row and column 5 are never used
    assert arithmetic(spec)[0].unreached == 1
    grid = plan(spec).grids["input"]
    assert grid.reached[:5, :5].all()
    assert not grid.reached[:, 5].any() and not grid.reached[5, :].any()


def test_phases_per_mode() -> None:
    def phases(**kwargs):
        return [f.phase for f in plan(Spec(**kwargs)).frames if f.phase != "slide"]

    assert phases(i=4, k=3) == ["input", "output"]
    assert phases(i=4, k=3, p=1) == ["input", "pad", "output"]
    assert phases(i=3, k=3, s=2, p=1, mode="transposed") == ["input", "insert_zeros", "pad",
                                                             "output"]
    assert phases(i=3, k=3, s=2, p=1, mode="transposed", view="scatter") == ["input", "crop",
                                                                            "output"]
    assert phases(i=3, k=3, s=1, p=2, mode="transposed") == ["input", "output"]


def test_reflect_padding_links_to_the_copied_cell() -> None:
    p = plan(Spec(i=4, k=3, p=1, padding_mode="reflect", dims=1))
    first = next(f for f in p.frames if f.phase == "slide")
    # The padding cell left of x[0] copies x[1] (reflect), so tap 0 links to input 1.
    assert ((0,), (1,), (0,)) in first.links


def test_named_padding_keeps_a_given_output_padding() -> None:
    # 'valid' (or 'full', 'half') with output_padding: only 'same' implies output_padding.
    spec = Spec(i=1, k=2, d=2, p="valid", output_padding=1, mode="transposed", dims=1)
    assert spec.output_shape == (4,)
    assert Spec.from_dict(spec.to_dict()) == spec
    assert spec.replace(view="scatter").output_shape == (4,)
    assert "op=1" in spec.label
    same = Spec(i=3, k=1, s=2, p="same", mode="transposed")
    assert Spec.from_dict(same.to_dict()) == same and "op=" not in same.label
