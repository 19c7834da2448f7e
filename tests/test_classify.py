"""Quantile classes with known answers worked out by hand."""

from geodata.classify import classify_quantiles


def test_ten_values_five_classes():
    # 10 values, 5 classes: quintile upper bounds at 2, 4, 6, 8, 10 -> two values per class.
    cls = classify_quantiles([7, 1, 2, 3, 4, 5, 6, 8, 9, 10])
    assert cls.k == 5
    assert cls.classes == (3, 0, 0, 1, 1, 2, 2, 3, 4, 4)
    assert cls.lower == (1, 3, 5, 7, 9)
    assert cls.upper == (2, 4, 6, 8, 10)
    assert cls.counts == (2, 2, 2, 2, 2)
    assert cls.n_missing == 0


def test_missing_values_get_no_class():
    cls = classify_quantiles([None, 1.0, float("nan"), 2.0, 3.0, 4.0, 5.0])
    assert cls.classes == (None, 0, None, 1, 2, 3, 4)
    assert cls.n_missing == 2


def test_fewer_distinct_values_than_classes():
    cls = classify_quantiles([1, 1, 2, 2, 3])
    assert cls.k == 3
    assert cls.classes == (0, 0, 1, 1, 2)
    assert cls.counts == (2, 2, 1)


def test_all_equal_and_all_missing():
    same = classify_quantiles([4.2, 4.2, 4.2])
    assert same.k == 1 and same.classes == (0, 0, 0) and same.lower == same.upper == (4.2,)
    empty = classify_quantiles([None, None])
    assert empty.k == 0 and empty.classes == (None, None) and empty.n_missing == 2
