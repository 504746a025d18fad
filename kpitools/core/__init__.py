"""Core: what every stage shares and nothing else: errors, settings and paths, periods, values and
DfE symbols, authorities and their code history, the field's vocabulary, files and provenance.

Imports nothing from the other stages.
"""
