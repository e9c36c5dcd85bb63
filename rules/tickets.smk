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
        model=lambda wildcards: json.dumps(architecture(wildcards.variant)),
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
    params:
        proxy=lambda wildcards: ticket(wildcards.variant)["proxy"],
        shards=lambda wildcards, input: (
            f"--shards {input.shards}" if "shards" in input.keys() else ""
        ),
        tokens=config["scoring"]["tokens"],
        batch_size=config["scoring"]["batch_size"],
        accumulate=config["scoring"]["accumulate"],
        dropout=config["scoring"]["dropout"],
        seed=config["scoring"]["seed"],
        checkpoint_every=config["scoring"]["checkpoint_every"],
    shell:
        "OMP_NUM_THREADS={threads} mtickets score --proxy {params.proxy}"
        " --model {input.model} --lang {wildcards.lang} {params.shards}"
        " --tokens {params.tokens} --batch-size {params.batch_size}"
        " --accumulate {params.accumulate} --dropout {params.dropout}"
        " --checkpoint-every {params.checkpoint_every}"
        " --seed {params.seed} --out {output} 2> {log}"


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
