"""``python -m model`` is the ``halfstep`` command."""

from .cli import main

main()
