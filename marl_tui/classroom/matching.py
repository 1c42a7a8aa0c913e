"""Who plays whom in a round: plain functions of the students present, the previous round's
groups and the roles they keep (oTree's ``group_randomly``/fixed groups, MobLab's fill-in).

A group is a tuple of seats; seat ``i`` plays role ``i`` of the game; ``None`` is a seat no student
takes, for an agent to fill (or, with agents off, a seat left empty). Nothing here knows about
time, connections or agents, so the hub's properties can be tested on these alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import zip_longest

import numpy as np

Seats = tuple[str | None, ...]
MODES = ("strangers", "partners")


@dataclass(frozen=True)
class Matching:
    """A round's groups, and the students who sit it out (agents off, no full group for them)."""

    groups: tuple[Seats, ...]
    sitting_out: tuple[str, ...] = ()


def assign_roles(
    students: Sequence[str], known: Mapping[str, int], n_roles: int
) -> dict[str, int]:
    """Roles kept for a class: each student without one gets the role fewest students hold
    (lowest index on ties), so roles stay balanced as students arrive."""
    roles = dict(known)
    counts = [0] * n_roles
    for role in roles.values():
        counts[role] += 1
    for student in students:
        if student not in roles:
            role = int(np.argmin(counts))
            roles[student] = role
            counts[role] += 1
    return roles


def match(
    students: Sequence[str],
    *,
    group_size: int | None,
    mode: str,
    rng: np.random.Generator,
    previous: Sequence[Seats] = (),
    roles: Mapping[str, int] | None = None,
    fill: bool = True,
    flexible: bool = False,
) -> Matching:
    """Groups for this round's ``students``.

    ``group_size`` None puts everyone in one group. ``mode`` "strangers" re-matches at random;
    "partners" keeps last round's groups for those still here and seats newcomers in their holes
    first. ``roles`` pins each student to a seat index (roles kept); without it seats are
    shuffled. ``fill`` leaves holes (``None``) for agents; without it, ``flexible`` games (an
    aggregate payoff rule, any group size of 2 or more) play with the students they have, and
    other incomplete groups sit out.
    """
    if mode not in MODES:
        raise ValueError(f"matching must be one of {', '.join(MODES)}, got {mode!r}")
    students = list(dict.fromkeys(students))
    if group_size is None:
        order = [students[i] for i in rng.permutation(len(students))]
        groups: list[Seats] = [tuple(order)] if order else []
        if fill and 0 < len(order) < 2:
            groups = [tuple(order) + (None,)]
        return _finish(groups, 2, fill, True)
    present = set(students)
    groups = []
    placed: set[str] = set()
    if mode == "partners":
        for group in previous:
            kept = tuple(s if s in present else None for s in group)
            if any(s is not None for s in kept) and len(kept) == group_size:
                groups.append(kept)
                placed.update(s for s in kept if s is not None)
    newcomers = [students[i] for i in rng.permutation(len(students)) if students[i] not in placed]
    groups = _seat_in_holes(groups, newcomers, roles)
    placed.update(s for g in groups for s in g if s is not None)
    rest = [s for s in newcomers if s not in placed]
    groups.extend(_new_groups(rest, group_size, roles))
    return _finish(groups, group_size, fill, flexible)


def _seat_in_holes(
    groups: list[Seats], newcomers: list[str], roles: Mapping[str, int] | None
) -> list[Seats]:
    """Newcomers take the empty seats of kept groups (their own role's seat when roles are kept)."""
    waiting = list(newcomers)
    result = []
    for group in groups:
        seats = list(group)
        for i, occupant in enumerate(seats):
            if occupant is not None:
                continue
            fits = [s for s in waiting if roles is None or roles.get(s, i) == i]
            if fits:
                seats[i] = fits[0]
                waiting.remove(fits[0])
        result.append(tuple(seats))
    return result


def _new_groups(
    students: list[str], group_size: int, roles: Mapping[str, int] | None
) -> list[Seats]:
    if roles is None:
        return [
            tuple(students[i : i + group_size]) + (None,) * (group_size - len(students[i : i + group_size]))
            for i in range(0, len(students), group_size)
        ]
    buckets: list[list[str]] = [[] for _ in range(group_size)]
    for s in students:
        buckets[roles.get(s, 0) % group_size].append(s)
    return [tuple(seats) for seats in zip_longest(*buckets, fillvalue=None)]


def _finish(groups: list[Seats], group_size: int, fill: bool, flexible: bool) -> Matching:
    if fill:
        return Matching(tuple(groups))
    playing, out = [], []
    for group in groups:
        humans = tuple(s for s in group if s is not None)
        if len(humans) == len(group) >= 2:  # a whole class of one cannot play
            playing.append(group)
        elif flexible and len(humans) >= 2:
            playing.append(humans)
        else:
            out.extend(humans)
    return Matching(tuple(playing), tuple(out))
