"""kpitools: score children's services KPIs (RAG, direction of travel, benchmarks) and publish
quarterly scrutiny packs.

The pipeline's stages are sub-packages, each importing only those below it
(checked by ``make lint``; see docs/DESIGN.md)::

    cli -> run -> publish -> present -> pack -> score -> ingest -> core
"""

__version__ = "0.1.0"  # the one version source: pyproject.toml reads it

from kpitools import _legacy

_legacy.install()
