if "libreoffice_help" in config["corpus"]:

    # The mirror the download rule reads, built from the installed help translations.
    rule help_mirror:
        output:
            directory(config["corpus"]["mirror"]),
        log:
            "logs/help_mirror.log",
        benchmark:
            "benchmarks/help_mirror.tsv"
        conda:
            "../envs/mtickets.yaml"
        threads: 1
        resources:
            mem_mb=2000,
            runtime=30,
        params:
            root=config["corpus"]["libreoffice_help"]["root"],
            max_pages=help_max_pages_option(),
            languages=LANGUAGES,
            date=config["corpus"]["dump_date"],
        shell:
            "mtickets help-mirror --help-root {params.root} --languages {params.languages}"
            " --date {params.date} {params.max_pages} --out {output} 2> {log}"

    # One job for every language of the help_ui tasks: their splits hold the same pages.
    rule help_task:
        output:
            expand(
                "results/help_task/{lang}/{split}.tsv",
                lang=help_task_languages(),
                split=SPLITS,
            ),
            sizes="results/help_task/SIZES.json",
        log:
            "logs/help_task.log",
        benchmark:
            "benchmarks/help_task.tsv"
        conda:
            "../envs/mtickets.yaml"
        threads: 1
        resources:
            mem_mb=2000,
            runtime=30,
        params:
            root=config["corpus"]["libreoffice_help"]["root"],
            languages=help_task_languages(),
            corpus_languages=LANGUAGES,
            corpus_max_pages=config["corpus"]["libreoffice_help"]["max_pages"],
            pages=" ".join(
                f"--{split}-pages {count}"
                for split, count in config["corpus"]["libreoffice_help"][
                    "task_pages"
                ].items()
            ),
            seed=config["corpus"]["libreoffice_help"]["task_seed"],
        shell:
            "mtickets help-task --help-root {params.root} --languages {params.languages}"
            " --corpus-languages {params.corpus_languages}"
            " --corpus-max-pages {params.corpus_max_pages} {params.pages}"
            " --seed {params.seed} --out results/help_task 2> {log}"


rule download:
    input:
        mirror_input(),
    output:
        "resources/wikipedia/{lang}wiki-{date}-pages-articles.xml.bz2",
    log:
        "logs/download/{lang}-{date}.log",
    benchmark:
        "benchmarks/download/{lang}-{date}.tsv"
    conda:
        "../envs/mtickets.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=240,
    params:
        # The mirror a stage builds is the input; one elsewhere (a URL) is only named.
        mirror=lambda wildcards, input: (
            input[0] if input else config["corpus"]["mirror"]
        ),
    shell:
        "mtickets download --lang {wildcards.lang} --date {wildcards.date}"
        " --mirror {params.mirror} --out {output} 2> {log}"


rule extract:
    input:
        dump=expand(
            "resources/wikipedia/{{lang}}wiki-{date}-pages-articles.xml.bz2",
            date=config["corpus"]["dump_date"],
        ),
    output:
        "results/corpus/{lang}/articles.jsonl.gz",
    log:
        "logs/extract/{lang}.log",
    benchmark:
        "benchmarks/extract/{lang}.tsv"
    conda:
        "../envs/mtickets.yaml"
    threads: config["corpus"]["extract_threads"]
    resources:
        mem_mb=4000,
        runtime=720,
    shell:
        "mtickets extract --dump {input.dump} --lang {wildcards.lang}"
        " --threads {threads} --out {output} 2> {log}"


rule split:
    input:
        "results/corpus/{lang}/articles.jsonl.gz",
    output:
        "results/corpus/{lang}/sentences.txt.gz",
    log:
        "logs/split/{lang}.log",
    benchmark:
        "benchmarks/split/{lang}.tsv"
    wildcard_constraints:
        lang=split_languages_pattern(trankit=False),
    conda:
        "../envs/mtickets.yaml"
    threads: config["corpus"]["split"]["threads"]
    resources:
        mem_mb=4000,
        runtime=720,
    params:
        backend=lambda wildcards: split_backend(wildcards.lang),
        model_dir=lambda wildcards: config["corpus"]["split"][
            "stanza_model_dir"
        ].format(lang=wildcards.lang),
    shell:
        "mtickets split --articles {input} --lang {wildcards.lang}"
        " --backend {params.backend} --model-dir {params.model_dir}"
        " --threads {threads} --out {output} 2> {log}"


# Trankit needs an older torch than the main environment: its own env and script.
rule split_trankit:
    input:
        "results/corpus/{lang}/articles.jsonl.gz",
    output:
        "results/corpus/{lang}/sentences.txt.gz",
    log:
        "logs/split_trankit/{lang}.log",
    benchmark:
        "benchmarks/split_trankit/{lang}.tsv"
    wildcard_constraints:
        lang=split_languages_pattern(trankit=True),
    conda:
        "../envs/trankit.yaml"
    threads: config["corpus"]["split"]["threads"]
    resources:
        mem_mb=8000,
        runtime=1440,
    params:
        script=f"{workflow.basedir}/workflow/scripts/split_trankit.py",
        model=lambda wildcards: trankit_model_option(wildcards.lang),
        cache_dir=config["corpus"]["split"]["trankit_cache_dir"],
    shell:
        "python {params.script:q} --articles {input} --lang {wildcards.lang} {params.model}"
        " --cache-dir {params.cache_dir} --threads {threads} --out {output} 2> {log}"


rule tokenizer:
    input:
        sentences=expand("results/corpus/{lang}/sentences.txt.gz", lang=LANGUAGES),
    output:
        directory("results/tokenizer"),
    log:
        "logs/tokenizer/tokenizer.log",
    benchmark:
        "benchmarks/tokenizer/tokenizer.tsv"
    conda:
        "../envs/mtickets.yaml"
    threads: 2
    resources:
        mem_mb=16000,
        runtime=600,
    params:
        vocab_size=config["tokenizer"]["vocab_size"],
        smoothing=config["tokenizer"]["smoothing"],
        sample=config["tokenizer"]["sample_sentences"],
        seed=config["tokenizer"]["seed"],
        limit_alphabet=config["tokenizer"]["limit_alphabet"],
        vocab_file=(
            f"--vocab-file {config['tokenizer']['vocab_file']}"
            if config["tokenizer"].get("vocab_file")
            else ""
        ),
    shell:
        "RAYON_NUM_THREADS={threads} mtickets tokenizer --sentences {input.sentences}"
        " --vocab-size {params.vocab_size} --smoothing {params.smoothing}"
        " --sample-sentences {params.sample} --seed {params.seed}"
        " --limit-alphabet {params.limit_alphabet} {params.vocab_file}"
        " --out {output} 2> {log}"


rule shards:
    input:
        sentences="results/corpus/{lang}/sentences.txt.gz",
        tokenizer="results/tokenizer",
    output:
        directory("results/shards/{lang}/seq{seq_length}"),
    log:
        "logs/shards/{lang}-seq{seq_length}.log",
    benchmark:
        "benchmarks/shards/{lang}-seq{seq_length}.tsv"
    conda:
        "../envs/mtickets.yaml"
    threads: config["shards"]["threads"]
    resources:
        mem_mb=8000,
        runtime=720,
    params:
        short_seq_prob=config["shards"]["short_seq_prob"],
        nsp_random_prob=config["shards"]["nsp_random_prob"],
        dupe_factor=config["shards"]["dupe_factor"],
        examples_per_shard=config["shards"]["examples_per_shard"],
        heldout=config["shards"]["heldout"],
        seed=config["shards"]["seed"],
    shell:
        "mtickets shards --sentences {input.sentences} --tokenizer {input.tokenizer}"
        " --lang {wildcards.lang} --seq-length {wildcards.seq_length}"
        " --short-seq-prob {params.short_seq_prob} --nsp-random-prob {params.nsp_random_prob}"
        " --dupe-factor {params.dupe_factor} --examples-per-shard {params.examples_per_shard}"
        " --heldout {params.heldout} --seed {params.seed} --threads {threads}"
        " --out {output} 2> {log}"
