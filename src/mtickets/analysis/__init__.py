"""Analysis (rules/analysis.smk): what the tickets and the training runs show.

``typology`` describes the languages (family, script); ``relatedness`` and ``ticket_map``
relate the tickets' overlaps to it, and ``ticket_noise`` measures how much a rescoring
moves them; ``interference_figures`` and ``loss_curves`` draw the pretraining runs, against
the trivial losses of ``baselines``; ``replication`` tests the paper's research questions
on replicated runs. ``plotting`` holds what the figures share.
"""
