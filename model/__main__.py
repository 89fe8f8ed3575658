"""``python -m model`` is the ``halfstep`` command."""

from model.cli.app import main

main()
