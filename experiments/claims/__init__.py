"""Experiments that test the source documents' claims: ``python -m experiments.claims`` (``make experiments``).

Each experiment is a module ``eN_<name>.py`` with a ``main(ctx)`` that runs at the size
``ctx.size`` gives (``reduced`` by default: minutes; ``full``: the documented size),
writes its figure, a table of numbers and a verdict into ``results/eN_<name>/``, and
returns the verdict. Seeds are fixed, so a rerun gives the same numbers.
"""
