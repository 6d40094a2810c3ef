"""The jobmatch FastAPI service: storage, the model in memory, matches both ways."""
