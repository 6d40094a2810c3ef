"""Training side of jobmatch: sample world, portal import, pipeline, evaluation, CLI."""
