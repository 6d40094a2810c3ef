"""jobmatch library: domain, data contract, features, ranker, reasons, assignment.

It imports neither FastAPI nor the database: both the training pipeline and the
service call it, so every piece of scoring logic lives here once.
"""

__version__ = "0.1.0"
