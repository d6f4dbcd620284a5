"""The names of the files ``roots tokenizer`` writes, without importing what writes them (the command line's help
names them, and ``roots --help`` should start at once)."""

#: the tokenizer itself, as ``tokenizers`` saves it
TOKENIZER_NAME = "tokenizer.json"
#: the training report
REPORT_NAME = "report.json"
#: what ``transformers.AutoTokenizer.from_pretrained`` reads beside it
HF_CONFIG_NAME = "tokenizer_config.json"
HF_SPECIAL_MAP_NAME = "special_tokens_map.json"
#: the lock: the shards and settings a tokenizer was trained from (``tokenizer.lock``)
LOCK_NAME = "tokenizer.lock.json"
