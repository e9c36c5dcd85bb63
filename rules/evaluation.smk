rule task_data:
    input:
        task_source_files,
    output:
        **{
            split: f"results/task_data/{{task}}/{{lang}}/{split}.{{extension}}"
            for split in SPLITS
        },
    log:
        "logs/task_data/{task}-{lang}-{extension}.log",
    conda:
        "../envs/mtickets.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        source=lambda wildcards: TASKS[wildcards.task]["source"],
        format=lambda wildcards: TASKS[wildcards.task]["format"],
        min_sentences=lambda wildcards: TASKS[wildcards.task]["min_sentences"],
    shell:
        "mtickets task-data --task {wildcards.task} --lang {wildcards.lang}"
        " --format {params.format} --source '{params.source}'"
        " --min-sentences {params.min_sentences}"
        " --out-dir $(dirname {output.train}) 2> {log}"


if config["evaluation"]["protocol"] == "in_language":

    # All seeds of one (variant, task, language) in one job: the data is read and tokenized
    # once and torch imported once; each seed trains as it would in a process of its own.
    rule finetune:
        input:
            unpack(task_data),
            model="results/pretrain/{variant}/final",
            tokenizer="results/tokenizer",
        output:
            **saved_model_output(),
            metrics=expand(
                "results/finetune/{{variant}}/{{task}}/{{lang}}/seed{seed}/metrics.json",
                seed=config["evaluation"]["seeds"],
            ),
            predictions=expand(
                "results/finetune/{{variant}}/{{task}}/{{lang}}/seed{seed}/predictions.tsv",
                seed=config["evaluation"]["seeds"],
            ),
        log:
            "logs/finetune/{variant}/{task}/{lang}.log",
        benchmark:
            "benchmarks/finetune/{variant}/{task}/{lang}.tsv"
        conda:
            "../envs/mtickets.yaml"
        threads: 1
        resources:
            mem_mb=8000,
            runtime=240 * len(config["evaluation"]["seeds"]),
            gpu=1,
            # Resources, not params: the trackers and a kept model change no result.
            loggers=finetune_loggers,
            save_model=save_model_flag,
        params:
            options=finetune_command_line,
            out=finetune_out_template,
        shell:
            "OMP_NUM_THREADS={threads} mtickets finetune --model {input.model}"
            " --tokenizer {input.tokenizer} --lang {wildcards.lang}"
            " --train {input.train} --dev {input.dev} --test {input.test}"
            " {params.options} {resources.loggers} {resources.save_model}"
            " --out {params.out} 2> {log}"


# zero_shot: one job per (variant, task) trains every seed on the source language and
# tests every language of the task. A rule's outputs cannot depend on a wildcard, and
# the tasks have different languages, so each task has its own rule.
if config["evaluation"]["protocol"] == "zero_shot":
    for zero_shot_task in TASKS:

        rule:
            name:
                f"finetune_zero_shot_{zero_shot_task}"
            input:
                unpack(zero_shot_task_data),
                model="results/pretrain/{variant}/final",
                tokenizer="results/tokenizer",
            output:
                **saved_model_output(),
                metrics=zero_shot_outputs(zero_shot_task, "metrics.json"),
                predictions=zero_shot_outputs(zero_shot_task, "predictions.tsv"),
            log:
                f"logs/finetune_zero_shot/{config['evaluation']['source_language']}/{{variant}}/{{task}}.log",
            benchmark:
                f"benchmarks/finetune_zero_shot/{config['evaluation']['source_language']}/{{variant}}/{{task}}.tsv"
            wildcard_constraints:
                task=zero_shot_task,
            conda:
                "../envs/mtickets.yaml"
            threads: 1
            resources:
                mem_mb=8000,
                runtime=240 * len(config["evaluation"]["seeds"]),
                gpu=1,
                loggers=finetune_loggers,
                save_model=save_model_flag,
            params:
                options=finetune_command_line,
                source=config["evaluation"]["source_language"],
                test_sets=test_set_options,
                out=zero_shot_out_template,
            shell:
                "OMP_NUM_THREADS={threads} mtickets finetune --model {input.model}"
                " --tokenizer {input.tokenizer} --lang {params.source}"
                " --train {input.train} --dev {input.dev} {params.test_sets}"
                " {params.options} {resources.loggers} {resources.save_model}"
                " --out {params.out} 2> {log}"


rule tables:
    input:
        unpack(table_inputs),
    output:
        csv=report(
            "results/{task}_table.csv",
            caption="../workflow/report/table.rst",
            category="Results (§4)",
        ),
        md=report(
            "results/{task}_table.md",
            caption="../workflow/report/table.rst",
            category="Results (§4)",
        ),
    log:
        "logs/tables/{task}.log",
    conda:
        "../envs/mtickets.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        variants=EVALUATED,
        languages=lambda wildcards: TASKS[wildcards.task]["languages"],
        format=lambda wildcards: TASKS[wildcards.task]["format"],
        min_sentences=lambda wildcards: TASKS[wildcards.task]["min_sentences"],
        dense=configuration.dense_baseline(config, EVALUATED),
        seq_length=SEQ_LENGTHS[0],
        seed=ANALYSIS["seed"],
    script:
        "../workflow/scripts/tables.py"
