"""Figures that do not depend on which experiment drew before them.

``model.report.views.style.setup`` changes matplotlib's global settings (a CJK font when a label
needs one). The claim experiments run one after another in one process, so a font chosen
for experiment 3's Chinese labels would otherwise reach every later figure, and a
figure's pixels would depend on which experiments ran before it. :func:`own_style` draws
from matplotlib's defaults and puts the settings back afterwards.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec

__all__ = ["own_style"]

P = ParamSpec("P")


def own_style(figure: Callable[P, bytes]) -> Callable[P, bytes]:
    """Run ``figure`` from matplotlib's default settings and restore the caller's settings afterwards."""

    @functools.wraps(figure)
    def drawn(*args: P.args, **kwargs: P.kwargs) -> bytes:
        import matplotlib

        with matplotlib.rc_context():
            matplotlib.rcdefaults()
            return figure(*args, **kwargs)

    return drawn
