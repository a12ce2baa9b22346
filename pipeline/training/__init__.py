"""Training scripts for the models the pipeline ships with."""
