"""Training scripts for the models the pipeline ships with (run by ``make train-*``, never at run time)."""
