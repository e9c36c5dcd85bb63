rule init:
    input:
        tokenizer="results/tokenizer",
    output:
        directory("results/init/{variant}"),
    log:
        "logs/init/{variant}.log",
    conda:
        "../envs/mtickets.yaml"
    threads: 1
    resources:
        mem_mb=8000,
        runtime=30,
    params:
        # Sorted: the same architecture written in another key order is the same param.
        # A language embedding's rows are the pretraining languages.
        model=lambda wildcards: json.dumps(
            configuration.init_model_fields(
                architecture(wildcards.variant), LANGUAGES
            ),
            sort_keys=True,
        ),
        seed=lambda wildcards: variant_model_config(wildcards.variant)["seed"],
    shell:
        "mtickets init --model-config '{params.model}' --tokenizer {input.tokenizer}"
        " --seed {params.seed} --out {output} 2> {log}"


rule score:
    input:
        unpack(score_inputs),
    output:
        "results/scores/{variant}/{lang}.safetensors",
    log:
        "logs/score/{variant}/{lang}.log",
    benchmark:
        "benchmarks/score/{variant}/{lang}.tsv"
    conda:
        "../envs/mtickets.yaml"
    threads: 1
    resources:
        mem_mb=16000,
        runtime=60,
        gpu=1,
        # A resource, not a param: Snakemake reruns a job whose params changed, and the
        # checkpoint interval cannot change the scores (a resumed job gives an
        # uninterrupted one's).
        checkpoint_every=config["scoring"]["checkpoint_every"],
    params:
        proxy=lambda wildcards: ticket(wildcards.variant)["proxy"],
        options=scoring_command_line,
    shell:
        "OMP_NUM_THREADS={threads} mtickets score --proxy {params.proxy}"
        " --model {input.model} --lang {wildcards.lang}"
        " --checkpoint-every {resources.checkpoint_every} {params.options}"
        " --out {output} 2> {log}"


rule merge:
    input:
        scores=score_files,
    output:
        tickets="results/tickets/{variant}/tickets.safetensors",
        summary="results/tickets/{variant}/tickets.json",
        table="results/tickets/{variant}/tickets.csv",
    log:
        "logs/merge/{variant}.log",
    conda:
        "../envs/mtickets.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        languages=LANGUAGES,
        remain_ratio=lambda wildcards: ticket(wildcards.variant)["remain_ratio"],
        budget=lambda wildcards: ticket(wildcards.variant)["budget"],
    shell:
        "mtickets merge --scores {input.scores} --languages {params.languages}"
        " --remain-ratio {params.remain_ratio} --budget {params.budget}"
        " --out-dir $(dirname {output.tickets}) 2> {log}"
