"""Training (rules/training.smk): pretraining a dense or ticket BERT with MLM and NSP.

``pretrain`` is the stage: its run is set up in ``run`` (settings, data, schedule, model),
stepped through ``batches`` (which examples each step reads) and ``masking`` (BERT's
dynamic masking), saved and resumed through ``checkpoints`` and watched by ``monitoring``
(training log, held-out loss, interference). ``distributed`` joins torchrun's processes,
``ticket_update`` confines an update to a language's ticket, and ``interference`` measures
how languages' updates and gradients conflict (uc and gc).
"""
