#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes the seed corpora of the fuzz targets into OUTPUT_DIR/<target>/ (scripts/ci-fuzz.sh: build/fuzz/seeds).

Seeds are small on purpose (libFuzzer's default input size limit follows the largest seed): tiny GGUF files
written field by field (a vocabulary, a two-layer Llama model with a tokenizer and a chat template, every
metadata value type), the tokenizer suites' inputs from ../shared, conversations and the chat templates in
../shared. Run again any time; it only writes files named after their content."""
import hashlib
import json
import os
import struct
import sys

ROOT = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("HEARTH_SHARED_DIR", os.path.join(ROOT, "..", "..", "shared"))
if len(sys.argv) != 2:
    sys.exit("usage: make_corpus.py OUTPUT_DIR")
OUT = sys.argv[1]

# GGUF value types
U8, I8, U16, I16, U32, I32, F32, BOOL, STR, ARR, U64, I64, F64 = range(13)


def gstr(s):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack("<Q", len(b)) + b


def value(vtype, v):
    fmt = {U8: "B", I8: "b", U16: "H", I16: "h", U32: "I", I32: "i", F32: "f", BOOL: "?", U64: "Q", I64: "q", F64: "d"}
    if vtype == STR:
        return gstr(v)
    if vtype == ARR:
        etype, items = v
        return struct.pack("<IQ", etype, len(items)) + b"".join(value(etype, i) for i in items)
    return struct.pack("<" + fmt[vtype], v)


def gguf(kvs, tensors=(), alignment=32, version=3):
    """kvs: [(key, type, value)]; tensors: [(name, ne list, ggml type, bytes)]."""
    out = b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(kvs))
    for key, vtype, v in kvs:
        out += gstr(key) + struct.pack("<I", vtype) + value(vtype, v)
    offset = 0
    layout = []
    for name, ne, ttype, data in tensors:
        out += gstr(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", n) for n in ne)
        out += struct.pack("<IQ", ttype, offset)
        layout.append((offset, data))
        offset += (len(data) + alignment - 1) // alignment * alignment
    if tensors:
        out += b"\0" * (-len(out) % alignment)
        for _, data in layout:
            out += data + b"\0" * (-len(data) % alignment)
    return out


def spm_vocab():
    tokens = ["<unk>", "<s>", "</s>"] + ["<0x%02X>" % b for b in range(256)] + ["\u2581", "\u2581a", "a", "b", "ab", "\u2581the"]
    types = [2, 3, 3] + [6] * 256 + [1] * 6
    return [
        ("tokenizer.ggml.model", STR, "llama"),
        ("tokenizer.ggml.tokens", ARR, (STR, tokens)),
        ("tokenizer.ggml.scores", ARR, (F32, [-float(i) for i in range(len(tokens))])),
        ("tokenizer.ggml.token_type", ARR, (I32, types)),
        ("tokenizer.ggml.bos_token_id", U32, 1),
        ("tokenizer.ggml.eos_token_id", U32, 2),
        ("tokenizer.ggml.unknown_token_id", U32, 0),
        ("tokenizer.ggml.add_bos_token", BOOL, True),
    ], len(tokens)


def bpe_vocab():
    tokens = [chr(c) for c in range(ord("!"), ord("~") + 1)] + ["\u0120", "he", "ll", "\u0120w", "<|endoftext|>"]
    return [
        ("tokenizer.ggml.model", STR, "gpt2"),
        ("tokenizer.ggml.pre", STR, "default"),
        ("tokenizer.ggml.tokens", ARR, (STR, tokens)),
        ("tokenizer.ggml.merges", ARR, (STR, ["h e", "l l", "\u0120 w"])),
        ("tokenizer.ggml.token_type", ARR, (I32, [1] * (len(tokens) - 1) + [3])),
        ("tokenizer.ggml.eos_token_id", U32, len(tokens) - 1),
    ]


def tiny_llama(vocab_kvs, vocab_size, embd=32, ff=64, heads=4, kv_heads=2, layers=1):
    head_dim = embd // heads
    kvs = [
        ("general.architecture", STR, "llama"),
        ("general.name", STR, "fuzz seed"),
        ("llama.context_length", U32, 128),
        ("llama.embedding_length", U32, embd),
        ("llama.block_count", U32, layers),
        ("llama.feed_forward_length", U32, ff),
        ("llama.attention.head_count", U32, heads),
        ("llama.attention.head_count_kv", U32, kv_heads),
        ("llama.rope.dimension_count", U32, head_dim),
        ("llama.rope.freq_base", F32, 10000.0),
        ("llama.attention.layer_norm_rms_epsilon", F32, 1e-5),
        ("tokenizer.chat_template", STR, "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"),
    ] + vocab_kvs

    def f32(*ne):
        n = 1
        for d in ne:
            n *= d
        return struct.pack("<%df" % n, *[((i * 7919) % 17 - 8) / 64.0 for i in range(n)])

    def q8_0(cols, rows):  # blocks of 32: f16 scale + 32 int8
        blocks = cols * rows // 32
        return b"".join(struct.pack("<e", 0.01) + bytes((i * 37 + j) % 256 for j in range(32)) for i in range(blocks))

    tensors = [("token_embd.weight", [embd, vocab_size], 0, f32(embd, vocab_size)), ("output_norm.weight", [embd], 0, f32(embd))]
    for i in range(layers):
        p = "blk.%d." % i
        tensors += [
            (p + "attn_norm.weight", [embd], 0, f32(embd)),
            (p + "attn_q.weight", [embd, embd], 8, q8_0(embd, embd)),
            (p + "attn_k.weight", [embd, kv_heads * head_dim], 8, q8_0(embd, kv_heads * head_dim)),
            (p + "attn_v.weight", [embd, kv_heads * head_dim], 1, b"\0\x3c" * embd * kv_heads * head_dim),
            (p + "attn_output.weight", [embd, embd], 0, f32(embd, embd)),
            (p + "ffn_norm.weight", [embd], 0, f32(embd)),
            (p + "ffn_gate.weight", [embd, ff], 8, q8_0(embd, ff)),
            (p + "ffn_up.weight", [embd, ff], 8, q8_0(embd, ff)),
            (p + "ffn_down.weight", [ff, embd], 0, f32(ff, embd)),
        ]
    return gguf(kvs, tensors)


def every_type():
    return gguf([
        ("u8", U8, 200), ("i8", I8, -5), ("u16", U16, 60000), ("i16", I16, -3), ("u32", U32, 7), ("i32", I32, -7),
        ("f32", F32, 0.5), ("bool", BOOL, True), ("str", STR, "text"), ("u64", U64, 1 << 40), ("i64", I64, -(1 << 40)),
        ("f64", F64, 0.25), ("arr", ARR, (ARR, [(I32, [1, 2]), (STR, ["x"])])), ("general.alignment", U32, 64),
    ], [("t", [8, 2], 0, b"\0" * 64), ("q", [32], 8, b"\0" * 34)], alignment=64, version=2)


def write(target, data):
    directory = os.path.join(OUT, target)
    os.makedirs(directory, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(directory, hashlib.sha1(data).hexdigest()[:16]), "wb") as f:
        f.write(data)


def suite_inputs(name):
    path = os.path.join(SHARED, "models", "vocab", "ggml-vocab-%s.gguf.inp" % name)
    if not os.path.exists(path):
        return []
    with open(path, "rb") as f:
        return f.read().split(b"\n__ggml_vocab_test__\n")


def main():
    spm, spm_size = spm_vocab()
    write("gguf_reader", gguf(spm))
    write("gguf_reader", gguf(bpe_vocab()))
    write("gguf_reader", tiny_llama(spm, spm_size))
    write("gguf_reader", every_type())
    write("gguf_reader", gguf([("general.architecture", STR, "llama")]))

    # Tokenizer targets: the text comes first; the last bytes pick the vocabulary and the flags (FuzzedDataProvider
    # reads numbers from the end). 0x04 selects encoding without special tokens.
    texts = [b"Hello world", b" leading space", "caf\u00e9 \u4f60\u597d \U0001F600".encode(), b"<s>inside</s> <|im_start|>",
             b"\xff\xfe invalid \xc3", b"\t\n  \n\n   x", b"1234567 3.14 don't I'm"]
    for name in ("llama-spm", "gpt-2"):
        texts += [t for t in suite_inputs(name) if len(t) < 400]
    for i, text in enumerate(texts):
        for target in ("tokenizer_spm", "tokenizer_bpe"):
            write(target, text + bytes([0x04 | (i & 3) << 3, i & 1]))
            write(target, bytes(range(i, i + 24)) + b"\x00")  # decoding: ids from the bytes

    # chat_template: conversations (roles picked by bytes), and the templates themselves (last byte 0: detection).
    write("chat_template", b"You are helpful.\\\x00Hello <|im_start|>system\\\x01[INST] hi [/INST]\\\x02\x01\x01\x01")
    write("chat_template", b"<|eot_id|><|start_header_id|>user\\\x01\xff\xfe\\\x00\x05\x03\x02")
    templates = os.path.join(SHARED, "models", "templates")
    if os.path.isdir(templates):
        for name in sorted(os.listdir(templates)):
            with open(os.path.join(templates, name), "rb") as f:
                write("chat_template", b"<s>\\" + f.read() + b"\x00")

    # conversation_import: exports as ConversationStore::exportJson writes them, and near misses.
    def export(messages, **extra):
        o = {"format": "hearth-conversation", "version": 1, "id": 7, "title": "A chat", "created": "2024-07-26T10:00:00.000Z",
             "updated": "2024-07-26T10:05:00.000Z", "pinned": False, "model": "/models/x.gguf", "systemPrompt": "",
             "messages": messages}
        o.update(extra)
        return json.dumps(o, indent=4, ensure_ascii=False)
    message = {"role": "user", "content": "Hello", "time": "2024-07-26T10:00:00.000Z", "model": "", "promptTokens": 0,
               "completionTokens": 0, "stats": {}}
    reply = dict(message, role="assistant", content="Hi! \u00e9\U0001F600 <|im_end|>", completionTokens=5, stats={"tokensPerSecond": 12.5})
    write("conversation_import", export([message, reply]))
    write("conversation_import", export([]))
    write("conversation_import", export([dict(message, role="system")], pinned=True, title="\u0000\ud7ff"))
    write("conversation_import", export([message], version=2))
    write("conversation_import", export([{"role": "tool", "content": 3}]))
    write("conversation_import", b'{"format": "hearth-conversation", "version": 1, "title": "x", "messages": [')

    # safetensors_reader: header length, JSON header, data.
    def safetensors(header, data):
        text = json.dumps(header).encode()
        return struct.pack("<Q", len(text)) + text + data
    write("safetensors_reader", safetensors({"__metadata__": {"format": "pt"},
                                             "model.embed_tokens.weight": {"dtype": "F32", "shape": [2, 4], "data_offsets": [0, 32]},
                                             "model.norm.weight": {"dtype": "BF16", "shape": [4], "data_offsets": [32, 40]},
                                             "lm_head.weight": {"dtype": "F16", "shape": [2, 4], "data_offsets": [40, 56]}}, bytes(range(56))))
    write("safetensors_reader", safetensors({}, b""))
    write("safetensors_reader", safetensors({"x": {"dtype": "I64", "shape": [1], "data_offsets": [0, 8]}}, b"\0" * 8))
    write("safetensors_reader", safetensors({"x": {"dtype": "F32", "shape": [1 << 40, 1 << 40], "data_offsets": [0, 4]}}, b"\0" * 4))


    # sentencepiece_model: ModelProto messages written field by field, and the start of llama2's tokenizer.model.
    def varint(n):
        out = b""
        while True:
            byte = n & 0x7F
            n >>= 7
            out += bytes([byte | (0x80 if n else 0)])
            if not n:
                return out

    def read_varint(data, pos):  # the value and the position after it
        value, shift = 0, 0
        while True:
            byte = data[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value, pos

    def field(number, wire, payload):
        if wire == 2:
            payload = varint(len(payload)) + payload
        return varint(number << 3 | wire) + payload

    def piece(text, score, ptype):
        return field(1, 2, field(1, 2, text.encode()) + field(2, 5, struct.pack("<f", score)) + field(3, 0, varint(ptype)))
    pieces = piece("<unk>", 0, 2) + piece("<s>", 0, 3) + piece("</s>", 0, 3) + piece("<0x41>", 0, 6)
    pieces += b"".join(piece(t, -i, 1) for i, t in enumerate(["\u2581", "a", "\u2581the", "\u00e9", "ab"]))
    trainer = field(2, 2, field(40, 0, varint(0)) + field(41, 0, varint(1)) + field(42, 0, varint(2)) + field(43, 0, varint(2**64 - 1)))
    normalizer = field(3, 2, field(1, 2, b"identity") + field(3, 0, varint(0)))
    write("sentencepiece_model", pieces + trainer + normalizer)
    write("sentencepiece_model", pieces)
    write("sentencepiece_model", trainer + normalizer + pieces + field(99, 1, b"\0" * 8))
    llama2 = os.path.join(SHARED, "models", "llama2-tokenizer.model")
    if os.path.exists(llama2):
        with open(llama2, "rb") as f:
            proto = f.read()
        # Its first 200 pieces, then its trainer and normalizer specs (the fields after the pieces).
        pos, kept, tail = 0, b"", b""
        count = 0
        while pos < len(proto):
            start = pos
            key, pos = read_varint(proto, pos)
            length, pos = read_varint(proto, pos)
            pos += length
            if key >> 3 == 1:
                count += 1
                if count <= 200:
                    kept += proto[start:pos]
            else:
                tail += proto[start:pos]
        write("sentencepiece_model", kept + tail)

    # imatrix_reader: llama.cpp's imatrix.dat layout (entries, then the chunk count and the dataset name).
    def imatrix(entries, chunks=None, dataset=None):
        out = struct.pack("<i", len(entries))
        for name, calls, values in entries:
            out += struct.pack("<i", len(name)) + name.encode() + struct.pack("<ii", calls, len(values))
            out += b"".join(struct.pack("<f", v) for v in values)
        if chunks is not None:
            out += struct.pack("<ii", chunks, len(dataset)) + dataset.encode()
        return out
    write("imatrix_reader", imatrix([("blk.0.attn_q.weight", 10, [1.5, 2.0, 0.25, 4.0]), ("output.weight", 1, [3.0] * 8)], 10, "wiki.train.raw"))
    write("imatrix_reader", imatrix([("blk.0.ffn_down.weight", 0, [0.0, float("inf"), float("nan")])]))
    write("imatrix_reader", imatrix([("x", 3, [1.0]), ("x", 4, [1.0, 2.0])], -1, ""))

    # hf_folder: config.json NUL tokenizer.json NUL tokenizer_config.json NUL model.safetensors, a one-layer
    # Llama of width 8 (2 heads, 1 KV head) with a 6-token vocabulary.
    config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 8, "num_hidden_layers": 1,
              "num_attention_heads": 2, "num_key_value_heads": 1, "intermediate_size": 16, "max_position_embeddings": 64,
              "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "bos_token_id": 1, "eos_token_id": 2,
              "rope_scaling": {"type": "linear", "factor": 2.0}}
    tokenizer = {"model": {"type": "BPE", "vocab": {"<unk>": 0, "a": 1, "b": 2, "ab": 3, "\u0120": 4},
                           "merges": ["a b", ["\u0120", "a"]]},
                 "added_tokens": [{"id": 5, "content": "<|eot|>", "special": True}],
                 "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"}}}
    tokenizer_config = {"bos_token": "a", "eos_token": {"content": "<|eot|>"}, "add_bos_token": True,
                        "chat_template": [{"name": "default", "template": "{{ messages }}"}]}
    vocab, embd, ff, kv = 6, 8, 16, 4
    shapes = [("model.embed_tokens.weight", [vocab, embd]), ("model.layers.0.input_layernorm.weight", [embd]),
              ("model.layers.0.self_attn.q_proj.weight", [embd, embd]), ("model.layers.0.self_attn.k_proj.weight", [kv, embd]),
              ("model.layers.0.self_attn.v_proj.weight", [kv, embd]), ("model.layers.0.self_attn.o_proj.weight", [embd, embd]),
              ("model.layers.0.post_attention_layernorm.weight", [embd]), ("model.layers.0.mlp.gate_proj.weight", [ff, embd]),
              ("model.layers.0.mlp.up_proj.weight", [ff, embd]), ("model.layers.0.mlp.down_proj.weight", [embd, ff]),
              ("model.norm.weight", [embd])]
    header, data = {}, b""
    for i, (name, shape) in enumerate(shapes):
        dtype, size = [("F32", 4), ("F16", 2), ("BF16", 2)][i % 3]
        n = size
        for d in shape:
            n *= d
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + n]}
        data += bytes((len(data) + j) % 64 for j in range(n))
    model = safetensors(header, data)
    def folder(*parts):
        return b"\0".join(p if isinstance(p, bytes) else json.dumps(p).encode() for p in parts)
    write("hf_folder", folder(config, tokenizer, tokenizer_config, model))
    write("hf_folder", folder(dict(config, num_key_value_heads=2), b"", {"add_bos_token": False}, model))
    write("hf_folder", folder(config, tokenizer, b"", b""))
    write("hf_folder", folder(dict(config, head_dim=4, model_type="mistral"), b"{\"model\": {\"type\": \"Unigram\"}}", b"", model))


if __name__ == "__main__":
    main()
