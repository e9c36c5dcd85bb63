"""The on-disk contracts that more than one stage reads or writes.

Stage modules import these, never each other: atomic outputs (``atomic``), gzip text
and JSON lines (``text``), shard directories (``shards``), score and ticket-bank
safetensors (``tensors``), the files a model directory carries besides the model
(``model_files``), fine-tuning metrics (``metrics``), special token ids
(``special_tokens``), the content digests that guard resumable work (``fingerprint``), the
XTREME task files (``xtreme``) and Wikipedia dumps laid out as the dumps site serves them
(``wikipedia_dump``).
"""
