"""``python -m pipeline`` runs the ``zhpipe`` command line."""

from pipeline.cli import main

main()
