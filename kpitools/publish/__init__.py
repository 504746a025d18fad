"""Publish: run the report notebooks (:mod:`~kpitools.publish.kernels`), export them to offline HTML
(:mod:`~kpitools.publish.export`), print the PDF (:mod:`~kpitools.publish.pdf`) and swap a complete
pack folder into place with its manifest (:mod:`~kpitools.publish.packs`).

Below it: :mod:`kpitools.present`, :mod:`kpitools.pack` and the stages beneath.
"""
