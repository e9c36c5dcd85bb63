"""Tickets (rules/tickets.smk): each language's lottery ticket, found before pretraining.

``init`` writes the randomly initialised model every variant starts from; ``score`` scores
that model's structured units (qk and v dimensions, FFN units) with one language's examples
and a zero-cost proxy (SNIP and others); ``merge`` normalises the languages' scores, keeps
the top-scoring units as each language's ticket and writes the ticket bank that pretraining
reads.
"""
