#!/usr/bin/python3
"""Writes a CNN trained by compare_cnn.py (its --save state_dict) in earshot's content-CNN
format (src/analysis/content_cnn.hpp): each batch norm folded into the convolution before it,
dropout dropped, the dense layers renumbered.

    tools/train/export_cnn.py STATE.pt OUT.safetensors [--width 8] [--version content-cnn-v1]

Folding: batch norm computes gamma * (z - mean) / sqrt(var + eps) + beta of the convolution's
output z = w * x, which is the convolution with weight w * s and bias beta - mean * s,
where s = gamma / sqrt(var + eps), per output channel. The script checks that the folded
network gives the trained network's logits on random input before it writes.
"""
import argparse
import sys
from pathlib import Path

import numpy as np
import torch

import compare_cnn
from train_content import write_safetensors


def folded_tensors(model):
    """{name: array} of the content-CNN format from a trained compare_cnn.Cnn in eval mode."""
    tensors = {}
    layers = list(model.features)
    convolutions = [i for i, layer in enumerate(layers) if isinstance(layer, torch.nn.Conv2d)]
    for index, i in enumerate(convolutions):
        conv, norm = layers[i], layers[i + 1]
        scale = norm.weight / torch.sqrt(norm.running_var + norm.eps)
        tensors[f"conv.{index}.weight"] = (conv.weight * scale[:, None, None, None]).detach()
        tensors[f"conv.{index}.bias"] = (norm.bias - norm.running_mean * scale).detach()
    dense = [layer for layer in model.head if isinstance(layer, torch.nn.Linear)]
    for index, layer in enumerate(dense):
        tensors[f"dense.{index}.weight"] = layer.weight.detach()
        tensors[f"dense.{index}.bias"] = layer.bias.detach()
    return {name: t.numpy().astype(np.float32) for name, t in tensors.items()}


def folded_forward(tensors, frames):
    """The network's logits as earshot computes them, in PyTorch, from the folded tensors."""
    x = compare_cnn.standardise(frames)
    count = sum(1 for name in tensors if name.startswith("conv.") and name.endswith(".weight"))
    for i in range(count):
        x = torch.nn.functional.conv2d(x, torch.from_numpy(tensors[f"conv.{i}.weight"]),
                                       torch.from_numpy(tensors[f"conv.{i}.bias"]), padding=1)
        x = torch.relu(x)
        if i + 1 < count:
            x = torch.nn.functional.max_pool2d(x, 2)
    x = torch.cat([x.mean(dim=2), x.amax(dim=2)], dim=1).flatten(1)
    dense = sum(1 for name in tensors if name.startswith("dense.") and name.endswith(".weight"))
    for j in range(dense):
        x = x @ torch.from_numpy(tensors[f"dense.{j}.weight"]).T + torch.from_numpy(
            tensors[f"dense.{j}.bias"])
        if j + 1 < dense:
            x = torch.relu(x)
    return x


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("state", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--width", type=int, default=8)
    parser.add_argument("--version", default="content-cnn-v1")
    args = parser.parse_args()
    model = compare_cnn.Cnn(args.width)
    model.load_state_dict(torch.load(args.state))
    model.eval()
    tensors = folded_tensors(model)
    frames = np.random.default_rng(0).uniform(-80, 0, (16, compare_cnn.FRAMES, compare_cnn.BANDS))
    with torch.no_grad():
        gap = (folded_forward(tensors, frames) -
               model(compare_cnn.standardise(frames))).abs().max().item()
    if gap > 1e-3:
        sys.exit(f"the folded network differs from the trained one by {gap}")
    print(f"folded network checked against the trained one: largest logit difference {gap:.2e}")
    write_safetensors(args.out, tensors, {
        "format": "earshot-content-cnn", "input": "content-log-mel-v1",
        "labels": "speech,music,noise", "convolutions": str(sum(
            1 for name in tensors if name.startswith("conv.") and name.endswith(".weight"))),
        "dense": str(sum(1 for n in tensors if n.startswith("dense.") and n.endswith(".weight"))),
        "version": args.version})
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")


if __name__ == "__main__":
    sys.exit(main())
