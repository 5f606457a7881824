#!/usr/bin/env python3
"""PyTorch's side of bench/separable.ts: the same MobileNet-style block (NCHW; depthwise convolutions are groups=C),
batch 32 of [16, 32, 32] inputs, SGD steps and inference, on --threads threads. Prints one line:
RESULT {"torch": ..., "trainImgPerSec": ..., "inferImgPerSec": ...} (medians over --reps timed runs after warm-up)."""
import argparse
import json
import statistics
import time

import torch
from torch import nn

p = argparse.ArgumentParser()
p.add_argument('--threads', type=int, default=1)
p.add_argument('--reps', type=int, default=15)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)


def separable(cin, cout, stride):
    return [nn.Conv2d(cin, cin, 3, stride=stride, padding=1, groups=cin, bias=False), nn.Conv2d(cin, cout, 1), nn.ReLU()]


model = nn.Sequential(
    nn.Conv2d(16, 16, 3, padding=1, groups=16), nn.ReLU(),     # depthwiseConv2d 3x3 same relu
    nn.Conv2d(16, 32, 1), nn.ReLU(),                           # conv2d 1x1 32 relu
    *separable(32, 64, 2),                                     # separableConv2d 64 3x3 stride 2 same relu
    *separable(64, 64, 1),                                     # separableConv2d 64 3x3 same relu
    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10),  # globalAveragePooling2d, dense 10 (softmax in the loss)
)
x = torch.rand(32, 16, 32, 32)
y = torch.arange(32) % 10
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True)
loss_fn = nn.CrossEntropyLoss()


def step():
    opt.zero_grad()
    loss_fn(model(x), y).backward()
    opt.step()


def infer():
    with torch.no_grad():
        model(x)


def median_seconds(fn):
    for _ in range(5):
        fn()
    times = []
    for _ in range(a.reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


print('RESULT ' + json.dumps({'torch': torch.__version__, 'trainImgPerSec': 32 / median_seconds(step),
                             'inferImgPerSec': 32 / median_seconds(infer)}))
