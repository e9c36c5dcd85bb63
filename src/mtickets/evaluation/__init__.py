"""Evaluation (rules/evaluation.smk): fine-tuning on XTREME's NER and POS tasks, and the tables.

``task_data`` reads a task's data in place (``xtreme_sources``) and writes its splits per
language; ``finetune`` fine-tunes a pretrained model on one language and tests it;
``tables`` gathers the runs into the paper's tables, with the uncertainty and the paired
test of ``statistics``.
"""
