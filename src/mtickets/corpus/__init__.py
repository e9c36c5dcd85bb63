"""Corpus (rules/corpus.smk): from Wikipedia dumps to pretraining shards.

Per language: ``download`` fetches a dump and checks it, ``extract`` turns its articles into
plain text, ``split`` cuts the text into sentences; ``tokenizer`` trains one WordPiece
vocabulary on all languages' sentences, and ``shards`` builds BERT's sentence pairs with
next-sentence labels from them (the ``formats.shards`` contract). ``help_mirror`` and
``help_task`` make a corpus and a tagging task of real translated text from LibreOffice's
help, laid out as a dumps mirror and as a task's files.
"""
