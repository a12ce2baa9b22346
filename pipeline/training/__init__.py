"""Training scripts for the project's models (run by ``make train-*``, never at run time)."""
