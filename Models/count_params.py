#!/usr/bin/env python3
"""Count the parameters of a Joule model YAML file by formula.

Independent cross-check for the Swift implementation: reads Models/*.yaml,
validates the keys, and counts every weight and bias from the architecture
description alone (no framework, no checkpoint).

Usage:
    python3 Models/count_params.py                 # every Models/*.yaml, checked against references
    python3 Models/count_params.py Models/gpt2.yaml [...]

Needs PyYAML (pip install pyyaml). Exits non-zero if a file is invalid or a
count differs from its reference figure below.

Notation used in the formulas:
    h   hidden_size             L   layers
    nh  heads                   nkv kv_heads (default nh)
    d   head_dim (default h / nh)
    f   ffn.size                V   vocab_size
    P   max_positions           E   moe.experts
    n(x) parameters of one norm over x features:
         rmsnorm                      -> x        (scale only)
         layernorm, bias: false       -> x        (scale only)
         layernorm, bias: true        -> 2x       (scale + shift)

Component formulas (per model unless marked per layer):
    token embedding         V*h
    learned positions       (P + position_offset) * h
    rotary / none positions 0
    token type embeddings   token_types * h
    embedding norm          n(h)                         if embedding_norm
    vision patch embedding  channels * patch^2 * h (+ h if vision.patch_bias)   Conv2d(channels, h, patch, stride=patch)
    vision class token      h                            if vision.class_token
    vision position table   P * h  with P == (image/patch)^2 + class_token (checked)
    attention (per layer)   q: h*(nh*d)   k: h*(nkv*d)   v: h*(nkv*d)   o: (nh*d)*h
      biases (per layer)    q: nh*d, k: nkv*d, v: nkv*d  if attention_bias or qkv_bias_only
                            o: h                         if attention_bias and not qkv_bias_only
    dense FFN (per layer)   gelu_mlp: 2*h*f  (+ f + h biases if ffn.bias)
                            swiglu:   3*h*f  (+ 2f + h biases if ffn.bias)
    MoE FFN (per layer)     (E + shared_experts) * FFN(as above) + router h*E (+ E if router_bias)
    norms (per layer)       1 * n(h) if parallel_attention else 2 * n(h)
    final norm              n(h)                         if final_norm (default true)
    LM head                 V*h if lm_head and not tied_embeddings;  + V if lm_head_bias
                            lm_head defaults to true for decoders, false for encoders/vision encoders
    pooler                  h*h + h                      if pooler
    classifier              h*classes (+ classes if bias)
    geglu FFN               as swiglu (gate, up, down): 3*h*f
    MLA attention (per layer, mla: d_c kv_rank, d_c' q_rank, d_R rope, d_n nope, d_v value)
                            q: h*nh*(d_n+d_R), or h*d_c' + n(d_c') + d_c'*nh*(d_n+d_R)
                            kv: h*(d_c+d_R) + n(d_c) + d_c*nh*(d_n+d_v);  o: nh*d_v*h
    MoE extras              expert_size / shared_expert_size replace f for routed / shared experts;
                            the first dense_layers layers hold one FFN of f; a shared-expert gate adds h
    post_norms              2 more n(h) per layer (Gemma 2)
    encoder_decoder         decoder_layers x (2 attention + FFN + 3 n(h)) + a final n(h);
                            relative position bias: 2 x relative_attention_buckets x nh
    project_in / out        2 * h*h (no bias; OPT-350m style, only when project_in_out is set:
                            the schema does not carry word_embed_proj_dim, so it is refused here)
"""

import glob
import os
import sys

try:
    import yaml
except ImportError:  # pragma: no cover
    sys.exit("count_params.py needs PyYAML: pip install pyyaml")

# Published totals the files must reproduce exactly (model as published:
# BERT = BertModel incl. pooler; ViT = ViTForImageClassification; decoders = *ForCausalLM / LMHeadModel).
REFERENCE = {
    "gpt2": 124_439_808,
    "bert-base-uncased": 109_482_240,
    "vit-base-patch16-224": 86_567_656,
    "llama-2-7b": 6_738_415_616,
    "llama-2-13b": 13_015_864_320,
    "llama-2-70b": 68_976_648_192,
    "llama-3-8b": 8_030_261_248,
    "mistral-7b": 7_241_732_096,
    "mixtral-8x7b": 46_702_792_704,
}

# Further published figures found for the other files (see Models/hf/SOURCES.md for where).
PUBLISHED = {
    "gpt2-xl": 1_557_611_200,
    "bert-large-uncased": 335_141_888,
    "llama-3.1-70b": 70_553_706_496,
    "qwen2-7b": 7_615_616_512,
    "phi-2": 2_779_683_840,
    "opt-6.7b": 6_658_473_984,
    "llama-3.1-405b": 405_853_388_800,      # model card
    "gemma-2b": 2_506_172_416,              # safetensors total
    "gemma-7b": 8_537_680_896,              # safetensors total
    "gemma-2-9b": 9_241_705_984,            # safetensors total
    "deepseek-v3": 671_026_419_200,         # main model, without the MTP module
    "flan-t5-base": 247_577_856,            # safetensors total
}

# Models whose card gives only a rounded total: the exact figure derived by hand from config.json
# (the Swift tests write the arithmetic out), with the published rounding it must match.
DERIVED = {
    "qwen1.5-moe-a2.7b": (14_315_784_192, "14.3B"),
    "deepseek-v2-lite": (15_706_484_224, "15.7B"),
}

TOP_KEYS = {
    "name", "source", "family", "hidden_size", "layers", "heads", "kv_heads", "head_dim",
    "ffn", "norm", "parallel_attention", "attention_bias", "qkv_bias_only", "vocab_size",
    "tied_embeddings", "lm_head", "lm_head_bias", "position_embedding", "max_positions",
    "position_offset", "sliding_window", "partial_rotary_factor", "moe", "token_types",
    "pooler", "vision", "classifier", "final_norm", "embedding_norm", "project_in_out",
    "post_norms", "sliding_window_pattern", "attention_softcap", "final_logit_softcap", "mla",
    "decoder_layers", "relative_attention_buckets",
}
REQUIRED = {"name", "source", "family", "hidden_size", "layers", "heads", "ffn", "norm",
            "attention_bias", "position_embedding", "max_positions"}
FFN_KEYS = {"size", "kind", "bias", "activation"}
NORM_KEYS = {"kind", "bias"}
MOE_KEYS = {"experts", "top_k", "shared_experts", "router_bias", "expert_size", "shared_expert_size",
            "shared_expert_gate", "dense_layers", "load"}
MLA_KEYS = {"kv_rank", "q_rank", "rope_head_dim", "nope_head_dim", "v_head_dim"}
VISION_KEYS = {"image_size", "patch_size", "channels", "class_token", "patch_bias"}
CLASSIFIER_KEYS = {"classes", "bias"}
FAMILIES = {"decoder", "encoder", "vision_encoder", "encoder_decoder"}
FFN_KINDS = {"gelu_mlp", "swiglu", "geglu"}
NORM_KINDS = {"rmsnorm", "layernorm"}
POSITIONS = {"learned", "rotary", "none", "relative"}


class ModelError(Exception):
    pass


def check_keys(where, mapping, allowed):
    if not isinstance(mapping, dict):
        raise ModelError(f"{where} must be a mapping")
    unknown = set(mapping) - allowed
    if unknown:
        raise ModelError(f"{where}: unknown key(s) {sorted(unknown)}")


def validate(m):
    check_keys("model", m, TOP_KEYS)
    missing = REQUIRED - set(m)
    if missing:
        raise ModelError(f"missing key(s) {sorted(missing)}")
    check_keys("ffn", m["ffn"], FFN_KEYS)
    check_keys("norm", m["norm"], NORM_KEYS)
    if "moe" in m:
        check_keys("moe", m["moe"], MOE_KEYS)
    if "mla" in m:
        check_keys("mla", m["mla"], MLA_KEYS)
    if "vision" in m:
        check_keys("vision", m["vision"], VISION_KEYS)
    if "classifier" in m:
        check_keys("classifier", m["classifier"], CLASSIFIER_KEYS)
    if m["family"] not in FAMILIES:
        raise ModelError(f"family {m['family']!r} not in {sorted(FAMILIES)}")
    if m["ffn"]["kind"] not in FFN_KINDS:
        raise ModelError(f"ffn.kind {m['ffn']['kind']!r} not in {sorted(FFN_KINDS)}")
    if m["norm"]["kind"] not in NORM_KINDS:
        raise ModelError(f"norm.kind {m['norm']['kind']!r} not in {sorted(NORM_KINDS)}")
    if m["position_embedding"] not in POSITIONS:
        raise ModelError(f"position_embedding {m['position_embedding']!r} not in {sorted(POSITIONS)}")
    if m["family"] == "vision_encoder":
        if "vision" not in m:
            raise ModelError("vision_encoder needs a vision section")
    elif "vocab_size" not in m:
        raise ModelError("vocab_size is required for decoder and encoder families")
    if m.get("project_in_out"):
        raise ModelError("project_in_out: true needs word_embed_proj_dim, which the schema does not carry")


def norm_params(m, width):
    """Parameters of one norm over `width` features."""
    kind = m["norm"]["kind"]
    bias = m["norm"].get("bias", False)
    if kind == "rmsnorm":
        return width                      # scale only
    return 2 * width if bias else width   # LayerNorm: scale (+ shift)


def ffn_params(m, f=None):
    """One dense FFN block (one expert) of intermediate size f (default ffn.size)."""
    h = m["hidden_size"]
    f = m["ffn"]["size"] if f is None else f
    bias = m["ffn"].get("bias", False)
    if m["ffn"]["kind"] == "gelu_mlp":
        # up: h -> f, down: f -> h
        return 2 * h * f + ((f + h) if bias else 0)
    # swiglu / geglu: gate h -> f, up h -> f, down f -> h
    return 3 * h * f + ((2 * f + h) if bias else 0)


def count(m):
    """Return (total, breakdown dict) for a validated model mapping."""
    h = m["hidden_size"]
    L = m["layers"]
    nh = m["heads"]
    nkv = m.get("kv_heads", nh)
    if h % nh and "head_dim" not in m:
        raise ModelError("hidden_size not divisible by heads: give head_dim")
    d = m.get("head_dim", h // nh)
    V = m.get("vocab_size", 0)
    P = m["max_positions"]
    family = m["family"]
    parts = {}

    # --- embeddings ---------------------------------------------------------
    parts["token_embedding"] = V * h
    if family == "vision_encoder":
        v = m["vision"]
        patches = (v["image_size"] // v["patch_size"]) ** 2
        cls = 1 if v.get("class_token", False) else 0
        if m["position_embedding"] == "learned" and P != patches + cls:
            raise ModelError(f"max_positions {P} != patches {patches} + class token {cls}")
        parts["patch_embedding"] = v["channels"] * v["patch_size"] ** 2 * h + (h if v.get("patch_bias", False) else 0)
        parts["class_token"] = h * cls
    if m["position_embedding"] == "learned":
        parts["position_embedding"] = (P + m.get("position_offset", 0)) * h
    parts["token_type_embedding"] = m.get("token_types", 0) * h
    if m.get("embedding_norm", False):
        parts["embedding_norm"] = norm_params(m, h)

    # T5 relative position bias: a buckets x heads table in each stack's first layer.
    stacks = 2 if family == "encoder_decoder" else 1
    if m["position_embedding"] == "relative":
        parts["relative_bias"] = stacks * m["relative_attention_buckets"] * nh

    # --- per layer: attention -----------------------------------------------
    if "mla" in m:
        # DeepSeek-V2 MLA: q_proj (or q_a_proj, q_a_layernorm, q_b_proj), kv_a_proj_with_mqa,
        # kv_a_layernorm, kv_b_proj (keys' non-rotary part and values), o_proj.
        a = m["mla"]
        dc, dr, dn, dv = a["kv_rank"], a["rope_head_dim"], a["nope_head_dim"], a["v_head_dim"]
        if "q_rank" in a:
            q = h * a["q_rank"] + norm_params(m, a["q_rank"]) + a["q_rank"] * nh * (dn + dr)
        else:
            q = h * nh * (dn + dr)
        attn = q + h * (dc + dr) + norm_params(m, dc) + dc * nh * (dn + dv) + nh * dv * h
    else:
        q_out, kv_out = nh * d, nkv * d
        attn = h * q_out + 2 * h * kv_out + q_out * h          # q, k, v, o weights
        qkv_bias = m["attention_bias"] or m.get("qkv_bias_only", False)
        o_bias = m["attention_bias"] and not m.get("qkv_bias_only", False)
        if qkv_bias:
            attn += q_out + 2 * kv_out
        if o_bias:
            attn += h
    parts["attention"] = L * attn

    # --- per layer: FFN or MoE ----------------------------------------------
    if "moe" in m:
        moe = m["moe"]
        E = moe["experts"]
        dense = moe.get("dense_layers", 0)
        expert = ffn_params(m, moe.get("expert_size", m["ffn"]["size"]))
        shared = ffn_params(m, moe.get("shared_expert_size", moe.get("expert_size", m["ffn"]["size"])))
        router = h * E + (E if moe.get("router_bias", False) else 0) + (h if moe.get("shared_expert_gate") else 0)
        parts["ffn_dense_layers"] = dense * ffn_params(m)
        parts["ffn_experts"] = (L - dense) * (E * expert + moe.get("shared_experts", 0) * shared)
        parts["moe_router"] = (L - dense) * router
    else:
        parts["ffn"] = L * ffn_params(m)

    # --- per layer: norms ----------------------------------------------------
    per_layer_norms = 1 if m.get("parallel_attention", False) else 2
    if m.get("post_norms", False):
        per_layer_norms += 2                                    # Gemma 2: post-attention and post-FFN norms
    parts["layer_norms"] = L * per_layer_norms * norm_params(m, h)

    # --- decoder stack of an encoder-decoder ----------------------------------
    if family == "encoder_decoder":
        D = m.get("decoder_layers", L)
        parts["decoder_attention"] = D * 2 * attn               # self- and cross-attention
        parts["decoder_ffn"] = D * ffn_params(m)
        parts["decoder_norms"] = D * 3 * norm_params(m, h)
        if m.get("final_norm", True):
            parts["decoder_final_norm"] = norm_params(m, h)

    # --- heads ---------------------------------------------------------------
    if m.get("final_norm", True):
        parts["final_norm"] = norm_params(m, h)
    lm_head = m.get("lm_head", family in ("decoder", "encoder_decoder"))
    if lm_head:
        parts["lm_head"] = 0 if m.get("tied_embeddings", False) else V * h
        if m.get("lm_head_bias", False):
            parts["lm_head"] += V
    if m.get("pooler", False):
        parts["pooler"] = h * h + h
    if "classifier" in m:
        c = m["classifier"]
        parts["classifier"] = h * c["classes"] + (c["classes"] if c.get("bias", False) else 0)

    return sum(parts.values()), parts


def load(path):
    with open(path) as fh:
        m = yaml.safe_load(fh)
    validate(m)
    stem = os.path.splitext(os.path.basename(path))[0]
    if m["name"] != stem:
        raise ModelError(f"name {m['name']!r} does not match file name {stem!r}")
    return m


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    paths = argv[1:] or sorted(glob.glob(os.path.join(here, "*.yaml")))
    failed = False
    print(f"{'model':<22} {'count':>16}  {'reference':>16}  status")
    for path in paths:
        try:
            m = load(path)
            total, _ = count(m)
        except (ModelError, KeyError, TypeError) as exc:
            print(f"{os.path.basename(path):<22} ERROR: {exc}")
            failed = True
            continue
        name = m["name"]
        if name in REFERENCE:
            ref, kind = REFERENCE[name], "required"
        elif name in PUBLISHED:
            ref, kind = PUBLISHED[name], "published"
        elif name in DERIVED:
            ref, rounded = DERIVED[name]
            kind = f"derived; published {rounded}"
            if f"{total / 1e9:.1f}B" != rounded:
                ref, kind = None, f"rounding {total / 1e9:.1f}B differs from published {rounded}"
        else:
            ref, kind = None, ""
        if ref is None:
            status = "no reference"
        elif total == ref:
            status = f"ok ({kind})"
        else:
            status = f"MISMATCH ({kind}, off by {total - ref:+,})"
            failed = True
        ref_s = f"{ref:,}" if ref is not None else "-"
        print(f"{name:<22} {total:>16,}  {ref_s:>16}  {status}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
