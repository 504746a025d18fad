"""Ingest: read and validate the inputs (framework, targets, local figures, commentary, DfE files,
statistical neighbours) into one :class:`~kpitools.ingest.loaders.Dataset`, collecting every
problem in one report (:mod:`~kpitools.ingest.schemas`).

Below it: :mod:`kpitools.core`.
"""
