"""Tickets (rules/tickets.smk): each language's lottery ticket, found before pretraining.

``init`` writes the randomly initialised model every variant starts from; ``score`` scores
its weights with one language's examples (SNIP and the other proxies); ``merge`` keeps each
language's top-scoring weights as its ticket and writes the ticket bank that pretraining
reads.
"""
