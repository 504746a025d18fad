import pandas as pd
import pytest

from kpitools.score.summary import largest_remainder, summarise, summary_sentences


def test_seed_002_five_one_one_of_seven_is_72_14_14():
    assert largest_remainder([5, 1, 1]) == [72, 14, 14]


@pytest.mark.parametrize("counts", [[1, 1, 1], [3, 9], [2, 2, 2, 1], [7, 0, 0], [1, 2, 3, 4, 5, 6], [13, 4, 3]])
def test_percentages_are_whole_and_add_up_to_100(counts):
    p = largest_remainder(counts)
    assert sum(p) == 100 and all(isinstance(x, int) for x in p)
    assert all(abs(x - 100 * c / sum(counts)) < 1 for x, c in zip(p, counts))


def test_summary_counts_and_sentence():
    card = pd.DataFrame(
        {"status": ["rated"] * 7 + ["no data", "not due"], "rag": ["Green"] * 5 + ["Amber", "Red", "", ""]}
    )
    s = summarise(card).set_index(["group", "category"])
    assert s.loc[("rag", "Green"), "percent"] == 72
    assert s.loc[("status", "no data"), "count"] == 1
    assert summary_sentences(card)[0] == "Performance data is available for 7 of the 9 indicators."
