"""The short examples in the scoring modules' docstrings run and give what they say."""

import doctest
import importlib

import pytest

MODULES = ["kpitools.periods", "kpitools.values", "kpitools.scoring", "kpitools.summary", "kpitools.text",
           "kpitools.benchmarks", "kpitools.authorities", "kpitools.page", "kpitools.sections", "kpitools.tables",
           "kpitools.imports", "kpitools.config"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
