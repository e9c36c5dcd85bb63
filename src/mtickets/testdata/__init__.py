"""Test data: tools that write inputs for the demo, the tests and the benchmarks.

``demo`` writes the embedded demo's bundle (a miniature Wikipedia mirror and XTREME-format
fixtures) from the per-language templates of ``language_data``, filled in by
``templates``, ``articles`` and ``fixtures``; ``synthetic`` writes dumps of any size from the
same articles; ``stanza_train`` trains a small Stanza tokenizer offline. No pipeline stage
reads these modules; the pipeline reads what they write.
"""
