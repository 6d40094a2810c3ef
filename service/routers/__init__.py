"""Thin routers: validate, call ``matcher`` or the database, shape the answer."""
