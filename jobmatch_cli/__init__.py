"""The ``jobmatch`` command line, which belongs to neither side: training commands
(:mod:`jobmatch_cli.training_commands`) and service commands (:mod:`jobmatch_cli.service_commands`) in modules of
their own, the demo joining them (:mod:`jobmatch_cli.demo`), one entry point (:mod:`jobmatch_cli.main`).

argparse rather than Typer: no dependency for a deployed service to carry (Typer brings Click and Rich), and
the commands' checks (mutually exclusive --seekers/--openings, nested ``tokens add/revoke/list``) were written
for it; :class:`jobmatch_cli.main.DefaultsFormatter` shows every option's default.
"""
