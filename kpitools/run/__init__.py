"""Run: one pack from a request (:mod:`~kpitools.run.runner`: fingerprints, locks, skipping current
packs) and many from a schedule (:mod:`~kpitools.run.schedule`: workers, the run log).

Below it: every other stage. Only :mod:`kpitools.cli` is above.
"""
