# The metrics' event files go to results/pretrain/{variant}/tensorboard/, beside the
# checkpoints and, like them, not an output: Snakemake would delete an output before a
# resumed run, and with it the curves up to the checkpoint (a resumed run appends).
rule pretrain:
    input:
        unpack(pretrain_inputs),
    output:
        final=directory("results/pretrain/{variant}/final"),
        interference=directory("results/interference/{variant}"),
    log:
        "logs/pretrain/{variant}.log",
    benchmark:
        "benchmarks/pretrain/{variant}.tsv"
    # The longest jobs start first when several are ready: one left for last would run
    # alone while the other cores idle (the replication's first timed run ended so).
    priority: 10
    conda:
        pretrain_environment()
    threads: config["pretrain"].get("devices", 1)
    resources:
        mem_mb=32000,
        runtime=7 * 24 * 60,
        # All the job's GPUs (sbatch --gpus): pretrain.devices per node, one process each.
        gpu=config["pretrain"].get("devices", 1) * config["pretrain"].get("nodes", 1),
        nodes=config["pretrain"].get("nodes", 1),
        # Resources, not params: Snakemake reruns a job whose params changed, and neither
        # interval can change the weights (a resumed run ends with an uninterrupted run's;
        # evaluating draws no training randomness).
        checkpoint_every=config["pretrain"]["checkpoint_every"],
        eval_every=config["pretrain"]["eval_every"],
        # --loggers and --peak-tflops: watching a run changes no weight either.
        monitoring=pretrain_monitoring,
    params:
        launcher=pretrain_launcher(),
        # The rule's threads shared among the node's processes.
        omp_threads=lambda wildcards, threads: max(
            1, threads // config["pretrain"].get("devices", 1)
        ),
        tickets=tickets_option,
        interference=interference_command_line,
        options=pretrain_command_line,
    shell:
        "OMP_NUM_THREADS={params.omp_threads} {params.launcher} --model {input.model} {params.tickets}"
        " --shards {input.shards} {params.options}"
        " --checkpoint-dir results/pretrain/{wildcards.variant}/checkpoints"
        " --checkpoint-every {resources.checkpoint_every} --eval-every {resources.eval_every}"
        " --tracking-dir results/pretrain/{wildcards.variant}/tensorboard {resources.monitoring}"
        " --interference-out {output.interference} {params.interference} --out {output.final} 2> {log}"


# Not part of `all`: ask for results/export/{variant}/{lang} to get a physically
# smaller model of one language's ticket, for inference or fine-tuning.
rule export:
    input:
        "results/pretrain/{variant}/final",
    output:
        directory("results/export/{variant}/{lang}"),
    log:
        "logs/export/{variant}/{lang}.log",
    wildcard_constraints:
        variant="|".join(ticket_variants()),
    conda:
        "../envs/mtickets.yaml"
    threads: 1
    resources:
        mem_mb=8000,
        runtime=30,
    shell:
        "mtickets export --model {input} --lang {wildcards.lang} --out {output} 2> {log}"
