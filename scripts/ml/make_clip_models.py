"""Writes the CLIP test pack the smart-search tests run, in Immich's model layout:

    OUT_DIR/test-clip/config.json                  embed_dim, vision_cfg, text_cfg (context_length)
    OUT_DIR/test-clip/visual/model.onnx            input `image` [1, 3, 224, 224] float -> `embedding` [1, 512]
    OUT_DIR/test-clip/visual/preprocess_cfg.json   size, mean, std, interpolation, resize_mode
    OUT_DIR/test-clip/textual/model.onnx           input `text` [1, 77] int32 -> `embedding` [1, 512]
    OUT_DIR/test-clip/textual/tokenizer.json       + tokenizer_config.json, special_tokens_map.json
    OUT_DIR/test-clip-int64/...                    the same with an int64 text input (older exports)
    OUT_DIR/clip-tokens.json                       reference token ids for many tricky strings

No CLIP weights are reachable from this build. The tokenizer is the real one: OpenAI's BPE
vocabulary (`bpe_simple_vocab_16e6.txt.gz` from the PyPI `open_clip_torch` wheel) turned into
Hugging Face's tokenizer.json by `transformers`' CLIPTokenizerFast, as Immich's exporter saves
it. The reference ids come from the `tokenizers` library (what Immich's ML service runs) with
Immich's settings: whitespace collapsed, truncation and padding to the context length with the
pad token of tokenizer_config.json. Where ftfy and HTML unescaping change nothing, open_clip's own
SimpleTokenizer must agree too (checked here).

The models are small and made to be checkable end to end: the visual model projects an image's
mean colour (its chroma, and a little of its brightness) onto fixed directions, and the textual
model maps the words "red", "green" and "blue" onto the same directions (every other word onto
small unrelated ones), so a search for "red" finds the red photo first.

    python make_clip_models.py OPEN_CLIP_DIR OUT_DIR
(OPEN_CLIP_DIR: the unpacked `open_clip` package folder of the wheel.)"""

import gzip
import json
import os
import sys
import types

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

EMBED_DIM = 512
CONTEXT = 77
SIZE = 224
# open_clip's OpenAI normalisation.
MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]
HIDDEN = 8


def directions():
    """Orthonormal rows: 0 red, 1 green, 2 blue, 3 brightness, 4.. other words."""
    rng = np.random.default_rng(20261207)
    q, _ = np.linalg.qr(rng.standard_normal((EMBED_DIM, HIDDEN)))
    return q.T.astype(np.float32)


def l2_normalised(nodes, source, output):
    nodes += [
        helper.make_node("ReduceL2", [source], ["norm"], axes=[1], keepdims=1),
        helper.make_node("Max", ["norm", "epsilon"], ["safe_norm"]),
        helper.make_node("Div", [source, "safe_norm"], [output]),
    ]


def visual(dirs):
    mean = np.array(MEAN, dtype=np.float32).reshape(1, 3, 1, 1)
    std = np.array(STD, dtype=np.float32).reshape(1, 3, 1, 1)
    # chroma = rgb - grey, brightness as a fourth feature: [1, 4] x [4, 512].
    to_features = np.zeros((3, 4), dtype=np.float32)
    to_features[:, :3] = np.eye(3, dtype=np.float32) - 1.0 / 3.0
    to_features[:, 3] = 0.1 / 3.0
    nodes = [
        helper.make_node("Mul", ["image", "std"], ["scaled"]),
        helper.make_node("Add", ["scaled", "mean"], ["rgb01"]),
        helper.make_node("ReduceMean", ["rgb01"], ["mean_rgb4"], axes=[2, 3], keepdims=0),
        helper.make_node("MatMul", ["mean_rgb4", "to_features"], ["features"]),
        helper.make_node("MatMul", ["features", "projection"], ["raw"]),
    ]
    l2_normalised(nodes, "raw", "embedding")
    graph = helper.make_graph(
        nodes,
        "clip-visual-test",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, SIZE, SIZE])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, [1, EMBED_DIM])],
        [
            numpy_helper.from_array(mean, "mean"),
            numpy_helper.from_array(std, "std"),
            numpy_helper.from_array(to_features, "to_features"),
            numpy_helper.from_array(dirs[:4], "projection"),
            numpy_helper.from_array(np.array([1e-6], dtype=np.float32), "epsilon"),
        ],
    )
    return finish(graph)


def textual(dirs, vocab, dtype):
    rng = np.random.default_rng(7)
    table = np.zeros((len(vocab), HIDDEN), dtype=np.float32)
    # Every ordinary token leans a little towards the "other words" directions.
    table[:, 4:] = rng.standard_normal((len(vocab), HIDDEN - 4)).astype(np.float32) * 0.05
    for row, word in enumerate(["red</w>", "green</w>", "blue</w>"]):
        table[vocab[word], :] = 0.0
        table[vocab[word], row] = 1.0
    for special in ["<|startoftext|>", "<|endoftext|>"]:
        table[vocab[special], :] = 0.0
    nodes = []
    ids = "text"
    if dtype == TensorProto.INT64:
        nodes.append(helper.make_node("Cast", ["text"], ["ids"], to=TensorProto.INT32))
        ids = "ids"
    nodes += [
        helper.make_node("Gather", ["table", ids], ["per_token"], axis=0),
        helper.make_node("ReduceSum", ["per_token", "axis1"], ["summed"], keepdims=0),
        helper.make_node("MatMul", ["summed", "projection"], ["raw0"]),
        # Empty text still gets a direction (brightness), as a real encoder gives one.
        helper.make_node("Add", ["raw0", "bias"], ["raw"]),
    ]
    l2_normalised(nodes, "raw", "embedding")
    graph = helper.make_graph(
        nodes,
        "clip-textual-test",
        [helper.make_tensor_value_info("text", dtype, [1, CONTEXT])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, [1, EMBED_DIM])],
        [
            numpy_helper.from_array(table, "table"),
            numpy_helper.from_array(np.array([1], dtype=np.int64), "axis1"),
            numpy_helper.from_array(dirs, "projection"),
            numpy_helper.from_array((dirs[3] * 0.01)[None, :], "bias"),
            numpy_helper.from_array(np.array([1e-6], dtype=np.float32), "epsilon"),
        ],
    )
    return finish(graph)


def finish(graph):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def bytes_to_unicode():
    printable = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("¡"), ord("¬") + 1))
        + list(range(ord("®"), ord("ÿ") + 1))
    )
    chars = printable[:]
    n = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + n)
            n += 1
    return dict(zip(printable, [chr(c) for c in chars]))


def write_tokenizer(open_clip_dir, textual_dir, work):
    """tokenizer.json etc. from OpenAI's BPE file, as transformers saves CLIP's tokenizer."""
    from transformers import CLIPTokenizerFast

    lines = gzip.open(os.path.join(open_clip_dir, "bpe_simple_vocab_16e6.txt.gz")).read().decode("utf-8")
    merges = lines.split("\n")[1 : 49152 - 256 - 2 + 1]
    symbols = list(bytes_to_unicode().values())
    tokens = symbols + [s + "</w>" for s in symbols] + ["".join(m.split()) for m in merges]
    tokens += ["<|startoftext|>", "<|endoftext|>"]
    vocab = {t: i for i, t in enumerate(tokens)}
    os.makedirs(work, exist_ok=True)
    with open(os.path.join(work, "vocab.json"), "w") as f:
        json.dump(vocab, f)
    with open(os.path.join(work, "merges.txt"), "w") as f:
        f.write("#version: 0.2\n" + "\n".join(merges) + "\n")
    tokenizer = CLIPTokenizerFast(
        vocab=os.path.join(work, "vocab.json"), merges=os.path.join(work, "merges.txt")
    )
    tokenizer.save_pretrained(textual_dir)
    special = {
        "bos_token": "<|startoftext|>",
        "eos_token": "<|endoftext|>",
        "pad_token": "<|endoftext|>",
        "unk_token": "<|endoftext|>",
    }
    with open(os.path.join(textual_dir, "special_tokens_map.json"), "w") as f:
        json.dump(special, f, indent=2)
    return vocab


# Strings whose tokens the Rust tokenizer must reproduce exactly.
TRICKY = [
    "",
    " ",
    "red",
    "a red car",
    "A photo of a DOG on the beach",
    "  leading and   trailing\twhitespace \n ",
    "it's what they've said: we'll, I'd, you're, I'm, don't",
    "He said 'hello' and \"goodbye\"",
    "numbers 12345 and 3.14159 and 1,000,000",
    "2024-01-01T12:00:00Z",
    "café naïve résumé jalapeño",
    "cafe\u0301 (combining accent)",
    "ΟΔΟΣ Σίσυφος ΣΑΣ",
    "Straße groß İstanbul",
    "日本語のテキスト 東京タワー",
    "한국어 문장",
    "Привет, мир!",
    "مرحبا بالعالم",
    "emoji 🐶🐱 🎉 thumbs 👍🏽 family 👨‍👩‍👧",
    "punctuation!!! ??? ... --- *** ~~~ ### @@@ $$$ %%%",
    "email: someone@example.com url: https://immich.app/docs?x=1&y=2",
    "tabs\tand\x0bvertical\x0cfeeds\x1cgroup\x1dseparators\x85next\u2028line\u3000ideographic",
    "non\u00a0breaking\u202fspaces\u2009thin",
    "zero\u200bwidth\u200djoiner\ufeffbom",
    "<|startoftext|> inside <|endoftext|> text",
    "HTML &amp; entities &lt;b&gt;",
    "under_score snake_case CamelCaseWord",
    "Ⅻ roman numerals ½ ² ³ ① ⑩",
    "fullwidth ＡＢＣ１２３",
    "ligature ﬁ ﬂ and ǅ titlecase",
    "a" * 300,
    " ".join(["word"] * 100),
    " ".join(f"token{i}" for i in range(80)),
    "pneumonoultramicroscopicsilicovolcanoconiosis antidisestablishmentarianism",
    "x",
    "🙂",
    "\u0000 control \u0007 chars \u001b[0m",
    "mixed CASE WiTh NuMbErS 42abc abc42",
]


def clean_text(text):
    # Immich's clean_text without canonicalisation.
    return " ".join(text.split())


def reference_tokens(textual_dir, open_clip_dir):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(os.path.join(textual_dir, "tokenizer.json"))
    config = json.load(open(os.path.join(textual_dir, "tokenizer_config.json")))
    pad = config["pad_token"]
    tokenizer.enable_padding(length=CONTEXT, pad_token=pad, pad_id=tokenizer.token_to_id(pad))
    tokenizer.enable_truncation(max_length=CONTEXT)
    cases = []
    for text in TRICKY:
        ids = tokenizer.encode(clean_text(text)).ids
        assert len(ids) == CONTEXT, (text, len(ids))
        cases.append({"text": text, "ids": ids})
    check_against_open_clip(open_clip_dir, cases)
    return cases


def check_against_open_clip(open_clip_dir, cases):
    """open_clip's SimpleTokenizer (OpenAI's own code) agrees wherever its extra cleaning
    (ftfy, HTML unescaping) and its padding with 0 do not differ from Immich's pipeline."""
    import html

    import ftfy

    # The tokenizer module imports torch, which it does not need for encoding.
    torch = types.ModuleType("torch")
    torch.LongTensor = torch.Tensor = object
    sys.modules.setdefault("torch", torch)
    namespace = {"__file__": os.path.join(open_clip_dir, "tokenizer.py"), "__name__": "open_clip_tokenizer"}
    source = open(os.path.join(open_clip_dir, "tokenizer.py")).read()
    exec(compile(source, namespace["__file__"], "exec"), namespace)
    simple = namespace["SimpleTokenizer"](bpe_path=os.path.join(open_clip_dir, "bpe_simple_vocab_16e6.txt.gz"))
    compared = 0
    for case in cases:
        text = case["text"]
        if ftfy.fix_text(html.unescape(html.unescape(text))).strip() != text.strip() or "<|" in text:
            continue
        if any(c.isupper() and c.lower().upper() != c for c in text) or "Σ" in text:
            continue
        ids = [49406] + simple.encode(text)[: CONTEXT - 2] + [49407]
        expected = [i for i in case["ids"]]
        while len(expected) > len(ids) and expected[-1] == 49407:
            expected.pop()
        assert expected == ids, (text, expected, ids)
        compared += 1
    assert compared >= len(cases) // 2, compared


def write_pack(out, name, dirs, vocab_work, open_clip_dir, text_dtype):
    pack = os.path.join(out, name)
    for part in ("visual", "textual"):
        os.makedirs(os.path.join(pack, part), exist_ok=True)
    config = {
        "embed_dim": EMBED_DIM,
        "vision_cfg": {"image_size": SIZE, "layers": 1, "width": 8, "patch_size": 32},
        "text_cfg": {"context_length": CONTEXT, "vocab_size": 49408, "width": 8, "heads": 1, "layers": 1},
    }
    with open(os.path.join(pack, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    preprocess = {
        "size": [SIZE, SIZE],
        "mode": "RGB",
        "mean": MEAN,
        "std": STD,
        "interpolation": "bicubic",
        "resize_mode": "shortest",
        "fill_color": 0,
    }
    with open(os.path.join(pack, "visual", "preprocess_cfg.json"), "w") as f:
        json.dump(preprocess, f, indent=2)
    vocab = write_tokenizer(open_clip_dir, os.path.join(pack, "textual"), vocab_work)
    onnx.save(visual(dirs), os.path.join(pack, "visual", "model.onnx"))
    onnx.save(textual(dirs, vocab, text_dtype), os.path.join(pack, "textual", "model.onnx"))
    return pack


def main():
    open_clip_dir, out = sys.argv[1], sys.argv[2]
    dirs = directions()
    work = os.path.join(out, ".vocab")
    pack = write_pack(out, "test-clip", dirs, work, open_clip_dir, TensorProto.INT32)
    write_pack(out, "test-clip-int64", dirs, work, open_clip_dir, TensorProto.INT64)
    cases = reference_tokens(os.path.join(pack, "textual"), open_clip_dir)
    with open(os.path.join(out, "clip-tokens.json"), "w") as f:
        json.dump(cases, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
