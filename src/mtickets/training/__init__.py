"""Training (rules/training.smk): pretraining a dense or ticket BERT with MLM and NSP.

``pretrain`` is the stage and its training loop. Its run is set up in ``run`` (settings,
data, model and objective) on the ``schedule`` drawn from the seed (every step's language
and length, the learning rate); each step reads the examples ``batches`` chooses, masked by
``masking``. ``checkpoints`` saves and resumes the run, ``monitoring`` writes what it
measures on the way (training log, held-out loss, interference). ``distributed`` joins
torchrun's processes, ``ticket_update`` confines an update to a language's ticket, and
``interference`` measures how languages' updates and gradients conflict (uc and gc).
"""
