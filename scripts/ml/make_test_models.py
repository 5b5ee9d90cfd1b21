"""Writes the ONNX models the ML tests run, in Immich's model layout, into OUT_DIR:

    OUT_DIR/test-faces/detection/model.onnx    SCRFD (copied from the PyPI `scrfd` sdist)
    OUT_DIR/test-faces/recognition/model.onnx  an ArcFace-layout recogniser generated here

No ArcFace weights are reachable from this build, so the recogniser is made with the `onnx`
package: the same input and output as buffalo_l's (`input.1` [N, 3, 112, 112] normalised to
[-1, 1]; one 512-d vector per face), computing a fixed random projection of the crop's
high-pass detail. It tells identical crops from different ones, which is what the clustering
tests need; it does not know people.

    python make_test_models.py SCRFD_ONNX OUT_DIR"""

import os
import shutil
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def recogniser():
    rng = np.random.default_rng(20261206)
    pooled = 3 * 28 * 28
    weights = (rng.standard_normal((pooled, 512)) / np.sqrt(pooled)).astype(np.float32)
    nodes = [
        # Detail only: subtract a blurred copy, so that every face's shared layout cancels.
        helper.make_node("AveragePool", ["input.1"], ["fine"], kernel_shape=[4, 4], strides=[4, 4]),
        helper.make_node("AveragePool", ["input.1"], ["coarse_small"], kernel_shape=[16, 16], strides=[16, 16]),
        helper.make_node("Resize", ["coarse_small", "", "scales"], ["coarse"], mode="nearest"),
        helper.make_node("Sub", ["fine", "coarse"], ["detail"]),
        helper.make_node("Flatten", ["detail"], ["flat"], axis=1),
        helper.make_node("MatMul", ["flat", "projection"], ["683"]),
    ]
    graph = helper.make_graph(
        nodes,
        "arcface-layout-test",
        [helper.make_tensor_value_info("input.1", TensorProto.FLOAT, ["N", 3, 112, 112])],
        [helper.make_tensor_value_info("683", TensorProto.FLOAT, ["N", 512])],
        [
            numpy_helper.from_array(weights, "projection"),
            numpy_helper.from_array(np.array([1, 1, 4, 4], dtype=np.float32), "scales"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def main():
    scrfd, out = sys.argv[1], sys.argv[2]
    pack = os.path.join(out, "test-faces")
    os.makedirs(os.path.join(pack, "detection"), exist_ok=True)
    os.makedirs(os.path.join(pack, "recognition"), exist_ok=True)
    shutil.copyfile(scrfd, os.path.join(pack, "detection", "model.onnx"))
    onnx.save(recogniser(), os.path.join(pack, "recognition", "model.onnx"))


if __name__ == "__main__":
    main()
