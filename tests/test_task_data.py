"""Staging XTREME task files: checked before any split is copied."""

from __future__ import annotations

import logging

import pytest

from mtickets import cli
from mtickets.errors import MticketsError
from mtickets.evaluation.task_data import stage_task_data
from mtickets.formats.xtreme import NER_LABELS, UPOS_LABELS

PANX = "en:Paris\tB-LOC\nen:is\tO\n\nen:John\tB-PER\nen:Smith\tI-PER\n"
CONLLU = (
    "# sent_id = 1\n1\tHi\thi\tINTJ\t_\t_\t0\troot\t_\t_\n\n"
    "# sent_id = 2\n1\tGo\tgo\tVERB\t_\t_\t0\troot\t_\t_\n2\tnow\tnow\tADV\t_\t_\t1\tadvmod\t_\t_\n"
)


def write_splits(root, extension, text, bad_test=None):
    """Write train/dev/test files under root/en/; the test split gets ``bad_test`` if given."""
    (root / "en").mkdir(parents=True)
    for split in ("train", "dev", "test"):
        content = bad_test if split == "test" and bad_test is not None else text
        (root / "en" / f"{split}.{extension}").write_text(content, encoding="utf-8")
    return str(root / "{lang}" / f"{{split}}.{extension}")



def cli_error(caplog, argv: list[str]) -> str:
    """Run `mtickets` expecting exit 1 with exactly one one-line error; return it."""
    assert cli.main(argv) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "\n" not in errors[0]
    return errors[0]

def test_stage_copies_checked_splits(tmp_path):
    source = write_splits(tmp_path / "panx", "tsv", PANX)
    out = tmp_path / "out"
    assert stage_task_data("ner", "en", "panx", source, out) == {"train": 2, "dev": 2, "test": 2}
    assert sorted(p.name for p in out.iterdir()) == ["dev.tsv", "test.tsv", "train.tsv"]
    assert (out / "train.tsv").read_text(encoding="utf-8") == PANX


def test_unknown_ner_tag_stops_the_stage_naming_source_and_line(tmp_path):
    bad = PANX.replace("en:Smith\tI-PER", "en:Smith\tB-FOO")
    source = write_splits(tmp_path / "panx", "tsv", PANX, bad_test=bad)
    out = tmp_path / "out"
    with pytest.raises(MticketsError) as error:
        stage_task_data("ner", "en", "panx", source, out)
    message = str(error.value)
    assert "\n" not in message
    assert f"{tmp_path / 'panx' / 'en' / 'test.tsv'}, line 5:" in message
    assert "'B-FOO'" in message and ", ".join(NER_LABELS) in message
    assert "correct it" in message
    # Train and dev are valid, but nothing is staged while any split is bad.
    assert not out.exists() or not any(out.iterdir())


def test_unknown_upos_tag_stops_the_cli_naming_source_and_line(tmp_path, caplog):
    bad = CONLLU.replace("now\tADV", "now\tNOUNX")
    source = write_splits(tmp_path / "udpos", "conllu", CONLLU, bad_test=bad)
    out = tmp_path / "out"
    errors = [cli_error(caplog, ["task-data", "--task", "pos", "--lang", "en", "--format", "conllu",
                     "--source", source, "--out-dir", str(out)])]
    assert f"{tmp_path / 'udpos' / 'en' / 'test.conllu'}, line 6:" in errors[0]
    assert "'NOUNX'" in errors[0] and ", ".join(UPOS_LABELS) in errors[0]
    assert not out.exists() or not any(out.iterdir())


# --- XTREME's distributions, built here in their exact layouts ---------------------------

import io
import json
import tarfile
import zipfile

from mtickets.formats.xtreme import read_conllu, read_panx

PANX_SPLITS = {
    "train": "en:Paris\tB-LOC\nen:is\tO\n\nen:John\tB-PER\nen:Smith\tI-PER\n\n",
    "dev": "en:Acme\tB-ORG\nen:Corp\tI-ORG\n\n",
    "test": "en:Rome\tB-LOC\n\nen:http://x.org\tO\n\nen:Ann\tB-PER",  # no final line break
}


def tar_gz(files: dict[str, str]) -> bytes:
    """A .tar.gz holding ``files`` (name -> text) in the given order."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, text in files.items():
            data = text.encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def panx_language(splits=PANX_SPLITS) -> bytes:
    # XTREME's download_panx untars {lang}.tar.gz and renames its dev, test and train files.
    return tar_gz({name: splits[name] for name in ("dev", "test", "train") if name in splits})


def amazon_photos(path, languages):
    """AmazonPhotos.zip: panx_dataset/{lang}.tar.gz members."""
    with zipfile.ZipFile(path, "w") as archive:
        for lang, data in languages.items():
            archive.writestr(f"panx_dataset/{lang}.tar.gz", data)
    return path


def staged(out):
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(out.iterdir())}


@pytest.mark.parametrize("layout", ["zip", "directory", "tar template"])
def test_stage_reads_panx_from_amazon_photos_and_its_members(tmp_path, layout):
    languages = {"de": panx_language({k: v.replace("en:", "de:") for k, v in PANX_SPLITS.items()}),
                 "en": panx_language()}
    if layout == "zip":
        source = str(amazon_photos(tmp_path / "AmazonPhotos.zip", languages))
    else:
        folder = tmp_path / "panx_dataset"
        folder.mkdir()
        for lang, data in languages.items():
            (folder / f"{lang}.tar.gz").write_bytes(data)
        source = str(folder) if layout == "directory" else str(folder / "{lang}.tar.gz")
    out = tmp_path / "out"
    assert stage_task_data("ner", "en", "panx", source, out, min_sentences=1) == {"train": 2, "dev": 1, "test": 3}
    assert staged(out) == {f"{split}.tsv": text + ("\n" if split == "test" else "")
                           for split, text in sorted(PANX_SPLITS.items())}
    assert read_panx(out / "test.tsv")[1] == (["http://x.org"], ["O"])


def test_a_language_below_min_sentences_is_staged_for_the_table_to_drop(tmp_path, caplog):
    source = str(amazon_photos(tmp_path / "AmazonPhotos.zip", {"en": panx_language()}))
    with caplog.at_level("WARNING"):
        counts = stage_task_data("ner", "en", "panx", source, tmp_path / "out", min_sentences=2)
    assert counts["train"] == 2 and (tmp_path / "out/train.tsv").is_file()
    assert "has 2 train sentences" in caplog.text and "the tables drop it" in caplog.text


def test_missing_panx_language_names_the_zip_member_and_its_origin(tmp_path, caplog):
    zip_path = amazon_photos(tmp_path / "AmazonPhotos.zip", {"de": panx_language(), "en": panx_language()})
    out = tmp_path / "out"
    errors = [cli_error(caplog, ["task-data", "--task", "ner", "--lang", "xx", "--format", "panx",
                     "--source", str(zip_path), "--out-dir", str(out)])]
    message = errors[0]
    assert f"{zip_path}: no member panx_dataset/xx.tar.gz" in message
    assert "de, en" in message and "AmazonPhotos.zip is XTREME's PAN-X download" in message
    assert "scripts/download_data.sh" in message and "evaluation.tasks.ner.languages" in message
    assert not out.exists()


def test_panx_language_archive_without_a_split_is_named(tmp_path):
    splits = {k: v for k, v in PANX_SPLITS.items() if k != "test"}
    zip_path = amazon_photos(tmp_path / "AmazonPhotos.zip", {"en": panx_language(splits)})
    with pytest.raises(MticketsError) as error:
        stage_task_data("ner", "en", "panx", str(zip_path), tmp_path / "out")
    message = str(error.value)
    assert f"{zip_path}:panx_dataset/en.tar.gz: no 'test' member (it holds dev, train)" in message
    assert "AmazonPhotos.zip is XTREME's PAN-X download" in message


def test_bad_tag_in_a_zip_member_names_the_member_and_line(tmp_path):
    bad = dict(PANX_SPLITS, test=PANX_SPLITS["test"].replace("en:Ann\tB-PER", "en:Ann\tB-FOO"))
    zip_path = amazon_photos(tmp_path / "AmazonPhotos.zip", {"en": panx_language(bad)})
    out = tmp_path / "out"
    with pytest.raises(MticketsError, match="B-FOO") as error:
        stage_task_data("ner", "en", "panx", str(zip_path), out)
    assert f"{zip_path}:panx_dataset/en.tar.gz:test, line 5:" in str(error.value)
    assert not any(out.iterdir())


def conllu(*sentences: list[tuple[str, str]], sent_prefix="s") -> str:
    """CoNLL-U text: each sentence a list of (form, UPOS)."""
    text = ""
    for number, words in enumerate(sentences, start=1):
        text += f"# sent_id = {sent_prefix}{number}\n"
        for position, (form, upos) in enumerate(words, start=1):
            text += f"{position}\t{form}\t_\t{upos}\t_\t_\t{position - 1}\tdep\t_\t_\n"
        text += "\n"
    return text


EWT = {split: conllu([("EWT", "PROPN"), (split, "NOUN")], [("Hi", "INTJ")], sent_prefix=f"ewt-{split}-")
       for split in ("train", "dev", "test")}
GUM = {split: conllu([("GUM", "PROPN"), (split, "NOUN"), (".", "PUNCT")], sent_prefix=f"gum-{split}-")
       for split in ("train", "dev", "test")}


def ud_release(path, extra=None):
    """ud-treebanks-v2.5.tgz: ud-treebanks-v2.5/UD_*/{code}_{treebank}-ud-{split}.conllu and
    the release's other files, packed out of path order."""
    top = "ud-treebanks-v2.5"
    files = {}
    for split in ("dev", "test", "train"):
        files[f"{top}/UD_English-GUM/en_gum-ud-{split}.conllu"] = GUM[split]
    files[f"{top}/UD_English-GUM/README.md"] = "# GUM\n"
    files[f"{top}/UD_English-GUM/en_gum-ud-train.txt"] = "GUM train\n"
    for split in ("dev", "test", "train"):
        files[f"{top}/UD_English-EWT/en_ewt-ud-{split}.conllu"] = EWT[split]
    files[f"{top}/UD_English-EWT/stats.xml"] = "<treebank/>\n"
    # Distributed without text: every form is "_" (XTREME drops such sentences).
    files[f"{top}/UD_English-ESL/en_esl-ud-train.conllu"] = conllu([("_", "NOUN"), ("_", "VERB")])
    # Test-only treebank; and treebanks whose names mention English but whose code is not en.
    files[f"{top}/UD_English-PUD/en_pud-ud-test.conllu"] = conllu([("PUD", "PROPN")])
    files[f"{top}/UD_Hindi_English-HIENCS/qhe_hiencs-ud-train.conllu"] = conllu([("yaar", "NOUN")])
    files[f"{top}/UD_Old_French-SRCMF/fro_srcmf-ud-train.conllu"] = conllu([("li", "DET")])
    # UD_German-HDT's train split comes in parts; XTREME takes every file named *train*.
    for part in ("b-1", "a-1"):
        files[f"{top}/UD_German-HDT/de_hdt-ud-train-{part}.conllu"] = conllu([(part, "X")])
    files[f"{top}/UD_German-HDT/de_hdt-ud-dev.conllu"] = conllu([("dev", "X")])
    files[f"{top}/UD_German-HDT/de_hdt-ud-test.conllu"] = conllu([("test", "X")])
    files[f"{top}/UD_Thai-PUD/th_pud-ud-test.conllu"] = conllu([("th", "X")])
    files.update(extra or {})
    path.write_bytes(tar_gz(files))
    return path


def test_stage_concatenates_xtremes_treebanks_per_split_from_the_ud_release(tmp_path, caplog):
    archive = ud_release(tmp_path / "ud-treebanks-v2.5.tgz")
    out = tmp_path / "out"
    with caplog.at_level(logging.INFO):
        counts = stage_task_data("pos", "en", "conllu", str(archive), out, min_sentences=2)
    # EWT then GUM (path order); ESL's text-less sentence dropped; PUD adds to test only;
    # the Hindi-English and Old French treebanks are not en_.
    assert counts == {"train": 3, "dev": 3, "test": 4}
    assert staged(out) == {
        "dev.conllu": EWT["dev"] + GUM["dev"],
        "test.conllu": EWT["test"] + GUM["test"] + conllu([("PUD", "PROPN")]),
        "train.conllu": EWT["train"] + GUM["train"],
    }
    assert read_conllu(out / "train.conllu")[2] == (["GUM", "train", "."], ["PROPN", "NOUN", "PUNCT"])
    assert any("dropped 1 sentence(s) without text" in r.getMessage() for r in caplog.records)


def test_ud_release_train_parts_are_all_train(tmp_path):
    archive = ud_release(tmp_path / "ud-treebanks-v2.5.tgz")
    out = tmp_path / "out"
    assert stage_task_data("pos", "de", "conllu", str(archive), out) == {"train": 2, "dev": 1, "test": 1}
    assert (out / "train.conllu").read_text(encoding="utf-8") == conllu([("a-1", "X")]) + conllu([("b-1", "X")])


def test_ud_release_without_a_split_for_the_language_names_the_member_pattern(tmp_path, caplog):
    archive = ud_release(tmp_path / "ud-treebanks-v2.5.tgz")
    out = tmp_path / "out"
    errors = [cli_error(caplog, ["task-data", "--task", "pos", "--lang", "th", "--format", "conllu",
                     "--source", str(archive), "--out-dir", str(out)])]
    assert (f"{archive}: no train file for 'th': none of its treebanks (UD_Thai-PUD) has "
            "ud-treebanks-v2.5/UD_*/th_*-ud-train.conllu") in errors[0]
    assert "ud-treebanks-v2.5.tgz (http://hdl.handle.net/11234/1-3105)" in errors[0]
    assert not out.exists()


def test_ud_release_without_the_language_says_so(tmp_path):
    archive = ud_release(tmp_path / "ud-treebanks-v2.5.tgz")
    with pytest.raises(MticketsError) as error:
        stage_task_data("pos", "xx", "conllu", str(archive), tmp_path / "out")
    assert f"{archive}: no treebank for 'xx' (no member ud-treebanks-v2.5/UD_*/xx_*.conllu)" in str(error.value)


def test_bad_upos_in_a_treebank_names_the_archive_member_and_line(tmp_path):
    bad = GUM["test"].replace("\tNOUN\t", "\tNOUNX\t")
    archive = ud_release(tmp_path / "ud-treebanks-v2.5.tgz",
                         extra={"ud-treebanks-v2.5/UD_English-GUM/en_gum-ud-test.conllu": bad})
    out = tmp_path / "out"
    with pytest.raises(MticketsError, match="NOUNX") as error:
        stage_task_data("pos", "en", "conllu", str(archive), out)
    assert f"{archive}:ud-treebanks-v2.5/UD_English-GUM/en_gum-ud-test.conllu, line 3:" in str(error.value)
    assert not any(out.iterdir())


def write_hf_parquet(path, tokens, tags, tag_column, names, langs=None, metadata=True):
    """A google/xtreme parquet file: list columns, ClassLabel ids, the datasets library's metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {"tokens": pa.array(tokens, pa.list_(pa.string())), tag_column: pa.array(tags, pa.list_(pa.int64()))}
    features = {"tokens": {"feature": {"dtype": "string", "_type": "Value"}, "_type": "Sequence"},
                tag_column: {"feature": {"names": names, "_type": "ClassLabel"}, "_type": "Sequence"}}
    if langs is not None:
        columns["langs"] = pa.array(langs, pa.list_(pa.string()))
        features["langs"] = {"feature": {"dtype": "string", "_type": "Value"}, "_type": "Sequence"}
    table = pa.table(columns)
    if metadata:
        table = table.replace_schema_metadata({"huggingface": json.dumps({"info": {"features": features}})})
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)


NER_ROWS = {
    "train": [["Paris", "is"], ["John", "Smith"]],
    "validation": [["Acme", "Corp"]],
    "test": [["Rome"], ["Ann", "Lee"]],
}
NER_TAGS = {"Paris": 5, "is": 0, "John": 1, "Smith": 2, "Acme": 3, "Corp": 4, "Rome": 5, "Ann": 1, "Lee": 2}


@pytest.mark.parametrize("metadata", [True, False])
def test_stage_converts_google_xtreme_panx_parquet(tmp_path, metadata):
    root = tmp_path / "google-xtreme"
    for split, rows in NER_ROWS.items():
        write_hf_parquet(root / "PAN-X.en" / f"{split}-00000-of-00001.parquet", rows,
                         [[NER_TAGS[t] for t in row] for row in rows], "ner_tags", NER_LABELS,
                         langs=[["en"] * len(row) for row in rows], metadata=metadata)
    out = tmp_path / "out"
    assert stage_task_data("ner", "en", "panx", str(root), out) == {"train": 2, "dev": 1, "test": 2}
    assert (out / "train.tsv").read_text(encoding="utf-8") == PANX_SPLITS["train"]
    assert read_panx(out / "dev.tsv") == [(["Acme", "Corp"], ["B-ORG", "I-ORG"])]
    assert read_panx(out / "test.tsv") == [(["Rome"], ["B-LOC"]), (["Ann", "Lee"], ["B-PER", "I-PER"])]


def test_stage_converts_google_xtreme_udpos_parquet_shards_in_order(tmp_path):
    root = tmp_path / "google-xtreme"
    pos = {name: i for i, name in enumerate(UPOS_LABELS)}
    rows = {"train-00000-of-00002": [["Go", "now"]], "train-00001-of-00002": [["Hi"]],
            "validation-00000-of-00001": [["Yes"]], "test-00000-of-00001": [["No", "!"]]}
    tags = {"Go": "VERB", "now": "ADV", "Hi": "INTJ", "Yes": "INTJ", "No": "INTJ", "!": "PUNCT"}
    for name, sentences in rows.items():
        write_hf_parquet(root / "udpos.English" / f"{name}.parquet", sentences,
                         [[pos[tags[t]] for t in s] for s in sentences], "pos_tags", UPOS_LABELS)
    out = tmp_path / "out"
    assert stage_task_data("pos", "en", "conllu", str(root), out) == {"train": 2, "dev": 1, "test": 1}
    assert read_conllu(out / "train.conllu") == [(["Go", "now"], ["VERB", "ADV"]), (["Hi"], ["INTJ"])]
    assert (out / "test.conllu").read_text(encoding="utf-8") == (
        "1\tNo\t_\tINTJ\t_\t_\t_\t_\t_\t_\n2\t!\t_\tPUNCT\t_\t_\t_\t_\t_\t_\n\n")


def test_missing_google_xtreme_split_names_the_file_pattern_and_dataset(tmp_path):
    root = tmp_path / "google-xtreme"
    for split in ("train", "test"):
        write_hf_parquet(root / "PAN-X.en" / f"{split}-00000-of-00001.parquet", [["a"]], [[0]],
                         "ner_tags", NER_LABELS, langs=[["en"]])
    with pytest.raises(MticketsError) as error:
        stage_task_data("ner", "en", "panx", str(root), tmp_path / "out")
    message = str(error.value)
    assert f"{root}: no PAN-X.en/validation-*.parquet" in message
    assert "https://huggingface.co/datasets/google/xtreme" in message


def test_google_xtreme_has_no_udpos_config_for_xtreme_r_languages(tmp_path):
    root = tmp_path / "google-xtreme"
    (root / "udpos.English").mkdir(parents=True)
    with pytest.raises(MticketsError, match="no udpos config for 'pl'.*ud-treebanks-v2.5.tgz"):
        stage_task_data("pos", "pl", "conllu", str(root), tmp_path / "out")


def test_bad_class_id_in_parquet_names_the_file_and_row(tmp_path):
    root = tmp_path / "google-xtreme"
    for split in ("train", "validation", "test"):
        tags = [[0], [0, 9]] if split == "test" else [[0], [0, 1]]
        write_hf_parquet(root / "PAN-X.en" / f"{split}-00000-of-00001.parquet", [["a"], ["b", "c"]], tags,
                         "ner_tags", NER_LABELS, langs=[["en"], ["en", "en"]])
    with pytest.raises(MticketsError) as error:
        stage_task_data("ner", "en", "panx", str(root), tmp_path / "out")
    assert str(root / "PAN-X.en" / "test-00000-of-00001.parquet") + ", row 1: tag 9 of token 2" in str(error.value)


def test_archive_of_the_other_task_is_refused(tmp_path):
    zip_path = amazon_photos(tmp_path / "AmazonPhotos.zip", {"en": panx_language()})
    with pytest.raises(MticketsError, match="holds PAN-X \\(NER\\) data, not pos data"):
        stage_task_data("pos", "en", "conllu", str(zip_path), tmp_path / "out")
    archive = ud_release(tmp_path / "ud-treebanks-v2.5.tgz")
    with pytest.raises(MticketsError, match="holds UD \\(POS\\) treebanks, not ner data"):
        stage_task_data("pos", "en", "panx", str(archive), tmp_path / "out")  # the format decides, not the name


def test_the_config_schema_takes_every_source_kind():
    from pathlib import Path

    import yaml

    from mtickets.configuration import config_problems

    root = Path(__file__).resolve().parents[1]
    schema = root / "workflow" / "schemas" / "config.schema.yaml"

    def problems(ner_source, pos_source):
        config = yaml.safe_load((root / "config" / "paper.yaml").read_text(encoding="utf-8"))
        config["evaluation"]["tasks"]["ner"]["source"] = ner_source
        config["evaluation"]["tasks"]["pos"]["source"] = pos_source
        return config_problems(config, schema)

    assert problems("resources/xtreme/AmazonPhotos.zip", "resources/xtreme/ud-treebanks-v2.5.tgz") == []
    assert problems("resources/panx_dataset/{lang}.tar.gz", "resources/google-xtreme") == []
    (problem,) = problems("resources/panx/{split}.tsv", "resources/xtreme/ud-treebanks-v2.5.tgz")
    assert problem.startswith("evaluation.tasks.ner.source:")


# --- damaged archives: read to their end, one error naming the archive, nothing staged -------

import random
from pathlib import Path

from mtickets.evaluation import xtreme_sources


def test_thirty_single_bit_flips_of_the_ud_release_stop_naming_it_or_stage_the_same_files(tmp_path):
    """tarfile alone stops listing at a bad header and never checks the gzip CRC: altered or
    missing treebanks were staged. Each flipped copy must now fail naming the archive, or stage
    exactly what the intact one does (a flip in the gzip header's time stamp changes nothing)."""
    archive = ud_release(tmp_path / "ud-treebanks-v2.5.tgz")
    stage_task_data("pos", "en", "conllu", str(archive), tmp_path / "intact")
    intact, data = staged(tmp_path / "intact"), archive.read_bytes()
    rng = random.Random(23)
    failed = 0
    for trial in range(30):
        bit = rng.randrange(len(data) * 8)
        flipped = bytearray(data)
        flipped[bit // 8] ^= 1 << (bit % 8)
        path = tmp_path / f"flip{trial}" / "ud-treebanks-v2.5.tgz"
        path.parent.mkdir()
        path.write_bytes(flipped)
        out = path.parent / "out"
        try:
            stage_task_data("pos", "en", "conllu", str(path), out)
        except MticketsError as error:
            message = str(error)
            assert message.startswith(f"{path}") and "damaged" in message and "\n" not in message, (bit, message)
            assert not out.exists() or not any(out.iterdir()), bit
            failed += 1
        else:
            assert staged(out) == intact, f"bit {bit} staged other data"
    assert failed >= 25  # nearly every bit is in the compressed data or its CRC


def test_a_recorded_or_published_digest_that_differs_stops_naming_the_archive(tmp_path, monkeypatch):
    archive = ud_release(tmp_path / "ud-treebanks-v2.5.tgz")
    size = archive.stat().st_size
    monkeypatch.setitem(xtreme_sources.PUBLISHED, "ud-treebanks-v2.5.tgz", (size, "0" * 64))
    with pytest.raises(MticketsError, match="the archive is damaged \\(SHA-256 [0-9a-f]{64}, the published "
                                            "digest says 0{64}\\)") as error:
        stage_task_data("pos", "en", "conllu", str(archive), tmp_path / "out")
    assert str(error.value).startswith(f"{archive}: ")
    # No digest is published for AmazonPhotos.zip: the one the researcher records beside it is checked.
    zip_path = amazon_photos(tmp_path / "AmazonPhotos.zip", {"en": panx_language()})
    recorded = tmp_path / "AmazonPhotos.zip.sha256"
    recorded.write_text(f"{'1' * 64}  AmazonPhotos.zip\n")
    with pytest.raises(MticketsError, match=f"AmazonPhotos.zip.sha256 says {'1' * 64}"):
        stage_task_data("ner", "en", "panx", str(zip_path), tmp_path / "out")
    recorded.write_text(f"{xtreme_sources._sha256(zip_path)}  AmazonPhotos.zip\n")
    assert stage_task_data("ner", "en", "panx", str(zip_path), tmp_path / "out")["train"] == 2


def test_a_damaged_zip_is_not_taken_for_a_missing_language(tmp_path):
    zip_path = amazon_photos(tmp_path / "AmazonPhotos.zip", {"de": panx_language(), "en": panx_language()})
    data = bytearray(zip_path.read_bytes())
    data[data.rindex(b"panx_dataset/en.tar.gz") + 13] ^= 0x04  # the central directory now names "an"
    zip_path.write_bytes(data)
    with pytest.raises(MticketsError, match="the archive is damaged") as error:
        stage_task_data("ner", "en", "panx", str(zip_path), tmp_path / "out")
    assert str(error.value).startswith(f"{zip_path}: ") and "languages" not in str(error.value)


@pytest.mark.parametrize("layout", ["zip", "directory", "tar template"])
def test_a_truncated_panx_language_archive_is_one_error_naming_it(tmp_path, caplog, layout):
    truncated = panx_language()[:-9]  # the gzip trailer cut off
    if layout == "zip":
        source = str(amazon_photos(tmp_path / "AmazonPhotos.zip", {"en": truncated}))
        named = f"{source}:panx_dataset/en.tar.gz"
    else:
        (tmp_path / "panx_dataset").mkdir()
        named = str(tmp_path / "panx_dataset" / "en.tar.gz")
        Path(named).write_bytes(truncated)
        source = str(tmp_path / "panx_dataset" / ("" if layout == "directory" else "{lang}.tar.gz"))
    out = tmp_path / "out"
    errors = [cli_error(caplog, ["task-data", "--task", "ner", "--lang", "en", "--format", "panx",
                     "--source", source, "--out-dir", str(out)])]
    assert errors[0].startswith(f"{named}: the archive is damaged (Compressed file ended before")
    assert "AmazonPhotos.zip is XTREME's PAN-X download" in errors[0]
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize("empty", ["train", "dev", "test"])
def test_an_empty_split_stops_the_stage_naming_the_language_split_and_file(tmp_path, empty):
    (tmp_path / "panx" / "en").mkdir(parents=True)
    for split in ("train", "dev", "test"):
        (tmp_path / "panx" / "en" / f"{split}.tsv").write_text("" if split == empty else PANX, encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(MticketsError) as error:
        stage_task_data("ner", "en", "panx", str(tmp_path / "panx" / "{lang}" / "{split}.tsv"), out)
    message = str(error.value)
    assert message.startswith(f"ner language 'en': the {empty} split is empty (no sentences in "
                              f"{tmp_path / 'panx' / 'en' / f'{empty}.tsv'})")
    assert "evaluation.tasks.ner.languages" in message and "\n" not in message
    assert not out.exists() or not any(out.iterdir())
