"""Byte-level BPE tokenizer trained from the pipeline's shards, reproducible from a manifest and its lock.

Entry points: ``tokenizer.run.train_from_manifest`` (what ``roots tokenizer`` runs), ``tokenizer.cli.register``
(the subcommand), ``bench.tokenizer.bench_tokenizer`` (throughput against raw ``tokenizers`` training).
"""
