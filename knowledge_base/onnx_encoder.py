"""The sentence model run by onnxruntime, on the very weights file the numpy encoder maps.

Why: ``benchmarks/kb_encoder_runtime.py`` measured it against the numpy encoder, a fresh process
per runtime and round on the shared two-core machine: encoding the kb-eval corpus ~2x faster and a
question's p50 ~1.9x, p99 ~8x lower (numpy's two BLAS threads stall when the other core is busy),
faster in four runs of five, with the same kb-eval quality.  Why no ONNX file from elsewhere: the model package
ships safetensors only, and torch is not to be installed; the graph is standard BERT, built here
from the weights' layout (opset 17: Gemm, LayerNormalization, Erf GELU) in milliseconds.

Its initializers are *external data* pointing into the machine's cache file (``model_files``),
so onnxruntime maps the same pages as every other process; linear layers are ``Gemm(transB=1)``
so the weights are used in the layout they are stored in.  Weight prepacking stays off
(``PREPACK``): it is faster again, but copies the ~40 MB of dense weights into every process.
Tokens come from ``SentenceEncoder.token_ids``: the same ids, pooling and query cache as numpy.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from knowledge_base import model_files
from knowledge_base.encoder import HEADS, LAYERS, Matrix, SentenceEncoder

OPSET = 17
PREPACK = False


def graph(files: model_files.ModelFiles) -> Any:
    """BERT as an ONNX model whose weights are references into ``files.path`` (input_ids, mask -> hidden)."""
    from onnx import TensorProto, helper

    assert files.path is not None, "the ONNX graph reads the weights from the cache file"
    nodes: list[Any] = []
    inits: list[Any] = []
    counter = iter(range(1_000_000))

    def weight(name: str) -> str:
        value = files.weights[name]
        tensor = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=value.shape)
        tensor.data_location = TensorProto.EXTERNAL
        for key, entry in (("location", files.path.name), ("offset", files.offsets[name]), ("length", value.nbytes)):
            tensor.external_data.add(key=key, value=str(entry))
        inits.append(tensor)
        return name

    def const(value: Any, dtype: Any = np.int64) -> str:
        name = f"const_{next(counter)}"
        array = np.asarray(value, dtype)
        inits.append(helper.make_tensor(name, helper.np_dtype_to_tensor_dtype(array.dtype), array.shape,
                                        array.ravel().tolist()))  # fmt: skip
        return name

    def op(kind: str, *inputs: str, **attrs: Any) -> str:
        out = f"{kind.lower()}_{next(counter)}"
        nodes.append(helper.make_node(kind, list(inputs), [out], **attrs))
        return out

    def linear(x: str, name: str) -> str:
        return op("Gemm", x, weight(name + ".weight"), weight(name + ".bias"), transB=1)

    def norm(x: str, name: str) -> str:
        return op("LayerNormalization", x, weight(name + ".weight"), weight(name + ".bias"), axis=-1, epsilon=1e-12)

    hidden = files.weights["embeddings.word_embeddings.weight"].shape[1]
    head = hidden // HEADS
    shape = op("Shape", "input_ids")  # [batch, length]
    length = op("Slice", shape, const([1]), const([2]))
    positions = op("Slice", weight("embeddings.position_embeddings.weight"), const([0]), length)
    token_type = op("Gather", weight("embeddings.token_type_embeddings.weight"), const(0))
    x = op(
        "Add", op("Add", op("Gather", weight("embeddings.word_embeddings.weight"), "input_ids"), positions), token_type
    )
    x = op("Reshape", norm(x, "embeddings.LayerNorm"), const([-1, hidden]))  # rows: every token of the batch
    mask = op("Cast", "attention_mask", to=TensorProto.FLOAT)
    padding = op("Mul", op("Sub", const(1.0, np.float32), mask), const(-1e9, np.float32))
    padding = op("Unsqueeze", padding, const([1, 2]))  # [batch, 1, 1, length]
    split = op("Concat", shape, const([HEADS, head]), axis=0)
    scale = const(1 / math.sqrt(head), np.float32)
    for layer in range(LAYERS):
        p = f"encoder.layer.{layer}."

        def heads(name: str, perm: list[int], p: str = p, x: str = x) -> str:
            return op("Transpose", op("Reshape", linear(x, p + "attention.self." + name), split), perm=perm)

        q, k, v = heads("query", [0, 2, 1, 3]), heads("key", [0, 2, 3, 1]), heads("value", [0, 2, 1, 3])
        att = op("Softmax", op("Add", op("Mul", op("MatMul", q, k), scale), padding), axis=-1)
        ctx = op("Reshape", op("Transpose", op("MatMul", att, v), perm=[0, 2, 1, 3]), const([-1, hidden]))
        x = norm(op("Add", x, linear(ctx, p + "attention.output.dense")), p + "attention.output.LayerNorm")
        inner = linear(x, p + "intermediate.dense")
        erf = op("Erf", op("Mul", inner, const(1 / math.sqrt(2.0), np.float32)))
        gelu = op("Mul", op("Mul", inner, const(0.5, np.float32)), op("Add", erf, const(1.0, np.float32)))
        x = norm(op("Add", x, linear(gelu, p + "output.dense")), p + "output.LayerNorm")
    out_shape = op("Concat", shape, const([hidden]), axis=0)
    nodes.append(helper.make_node("Reshape", [x, out_shape], ["last_hidden_state"]))
    inputs = [
        helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "length"])
        for n in ("input_ids", "attention_mask")
    ]
    output = helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "length", hidden])
    model = helper.make_model(
        helper.make_graph(nodes, "all-MiniLM-L6-v2", inputs, [output], inits),
        opset_imports=[helper.make_opsetid("", OPSET)],
    )
    model.ir_version = 8
    return model


class OnnxEncoder(SentenceEncoder):
    """``SentenceEncoder`` whose forward pass is onnxruntime's."""

    def __init__(self, files: model_files.ModelFiles, *, threads: int = 0, prepack: bool = PREPACK) -> None:
        import onnxruntime as ort

        if files.path is None:
            raise OSError("onnxruntime maps the weights from the model cache, and there is none")
        super().__init__(files.tokens, files.weights)
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads
        if not prepack:
            options.add_session_config_entry("session.disable_prepacking", "1")
        self._session = ort.InferenceSession(str(graph_file(files)), options, providers=["CPUExecutionProvider"])

    def _hidden(self, ids: npt.NDArray[np.int64], mask: Matrix) -> Matrix:
        (hidden,) = self._session.run(None, {"input_ids": ids, "attention_mask": mask.astype(np.int64)})
        out: Matrix = hidden
        return out


def graph_file(files: model_files.ModelFiles) -> Path:
    """The graph beside the weights it points into, written once per machine (the same bytes every time)."""
    assert files.path is not None
    path = files.path.with_suffix(".onnx")
    content = graph(files).SerializeToString()
    if not path.is_file() or path.read_bytes() != content:
        model_files.replace_file(path, lambda f: f.write(content))
    return path
