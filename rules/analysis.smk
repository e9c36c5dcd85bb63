rule typology:
    output:
        "results/analysis/languages.json",
    log:
        "logs/typology.log",
    conda:
        "../envs/mtickets.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        languages=" ".join(LANGUAGES),
        own_family=ANALYSIS["own_family"],
        scripts=[f"{lang}={script}" for lang, script in ANALYSIS["scripts"].items()],
    shell:
        "mtickets typology --languages {params.languages} --own-family {params.own_family}"
        " --script {params.scripts} --out {output} 2> {log}"


rule relatedness:
    input:
        tickets="results/tickets/{variant}/tickets.safetensors",
        typology="results/analysis/languages.json",
    output:
        summary="results/analysis/{variant}/relatedness.json",
        overlap=report(
            "results/analysis/{variant}/overlap.png",
            caption="../workflow/report/overlap.rst",
            category="Ticket analysis (§5.2)",
            subcategory="{variant}",
        ),
        keep_ratio=report(
            "results/analysis/{variant}/keep_ratio.png",
            caption="../workflow/report/keep_ratio.rst",
            category="Ticket analysis (§5.2)",
            subcategory="{variant}",
        ),
    log:
        "logs/relatedness/{variant}.log",
    wildcard_constraints:
        variant="|".join(ticket_variants()),
    conda:
        "../envs/mtickets.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        permutations=ANALYSIS["permutations"],
        seed=ANALYSIS["seed"],
    shell:
        "mtickets relatedness --tickets {input.tickets} --typology {input.typology}"
        " --variant {wildcards.variant} --permutations {params.permutations} --seed {params.seed}"
        " --out {output.summary} --overlap {output.overlap} --keep-ratio {output.keep_ratio} 2> {log}"


rule relatedness_table:
    input:
        expand("results/analysis/{variant}/relatedness.json", variant=ticket_variants()),
    output:
        report(
            "results/analysis/relatedness.csv",
            caption="../workflow/report/relatedness.rst",
            category="Ticket analysis (§5.2)",
        ),
    log:
        "logs/relatedness_table.log",
    conda:
        "../envs/mtickets.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../workflow/scripts/relatedness_table.py"


rule ticket_map:
    input:
        tickets=expand(
            "results/tickets/{variant}/tickets.safetensors",
            variant=figure_variants(ticket_variants()),
        ),
        typology="results/analysis/languages.json",
    output:
        figure=report(
            "results/figures/ticket_map.png",
            caption="../workflow/report/ticket_map.rst",
            category="Ticket analysis (§5.2)",
        ),
        coordinates="results/analysis/ticket_map.json",
    log:
        "logs/ticket_map.log",
    conda:
        "../envs/mtickets.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        tickets=lambda wildcards, input: " ".join(
            f"{variant}={ticket(variant)['proxy']}={path}"
            for variant, path in zip(figure_variants(ticket_variants()), input.tickets)
        ),
        seed=ANALYSIS["seed"],
    shell:
        "mtickets ticket-map --tickets {params.tickets} --typology {input.typology}"
        " --seed {params.seed} --out {output.figure} --coordinates {output.coordinates} 2> {log}"


rule interference_figures:
    input:
        dense=f"results/interference/{first_replicate(INTERFERENCE['dense'])}",
        tickets=f"results/interference/{first_replicate(INTERFERENCE['tickets'])}",
    output:
        stability=report(
            "results/figures/interference_stability.png",
            caption="../workflow/report/interference_stability.rst",
            category="Interference (§5.1)",
        ),
        per_layer=report(
            "results/figures/uc_per_layer.png",
            caption="../workflow/report/uc_per_layer.rst",
            category="Interference (§5.1)",
        ),
        summary="results/analysis/interference.json",
    log:
        "logs/interference_figures.log",
    conda:
        "../envs/mtickets.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        names=f"{first_replicate(INTERFERENCE['dense'])} {first_replicate(INTERFERENCE['tickets'])}",
        step=INTERFERENCE["step"],
    shell:
        "mtickets interference-figures --dense {input.dense} --tickets {input.tickets}"
        " --names {params.names} --step {params.step} --stability {output.stability}"
        " --per-layer {output.per_layer} --summary {output.summary} 2> {log}"


rule loss_curves:
    input:
        expand("results/pretrain/{variant}/final", variant=figure_variants(VARIANTS)),
    output:
        curves=report(
            "results/figures/loss_curves.png",
            caption="../workflow/report/loss_curves.rst",
            category="Pretraining",
        ),
        per_language=report(
            "results/figures/heldout_loss_per_language.png",
            caption="../workflow/report/heldout_loss_per_language.rst",
            category="Pretraining",
        ),
    log:
        "logs/loss_curves.log",
    conda:
        "../envs/mtickets.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        runs=lambda wildcards, input: " ".join(
            f"{variant}={path}"
            for variant, path in zip(figure_variants(VARIANTS), input)
        ),
    shell:
        "mtickets loss-curves --runs {params.runs} --out {output.curves}"
        " --per-language {output.per_language} 2> {log}"


rule baselines:
    input:
        [shard_dir(lang, SEQ_LENGTHS[0]) for lang in PRETRAIN_LANGUAGES],
    output:
        "results/analysis/baselines.json",
    log:
        "logs/baselines.log",
    conda:
        "../envs/mtickets.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    shell:
        "mtickets baselines --shards {input} --out {output} 2> {log}"


if "replication" in config:

    rule ticket_noise:
        input:
            tickets=ticket_bank(first_replicate(config["replication"]["tickets"])),
            rescored=ticket_bank(first_replicate(config["replication"]["rescored"])),
        output:
            "results/analysis/ticket_noise.json",
        log:
            "logs/ticket_noise.log",
        conda:
            "../envs/mtickets.yaml"
        threads: 1
        resources:
            mem_mb=2000,
            runtime=10,
        shell:
            "mtickets ticket-noise --tickets {input.tickets} --rescored {input.rescored}"
            " --out {output} 2> {log}"

    rule replication:
        input:
            unpack(replication_inputs),
        output:
            page=report(
                "results/replication.md",
                caption="../workflow/report/replication.rst",
                category="Replication",
            ),
            summary="results/replication.json",
        log:
            "logs/replication.log",
        conda:
            "../envs/mtickets.yaml"
        threads: 1
        resources:
            mem_mb=2000,
            runtime=10,
        params:
            options=replication_options,
            finetune_root=finetune_root(),
        shell:
            "mtickets replication --dense {input.dense} --control {input.control}"
            " --scaled {input.scaled} --tickets {input.tickets} --random {input.random}"
            " --magnitude {input.magnitude} --uc-dense {input.uc_dense}"
            " --uc-control {input.uc_control} --uc-tickets {input.uc_tickets}"
            " --relatedness {input.relatedness} --noise-floor {input.noise_floor}"
            " --baselines {input.baselines} --finetune-root {params.finetune_root} {params.options}"
            " --out {output.page} --summary {output.summary} 2> {log}"
