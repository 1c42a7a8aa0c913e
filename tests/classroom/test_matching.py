"""Matching as plain functions: everyone seated once, holes only where students are missing."""

from collections import Counter

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from marl_tui.classroom.matching import assign_roles, match

names = st.lists(st.integers(0, 200).map(lambda i: f"s{i}"), max_size=40, unique=True)


@given(names, st.integers(2, 5), st.sampled_from(["strangers", "partners"]), st.integers(0, 99))
def test_every_student_in_exactly_one_group(students, size, mode, seed):
    rng = np.random.default_rng(seed)
    first = match(students, group_size=size, mode=mode, rng=rng)
    second = match(students[: len(students) // 2 + 1] + ["new"], group_size=size, mode=mode,
                   rng=rng, previous=first.groups)
    for matching, present in ((first, students), (second, students[: len(students) // 2 + 1] + ["new"])):
        seated = Counter(s for g in matching.groups for s in g if s is not None)
        assert set(seated) == set(present) and all(c == 1 for c in seated.values())
        assert all(len(g) == size for g in matching.groups)
        # holes only where students are missing: at most one group is not full under strangers
        holes = sum(s is None for g in matching.groups for s in g)
        if mode == "strangers":
            assert holes == (-len(present)) % size
        assert not any(all(s is None for s in g) for g in matching.groups)


def test_partners_stay_together_and_newcomers_fill_holes():
    rng = np.random.default_rng(0)
    first = match(["a", "b", "c", "d"], group_size=2, mode="partners", rng=rng)
    again = match(["a", "b", "c", "d"], group_size=2, mode="partners", rng=rng, previous=first.groups)
    assert again.groups == first.groups
    gone = first.groups[0][0]
    third = match([s for s in "abcd" if s != gone] + ["e"], group_size=2, mode="partners",
                  rng=rng, previous=again.groups)
    assert third.groups[0] == tuple("e" if s == gone else s for s in first.groups[0])


def test_strangers_rematch_differs_over_rounds():
    rng = np.random.default_rng(1)
    students = [f"s{i}" for i in range(20)]
    pairs = {frozenset(g) for _ in range(5) for g in match(students, group_size=2,
                                                           mode="strangers", rng=rng).groups}
    assert len(pairs) > 10


def test_roles_kept_put_each_student_in_their_seat():
    roles = assign_roles(list("abcde"), {}, 2)
    assert Counter(roles.values()) == {0: 3, 1: 2}
    m = match(list("abcde"), group_size=2, mode="strangers", rng=np.random.default_rng(0), roles=roles)
    for g in m.groups:
        for i, s in enumerate(g):
            assert s is None or roles[s] == i


def test_without_agents_incomplete_groups_sit_out_or_play_smaller():
    rng = np.random.default_rng(0)
    m = match(list("abc"), group_size=2, mode="strangers", rng=rng, fill=False)
    assert len(m.groups) == 1 and len(m.sitting_out) == 1
    m = match(list("abcde"), group_size=4, mode="strangers", rng=rng, fill=False, flexible=True)
    assert sorted(len(g) for g in m.groups) == [4] and len(m.sitting_out) == 1
    m = match(list("abc"), group_size=None, mode="strangers", rng=rng, fill=False, flexible=True)
    assert len(m.groups) == 1 and sorted(m.groups[0]) == list("abc")
