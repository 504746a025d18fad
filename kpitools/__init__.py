"""kpitools: score children's services KPIs (RAG, direction of travel, benchmarks) and publish
quarterly scrutiny packs."""

__version__ = "0.1.0"
