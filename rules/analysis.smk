rule tables:
    input:
        unpack(table_inputs),
    output:
        "results/{task}_table.csv",
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
        seq_length=SEQ_LENGTHS[0],
    script:
        "../workflow/scripts/tables.py"
