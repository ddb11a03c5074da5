"""One rule for step numbers (lstmviz/app/counts.py): texts with thousands separators, axis
ticks in one compact form per axis, exact."""

from lstmviz.app.counts import count, tick_labels


def test_a_step_in_a_text_has_thousands_separators():
    assert [count(n) for n in (0, 39, 999, 1000, 150000, 1234567)] == [
        "0", "39", "999", "1,000", "150,000", "1,234,567"]


def test_an_axis_says_its_ticks_in_one_compact_form_and_exactly():
    assert tick_labels([0, 50_000, 100_000, 150_000]) == ["0", "50k", "100k", "150k"]
    assert tick_labels([0, 500_000, 1_000_000, 1_500_000]) == ["0", "0.5M", "1M", "1.5M"]
    # one tick not a whole thousand: the whole axis as the texts say steps
    assert tick_labels([123_400, 123_425, 123_450]) == ["123,400", "123,425", "123,450"]
    assert tick_labels([0, 2000, 4000]) == ["0", "2,000", "4,000"]  # (below 10,000: short already)
    assert tick_labels([0, 250_000, 1_250_000]) == ["0", "250k", "1,250k"]
    assert tick_labels([0, 5, 10]) == ["0", "5", "10"]
    assert tick_labels([]) == []
