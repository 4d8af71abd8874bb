"""Which frames to show: one rule for storyboards, still frames and animations.

``frames`` is a comma-separated list of 1-based frame numbers (as the storyboard labels them),
ranges ``4-9``, phase names (``input``, ``insert_zeros``, ``pad``, ``slide``, ``crop``,
``output``), ``first``, ``last``, and ``key``: every phase frame plus the first and last
slide. ``max_slides`` then keeps that many evenly spaced window positions.

>>> from convanim.geometry import Spec, plan
>>> the_plan = plan(Spec(i=3, k=3, s=2, p=1, mode="transposed"))
>>> [i + 1 for i in select_frames(the_plan, "key")]
[1, 2, 3, 4, 28, 29]
>>> len(select_frames(the_plan, max_slides=5))
9
"""

from __future__ import annotations

from convanim.geometry import Plan, SpecError

PHASES = ("input", "insert_zeros", "pad", "slide", "crop", "output")
WORDS = ("key", "first", "last")
MATRIX_SILENT = ("insert_zeros", "pad")
"""Phases the matrix view draws nothing new for: left out of its frames."""
FIX = ("write e.g. frames=key, frames=1,4-6,last or frames=input,slide; "
       "numbers count from 1 as the storyboard labels them")


def check_frames_text(text: str) -> str:
    """Check the syntax of a ``frames`` value (its numbers are checked against the plan).

    >>> check_frames_text(" key, 3-5 ")
    'key,3-5'
    """
    if not isinstance(text, str) or not text.strip():
        raise SpecError(f"frames={text!r} is empty; {FIX}", "frames")
    items = [item.strip().lower().replace("-", "_") if not _is_range(item.strip())
             else item.strip() for item in text.split(",")]
    for item in items:
        if item in PHASES or item in WORDS or item.isdigit() or _is_range(item):
            continue
        raise SpecError(f"frames={text!r}: {item!r} is not a frame number, range, phase "
                        f"name ({', '.join(PHASES)}), first, last or key; {FIX}", "frames")
    return ",".join(items)


def _is_range(item: str) -> bool:
    head, sep, tail = item.partition("-")
    return bool(sep) and head.strip().isdigit() and (tail.strip().isdigit()
                                                     or tail.strip() == "last")


def select_frames(plan: Plan, frames: str | None = None, max_slides: int | None = None
                  ) -> list[int]:
    """The 0-based indices of the frames to show, in order, each once.

    >>> from convanim.geometry import Spec, plan
    >>> select_frames(plan(Spec(i=3, k=2)), "1,last")
    [0, 5]
    >>> select_frames(plan(Spec(i=3, k=2, p=1, view="matrix")))[:2]  # no padding frame
    [0, 2]
    """
    count = len(plan.frames)
    phases = [f.phase for f in plan.frames]
    slides = [i for i, phase in enumerate(phases) if phase == "slide"]
    chosen: set[int] = set()
    for item in (check_frames_text(frames).split(",") if frames is not None else []):
        if item == "key":
            chosen |= {i for i, phase in enumerate(phases) if phase != "slide"}
            chosen |= {slides[0], slides[-1]} if slides else set()
            chosen.add(count - 1)
        elif item == "first":
            chosen.add(0)
        elif item == "last":
            chosen.add(count - 1)
        elif item in PHASES:
            chosen |= {i for i, phase in enumerate(phases) if phase == item}
        else:
            head, _, tail = item.partition("-")
            lo = int(head)
            hi = count if tail == "last" else int(tail or head)
            if not 1 <= lo <= hi <= count:
                raise SpecError(f"frames={frames!r}: {item} is outside 1..{count}, the "
                                f"animation's frames; {FIX}", "frames")
            chosen |= set(range(lo - 1, hi))
    picked = sorted(chosen) if frames is not None else list(range(count))
    if max_slides is not None:
        kept = [i for i in picked if phases[i] == "slide"]
        if len(kept) > max_slides:
            keep = set(evenly(kept, max_slides))
            picked = [i for i in picked if phases[i] != "slide" or i in keep]
    if not picked:
        raise SpecError(f"frames={frames!r} picks no frame of this animation; {FIX}", "frames")
    if plan.spec.view == "matrix":
        # Zeros inserted and padding have no column in C: in the matrix view those frames
        # would change nothing (the first frame's caption says so instead).
        picked = [i for i in picked if phases[i] not in MATRIX_SILENT] or picked
    return picked


def evenly(items: list[int], n: int) -> list[int]:
    """``n`` evenly spaced items, the first and last always among them.

    >>> evenly(list(range(25)), 5)
    [0, 6, 12, 18, 24]
    """
    if n >= len(items):
        return list(items)
    if n == 1:
        return [items[0]]
    return [items[round(i * (len(items) - 1) / (n - 1))] for i in range(n)]


def slides_note(plan: Plan, picked: list[int]) -> str:
    """``"5 of 25 positions"`` when some window positions are left out, else ``""``.

    >>> from convanim.geometry import Spec, plan
    >>> the_plan = plan(Spec(i=4, k=3))
    >>> slides_note(the_plan, [0, 1, 5]), slides_note(the_plan, list(range(6)))
    ('1 of 4 positions', '')
    """
    total = sum(f.phase == "slide" for f in plan.frames)
    shown = sum(plan.frames[i].phase == "slide" for i in picked)
    return f"{shown} of {total} positions" if shown < total else ""
