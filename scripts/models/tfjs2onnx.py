#!/usr/bin/python3
"""Convert a TensorFlow.js graph model (model.json + weight shards) to ONNX.

Runs on Debian's python3-onnx and python3-numpy only (no TensorFlow). The graph is rewritten once from TF's NHWC
layout to ONNX's NCHW: the input becomes [N, C, H, W], 4-d tensors stay NCHW through convolutions, pooling and
element-wise ops (per-channel constants are reshaped to [C, 1, 1]), and a tensor is transposed back to NHWC only where
an op depends on the element order (Reshape, MatMul, slices). Sub-graphs made only of constants are folded in numpy,
quantised weights (float16, uint8/uint16 with scale and min) are dequantised to float32 as TF.js does on load.

Usage: tfjs2onnx.py MODEL.json OUT.onnx [--output TFNODE=NAME ...]
Only the ops the human-models graphs use are supported; anything else stops the conversion with its name.
"""
import argparse
import base64
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
NHWC_TO_NCHW = (0, 3, 1, 2)
NCHW_TO_NHWC = (0, 2, 3, 1)
DTYPES = {"float32": np.float32, "int32": np.int32, "bool": np.bool_, "float16": np.float16,
          "uint8": np.uint8, "uint16": np.uint16}


def load_weights(model_json, base_dir):
    """Reads every weight of the manifest as a numpy array (dequantised to its original dtype)."""
    out = {}
    for group in model_json["weightsManifest"]:
        data = b"".join(open(os.path.join(base_dir, p), "rb").read() for p in group["paths"])
        offset = 0
        for w in group["weights"]:
            shape = [int(s) for s in w["shape"]]
            count = int(np.prod(shape)) if shape else 1
            q = w.get("quantization")
            stored = DTYPES[q["dtype"] if q else w["dtype"]]
            nbytes = count * np.dtype(stored).itemsize
            arr = np.frombuffer(data, dtype=stored, count=count, offset=offset).reshape(shape)
            offset += nbytes
            if q:
                target = DTYPES[q.get("original_dtype", w["dtype"])]
                if q["dtype"] == "float16":
                    arr = arr.astype(target)
                else:
                    arr = (arr.astype(np.float32) * np.float32(q["scale"]) + np.float32(q["min"])).astype(target)
            out[w["name"]] = np.array(arr, copy=True)
        if offset != len(data):
            raise ValueError(f"weight group {group['paths']}: read {offset} of {len(data)} bytes")
    return out


def attr_ints(node, key, default=None):
    a = node.get("attr", {}).get(key)
    if a is None:
        return default
    return [int(i) for i in a.get("list", {}).get("i", [])]


def attr_str(node, key, default=None):
    a = node.get("attr", {}).get(key)
    return default if a is None or "s" not in a else base64.b64decode(a["s"]).decode()


def attr_strs(node, key):
    a = node.get("attr", {}).get(key)
    return [] if a is None else [base64.b64decode(s).decode() for s in a.get("list", {}).get("s", [])]


def attr_bool(node, key, default=False):
    a = node.get("attr", {}).get(key)
    return default if a is None else bool(a.get("b", False))


def attr_int(node, key, default=0):
    a = node.get("attr", {}).get(key)
    return default if a is None or "i" not in a else int(a["i"])


def attr_float(node, key, default=0.0):
    a = node.get("attr", {}).get(key)
    return default if a is None or "f" not in a else float(a["f"])


class Converter:
    def __init__(self, model_json, weights):
        self.nodes = model_json["modelTopology"]["node"]
        self.weights = weights
        self.consts = {}        # tf name -> numpy (folded or loaded)
        self.values = {}        # tf name -> (onnx name, layout 'NCHW' | 'plain')
        self.onnx_nodes = []
        self.initializers = {}
        self.inputs = []
        self.counter = 0

    # -- helpers -------------------------------------------------------------------------------------------------
    def fresh(self, hint):
        self.counter += 1
        return f"{hint}__{self.counter}"

    def const_input(self, array, hint):
        name = self.fresh(hint)
        self.initializers[name] = numpy_helper.from_array(np.ascontiguousarray(array), name)
        return name

    def emit(self, op, inputs, hint, **attrs):
        out = self.fresh(hint)
        self.onnx_nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def plain(self, tf_name):
        """The tensor in TF's own element order (NHWC for 4-d)."""
        if tf_name in self.consts:
            return self.const_input(self.consts[tf_name], tf_name)
        name, layout = self.values[tf_name]
        if layout == "NCHW":
            return self.emit("Transpose", [name], tf_name + "_nhwc", perm=list(NCHW_TO_NHWC))
        return name

    def nchw(self, tf_name):
        name, layout = self.values[tf_name]
        if layout != "NCHW":
            raise ValueError(f"{tf_name}: expected a 4-d image tensor")
        return name

    def const(self, tf_name):
        if tf_name not in self.consts:
            raise ValueError(f"{tf_name}: expected a constant")
        return self.consts[tf_name]

    @staticmethod
    def clean(name):
        return name.split(":")[0].lstrip("^")

    # -- conversion ----------------------------------------------------------------------------------------------
    def run(self):
        for node in self.nodes:
            node["input"] = [self.clean(i) for i in node.get("input", []) if not i.startswith("^")]
            op = node["op"]
            handler = getattr(self, "op_" + op.lstrip("_"), None)
            if op == "Const":
                self.op_Const(node)
            elif op != "Placeholder" and all(i in self.consts for i in node["input"]) and op in FOLDABLE:
                self.consts[node["name"]] = FOLDABLE[op](node, [self.consts[i] for i in node["input"]])
            elif handler is None:
                raise NotImplementedError(f"TF op {op} (node {node['name']}) is not supported")
            else:
                handler(node)

    def op_Const(self, node):
        name = node["name"]
        if name in self.weights:
            self.consts[name] = self.weights[name]
            return
        raise ValueError(f"constant {name} has no weight in the manifest")

    def op_Placeholder(self, node):
        dims = [int(d["size"]) for d in node["attr"]["shape"]["shape"]["dim"]]
        if len(dims) != 4:
            raise NotImplementedError("only 4-d NHWC image inputs are supported")
        _, h, w, c = dims
        self.inputs.append(helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", c, h, w]))
        self.values[node["name"]] = ("input", "NCHW")

    def op_Identity(self, node):
        src = node["input"][0]
        if src in self.consts:
            self.consts[node["name"]] = self.consts[src]
        else:
            self.values[node["name"]] = self.values[src]

    def _activation(self, x, kind, node, hint, alpha_input=None):
        if kind == "Relu":
            return self.emit("Relu", [x], hint)
        if kind == "Relu6":
            return self.emit("Clip", [x, self.const_input(np.float32(0), "zero"), self.const_input(np.float32(6), "six")], hint)
        if kind == "Elu":
            return self.emit("Elu", [x], hint)
        if kind == "Sigmoid":
            return self.emit("Sigmoid", [x], hint)
        if kind == "Tanh":
            return self.emit("Tanh", [x], hint)
        if kind == "LeakyRelu":
            return self.emit("LeakyRelu", [x], hint, alpha=attr_float(node, "leakyrelu_alpha", 0.2))
        if kind == "Prelu":
            return self.emit("PRelu", [x, alpha_input], hint)
        raise NotImplementedError(f"fused activation {kind} in {node['name']}")

    def _conv_attrs(self, node, kernel_hw):
        strides = attr_ints(node, "strides", [1, 1, 1, 1])
        dil = attr_ints(node, "dilations", [1, 1, 1, 1])
        pad = attr_str(node, "padding", "VALID")
        attrs = {"strides": strides[1:3], "dilations": dil[1:3], "kernel_shape": list(kernel_hw)}
        if pad == "SAME":
            # TF's SAME puts the odd padding pixel at the end, which is ONNX's SAME_UPPER.
            attrs["auto_pad"] = "SAME_UPPER"
        elif pad == "EXPLICIT":
            p = attr_ints(node, "explicit_paddings")  # NHWC pairs
            attrs["pads"] = [p[2], p[4], p[3], p[5]]
        return attrs

    def _conv(self, node, depthwise):
        x = self.nchw(node["input"][0])
        f = self.const(node["input"][1]).astype(np.float32)
        kh, kw, cin, m = f.shape
        if depthwise:
            w = f.reshape(kh, kw, cin * m).transpose(2, 0, 1)[:, None, :, :]  # [C*M, 1, kh, kw]
            group = cin
        else:
            w = f.transpose(3, 2, 0, 1)  # HWIO -> OIHW
            group = 1
        inputs = [x, self.const_input(w, node["name"] + "_w")]
        fused = attr_strs(node, "fused_ops")
        rest = node["input"][2:]
        if fused and fused[0] == "BiasAdd":
            inputs.append(self.const_input(self.const(rest[0]).astype(np.float32), node["name"] + "_b"))
            fused, rest = fused[1:], rest[1:]
        elif fused and fused[0] == "FusedBatchNorm":
            raise NotImplementedError("fused batch norm in a convolution")
        y = self.emit("Conv", inputs, node["name"], group=group, **self._conv_attrs(node, (kh, kw)))
        for kind in fused:
            alpha = None
            if kind == "Prelu":
                alpha = self.const_input(self.const(rest[0]).reshape(-1, 1, 1).astype(np.float32), node["name"] + "_a")
            y = self._activation(y, kind, node, node["name"] + "_" + kind.lower(), alpha)
        self.values[node["name"]] = (y, "NCHW")

    def op_Conv2D(self, node):
        self._conv(node, depthwise=False)

    def op_FusedConv2D(self, node):
        self._conv(node, depthwise=False)

    def op_DepthwiseConv2dNative(self, node):
        self._conv(node, depthwise=True)

    def op_FusedDepthwiseConv2dNative(self, node):
        self._conv(node, depthwise=True)

    def _pool(self, node, op):
        x = self.nchw(node["input"][0])
        k = attr_ints(node, "ksize")
        attrs = self._conv_attrs(node, (k[1], k[2]))
        del attrs["dilations"]
        if op == "AveragePool":
            attrs["count_include_pad"] = 0  # TF averages over the valid pixels only
        self.values[node["name"]] = (self.emit(op, [x], node["name"], **attrs), "NCHW")

    def op_MaxPool(self, node):
        self._pool(node, "MaxPool")

    def op_AvgPool(self, node):
        self._pool(node, "AveragePool")

    def _binary(self, node, op):
        a, b = node["input"]
        layouts = [self.values[i][1] if i in self.values else None for i in (a, b)]
        if "NCHW" in layouts and all(l in ("NCHW", None) for l in layouts):
            ins = []
            for i in (a, b):
                if i in self.consts:
                    c = self.consts[i].astype(np.float32)
                    if c.ndim > 0:
                        c = c.reshape((1,) * (4 - c.ndim) + c.shape).transpose(NHWC_TO_NCHW)
                    ins.append(self.const_input(c, i))
                else:
                    ins.append(self.values[i][0])
            self.values[node["name"]] = (self.emit(op, ins, node["name"]), "NCHW")
        else:
            self.values[node["name"]] = (self.emit(op, [self.plain(a), self.plain(b)], node["name"]), "plain")

    def op_Add(self, node):
        self._binary(node, "Add")

    def op_AddV2(self, node):
        self._binary(node, "Add")

    def op_BiasAdd(self, node):
        self._binary(node, "Add")

    def op_Sub(self, node):
        self._binary(node, "Sub")

    def op_Mul(self, node):
        self._binary(node, "Mul")

    def op_RealDiv(self, node):
        self._binary(node, "Div")

    def op_Maximum(self, node):
        self._binary(node, "Max")

    def op_Minimum(self, node):
        self._binary(node, "Min")

    def _unary(self, node, kind):
        name, layout = self.values[node["input"][0]]
        self.values[node["name"]] = (self._activation(name, kind, node, node["name"]), layout)

    def op_Relu(self, node):
        self._unary(node, "Relu")

    def op_Relu6(self, node):
        self._unary(node, "Relu6")

    def op_Sigmoid(self, node):
        self._unary(node, "Sigmoid")

    def op_Tanh(self, node):
        self._unary(node, "Tanh")

    def op_Elu(self, node):
        self._unary(node, "Elu")

    def op_LeakyRelu(self, node):
        self._unary(node, "LeakyRelu")

    def op_Softmax(self, node):
        # TF's softmax is over the last axis; opset 13's Softmax over one axis is the same.
        self.values[node["name"]] = (self.emit("Softmax", [self.plain(node["input"][0])], node["name"], axis=-1), "plain")

    def _reduce(self, node, op):
        src, axes_name = node["input"]
        axes = [int(a) for a in np.atleast_1d(self.const(axes_name))]
        keep = attr_bool(node, "keep_dims")
        name, layout = self.values[src]
        if layout == "NCHW":
            axes = sorted(a % 4 for a in axes)
            if keep or axes == [1, 2]:
                # Reducing H and W leaves [N, C] in both layouts; keep_dims leaves an NCHW tensor.
                mapped = [NHWC_TO_NCHW.index(a) for a in axes]
                y = self.emit(op, [name], node["name"], axes=mapped, keepdims=int(keep))
                self.values[node["name"]] = (y, "NCHW" if keep else "plain")
                return
            name = self.plain(src)
        y = self.emit(op, [name], node["name"], axes=axes, keepdims=int(keep))
        self.values[node["name"]] = (y, "plain")

    def op_Mean(self, node):
        self._reduce(node, "ReduceMean")

    def op_Max(self, node):
        self._reduce(node, "ReduceMax")

    def op_Sum(self, node):
        self._reduce(node, "ReduceSum")

    def op_Reshape(self, node):
        shape = self.const(node["input"][1]).astype(np.int64)
        y = self.emit("Reshape", [self.plain(node["input"][0]), self.const_input(shape, node["name"] + "_shape")], node["name"])
        self.values[node["name"]] = (y, "plain")

    def op_ExpandDims(self, node):
        axes = np.atleast_1d(self.const(node["input"][1])).astype(np.int64)
        y = self.emit("Unsqueeze", [self.plain(node["input"][0]), self.const_input(axes, node["name"] + "_axes")], node["name"])
        self.values[node["name"]] = (y, "plain")

    def op_Squeeze(self, node):
        axes = np.array(attr_ints(node, "squeeze_dims", []), dtype=np.int64)
        ins = [self.plain(node["input"][0])] + ([self.const_input(axes, node["name"] + "_axes")] if axes.size else [])
        self.values[node["name"]] = (self.emit("Squeeze", ins, node["name"]), "plain")

    def op_StridedSlice(self, node):
        begin = self.const(node["input"][1]).astype(np.int64)
        end = self.const(node["input"][2]).astype(np.int64)
        strides = self.const(node["input"][3]).astype(np.int64)
        if attr_int(node, "ellipsis_mask") or attr_int(node, "new_axis_mask"):
            raise NotImplementedError(f"StridedSlice with ellipsis/new-axis masks ({node['name']})")
        bm, em, sm = attr_int(node, "begin_mask"), attr_int(node, "end_mask"), attr_int(node, "shrink_axis_mask")
        big = np.iinfo(np.int64).max
        starts, ends, shrink = [], [], []
        for i in range(len(begin)):
            s, e, st = int(begin[i]), int(end[i]), int(strides[i])
            if bm >> i & 1:
                s = 0 if st > 0 else big
            if sm >> i & 1:
                e = s + 1 if s != -1 else big
                shrink.append(i)
            elif em >> i & 1:
                e = big if st > 0 else -big
            starts.append(s)
            ends.append(e)
        axes = np.arange(len(begin), dtype=np.int64)
        y = self.emit("Slice", [self.plain(node["input"][0]), self.const_input(np.array(starts, np.int64), "starts"),
                                self.const_input(np.array(ends, np.int64), "ends"), self.const_input(axes, "axes"),
                                self.const_input(strides, "steps")], node["name"])
        if shrink:
            y = self.emit("Squeeze", [y, self.const_input(np.array(shrink, np.int64), "shrink")], node["name"] + "_shrink")
        self.values[node["name"]] = (y, "plain")

    def op_FusedMatMul(self, node):
        self._matmul(node)

    def op_MatMul(self, node):
        self._matmul(node)

    def _matmul(self, node):
        a, b = node["input"][0], node["input"][1]
        x = self.plain(a)
        if attr_bool(node, "transpose_a"):
            x = self.emit("Transpose", [x], a + "_t", perm=[1, 0])
        w = self.const(b).astype(np.float32)
        if attr_bool(node, "transpose_b"):
            w = w.T
        y = self.emit("MatMul", [x, self.const_input(w, b)], node["name"])
        fused = attr_strs(node, "fused_ops")
        rest = node["input"][2:]
        if fused and fused[0] == "BiasAdd":
            y = self.emit("Add", [y, self.const_input(self.const(rest[0]).astype(np.float32), rest[0])], node["name"] + "_bias")
            fused, rest = fused[1:], rest[1:]
        for kind in fused:
            alpha = self.const_input(self.const(rest[0]).astype(np.float32), rest[0]) if kind == "Prelu" else None
            y = self._activation(y, kind, node, node["name"] + "_" + kind.lower(), alpha)
        self.values[node["name"]] = (y, "plain")


def _np_strided_slice(node, args):
    raise NotImplementedError("constant StridedSlice")


FOLDABLE = {
    "Identity": lambda n, a: a[0],
    "Add": lambda n, a: a[0] + a[1],
    "AddV2": lambda n, a: a[0] + a[1],
    "Sub": lambda n, a: a[0] - a[1],
    "Mul": lambda n, a: a[0] * a[1],
    "RealDiv": lambda n, a: a[0] / a[1],
    "Maximum": lambda n, a: np.maximum(a[0], a[1]),
    "Minimum": lambda n, a: np.minimum(a[0], a[1]),
    "Reshape": lambda n, a: a[0].reshape([int(s) for s in a[1]]),
    "ExpandDims": lambda n, a: np.expand_dims(a[0], int(a[1])),
    "Cast": lambda n, a: a[0].astype(np.float32),
}


def convert(model_path, out_path, outputs=None):
    model_json = json.load(open(model_path))
    weights = load_weights(model_json, os.path.dirname(os.path.abspath(model_path)))
    conv = Converter(model_json, weights)
    conv.run()

    if not outputs:
        consumed = {i for n in model_json["modelTopology"]["node"] for i in n.get("input", [])}
        outputs = [(n["name"], n["name"]) for n in model_json["modelTopology"]["node"]
                   if n["name"] not in consumed and n["op"] not in ("Const", "Placeholder")]
    graph_outputs = []
    for tf_name, onnx_name in outputs:
        src = conv.plain(tf_name)
        conv.onnx_nodes.append(helper.make_node("Identity", [src], [onnx_name], name=onnx_name + "_out"))
        graph_outputs.append(onnx_name)

    # Keep only initializers that are used (folded constants leave some behind).
    used = {i for n in conv.onnx_nodes for i in n.input}
    inits = [t for name, t in conv.initializers.items() if name in used]
    graph = helper.make_graph(conv.onnx_nodes, os.path.splitext(os.path.basename(model_path))[0], conv.inputs,
                              [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in graph_outputs], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="scarlet-tfjs2onnx", producer_version="1")
    model.ir_version = 8
    inferred = onnx.shape_inference.infer_shapes(model)
    shapes = {v.name: v for v in inferred.graph.output}
    del model.graph.output[:]
    for o in graph_outputs:
        v = shapes[o]
        dims = [d.dim_value if d.HasField("dim_value") else "N" for d in v.type.tensor_type.shape.dim]
        if dims:
            dims[0] = "N"
        model.graph.output.append(helper.make_tensor_value_info(o, TensorProto.FLOAT, dims))
    onnx.checker.check_model(model)
    tmp = out_path + ".part"
    onnx.save(model, tmp)
    os.replace(tmp, out_path)
    return [(o, [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim])
            for o, v in zip(graph_outputs, model.graph.output)]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model_json")
    p.add_argument("out_onnx")
    p.add_argument("--output", action="append", default=[], help="TFNODE=NAME: a graph output, in order")
    a = p.parse_args()
    outputs = [tuple(o.split("=", 1)) for o in a.output]
    for name, dims in convert(a.model_json, a.out_onnx, outputs):
        print(f"  {name}: {dims}")


if __name__ == "__main__":
    sys.exit(main())
