"""Score: pure functions from tables to tables: RAG ratings and direction of travel
(:mod:`~kpitools.score.scoring`), published benchmarks, ranks and neighbour averages
(:mod:`~kpitools.score.benchmarks`), counts (:mod:`~kpitools.score.summary`) and the generated
sentences (:mod:`~kpitools.score.text`).

Below it: :mod:`kpitools.core` (and :mod:`kpitools.ingest`'s tables, passed in as DataFrames).
"""
