# Multilingual lottery tickets to pretrain language models (Lee & Hwang, 2023).
# This file only wires: the stages are declared in rules/, the logic is the
# `mtickets` package. See README.md and docs/contracts.md.
from snakemake.utils import min_version

min_version("9.0")


report: "workflow/report/workflow.rst"


# The embedded demo, unless --configfile names another config: that one then
# replaces the demo rather than being merged into it (variants would add up).
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


include: "rules/common.smk"
include: "rules/corpus.smk"
include: "rules/tickets.smk"
include: "rules/training.smk"
include: "rules/evaluation.smk"
include: "rules/analysis.smk"


rule all:
    default_target: True
    input:
        all_outputs(),
