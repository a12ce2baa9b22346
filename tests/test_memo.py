"""Tests of pipeline.memo: a bounded memo empties itself when full, and only then."""

from pipeline.memo import remember


def test_a_memo_keeps_entries_up_to_its_limit() -> None:
    memo: dict[str, int] = {}
    assert remember(memo, "a", 1, 3) == 1
    remember(memo, "b", 2, 3)
    remember(memo, "c", 3, 3)
    assert memo == {"a": 1, "b": 2, "c": 3}


def test_a_full_memo_starts_again_with_the_new_entry() -> None:
    memo = {"a": 1, "b": 2}
    assert remember(memo, "c", 3, 2) == 3
    assert memo == {"c": 3}


def test_a_subclass_with_missing_can_remember_itself() -> None:
    class Squares(dict[int, int]):
        def __missing__(self, key: int) -> int:
            return remember(self, key, key * key, 2)

    squares = Squares()
    assert [squares[n] for n in (2, 3, 4)] == [4, 9, 16]
    assert squares == {4: 16}
