#!/usr/bin/env python3
"""The PyTorch peer for `distill bench train --architecture mobilenet_v2 | mobilenet_v3_large | mobilenet_v3_small`.

Builds MobileNet V2 (Sandler et al. 2018, Table 2) and V3-Large / V3-Small (Howard et al. 2019, Tables 1
and 2) from torch's own layers (Conv2d without bias + BatchNorm2d, ReLU6 / ReLU / Hardswish, squeeze-and-
excitation with Hardsigmoid, residual adds), with the channel rounding Distill uses (multiples of 8), and
times the knowledge-distillation training step `distill bench train` times: forward, KL(softmax(t/T) ||
softmax(s/T)) * T^2 with T = 4 against random soft targets, backward, SGD(lr 0.01, momentum 0.9); batch 32;
the median of the timed steps after the warm-up steps. Eager mode, channels_last (PyTorch's fastest eager
mode for these networks on CPU in our sittings), 2 intra-op threads.

It prints each network's parameter count (torchvision counts the same networks: 3,504,872 / 5,483,032 /
2,542,856 at 1.0-224 with 1000 classes) so both sides are known to build the same thing.

Usage: .build/venvs/torch/bin/python scripts/torch-mobilenet-v2v3.py [--arch mobilenet_v2] [--alpha 1.0]
       [--resolution 224] [--batch 32] [--steps 10] [--warmup 3] [--threads 2] [--classes 1000]
Last line: RESULT_JSON {...}
"""
import argparse
import json
import statistics
import time

import torch
from torch import nn

ap = argparse.ArgumentParser()
ap.add_argument("--arch", default="mobilenet_v2",
                choices=["mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small"])
ap.add_argument("--alpha", type=float, default=1.0)
ap.add_argument("--resolution", type=int, default=224)
ap.add_argument("--batch", type=int, default=32)
ap.add_argument("--steps", type=int, default=10)
ap.add_argument("--warmup", type=int, default=3)
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--classes", type=int, default=1000)
ap.add_argument("--no-channels-last", action="store_true")
args = ap.parse_args()


def divisible(value, divisor=8):
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def conv_bn(cin, cout, kernel, stride, groups, activation):
    layers = [nn.Conv2d(cin, cout, kernel, stride, kernel // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    if activation is not None:
        layers.append(activation())
    return layers


class SqueezeExcite(nn.Module):
    def __init__(self, channels, squeeze):
        super().__init__()
        self.reduce = nn.Conv2d(channels, squeeze, 1)
        self.expand = nn.Conv2d(squeeze, channels, 1)

    def forward(self, x):
        s = x.mean((2, 3), keepdim=True)
        s = nn.functional.hardsigmoid(self.expand(nn.functional.relu(self.reduce(s))))
        return x * s


class Block(nn.Module):
    def __init__(self, cin, expanded, cout, kernel, stride, activation, squeeze):
        super().__init__()
        layers = []
        if expanded != cin:
            layers += conv_bn(cin, expanded, 1, 1, 1, activation)
        layers += conv_bn(expanded, expanded, kernel, stride, expanded, activation)
        if squeeze:
            layers.append(SqueezeExcite(expanded, squeeze))
        layers += conv_bn(expanded, cout, 1, 1, 1, None)
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


def v2(alpha, classes):
    channels = divisible(32 * alpha)
    layers = conv_bn(3, channels, 3, 2, 1, nn.ReLU6)
    for t, c, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                       (6, 160, 3, 2), (6, 320, 1, 1)]:
        out = divisible(c * alpha)
        for i in range(n):
            layers.append(Block(channels, int(round(channels * t)), out, 3, s if i == 0 else 1, nn.ReLU6, None))
            channels = out
    last = divisible(1280 * max(1.0, alpha))
    layers += conv_bn(channels, last, 1, 1, 1, nn.ReLU6)
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(last, classes))


V3_LARGE = [(3, 16, 16, 0, 0, 1), (3, 64, 24, 0, 0, 2), (3, 72, 24, 0, 0, 1), (5, 72, 40, 1, 0, 2),
            (5, 120, 40, 1, 0, 1), (5, 120, 40, 1, 0, 1), (3, 240, 80, 0, 1, 2), (3, 200, 80, 0, 1, 1),
            (3, 184, 80, 0, 1, 1), (3, 184, 80, 0, 1, 1), (3, 480, 112, 1, 1, 1), (3, 672, 112, 1, 1, 1),
            (5, 672, 160, 1, 1, 2), (5, 960, 160, 1, 1, 1), (5, 960, 160, 1, 1, 1)]
V3_SMALL = [(3, 16, 16, 1, 0, 2), (3, 72, 24, 0, 0, 2), (3, 88, 24, 0, 0, 1), (5, 96, 40, 1, 1, 2),
            (5, 240, 40, 1, 1, 1), (5, 240, 40, 1, 1, 1), (5, 120, 48, 1, 1, 1), (5, 144, 48, 1, 1, 1),
            (5, 288, 96, 1, 1, 2), (5, 576, 96, 1, 1, 1), (5, 576, 96, 1, 1, 1)]


def v3(large, alpha, classes):
    channels = divisible(16 * alpha)
    layers = conv_bn(3, channels, 3, 2, 1, nn.Hardswish)
    for kernel, expansion, c, se, hs, stride in (V3_LARGE if large else V3_SMALL):
        expanded = divisible(expansion * alpha)
        out = divisible(c * alpha)
        layers.append(Block(channels, expanded, out, kernel, stride, nn.Hardswish if hs else nn.ReLU,
                            divisible(expanded // 4) if se else None))
        channels = out
    last = 6 * channels
    layers += conv_bn(channels, last, 1, 1, 1, nn.Hardswish)
    hidden = divisible((1280 if large else 1024) * alpha)
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(last, hidden), nn.Hardswish(),
                         nn.Linear(hidden, classes))


torch.set_num_threads(args.threads)
torch.set_num_interop_threads(1)
torch.manual_seed(0)
if args.arch == "mobilenet_v2":
    model = v2(args.alpha, args.classes)
else:
    model = v3(args.arch == "mobilenet_v3_large", args.alpha, args.classes)
parameters = sum(p.numel() for p in model.parameters()) + sum(
    b.numel() for name, b in model.named_buffers() if not name.endswith("num_batches_tracked"))
trainable = sum(p.numel() for p in model.parameters())
memory_format = torch.contiguous_format if args.no_channels_last else torch.channels_last
model = model.to(memory_format=memory_format).train()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
images = torch.randn(args.batch, 3, args.resolution, args.resolution).to(memory_format=memory_format)
teacher = torch.softmax(torch.randn(args.batch, args.classes) / 4, dim=1)


def step():
    optimizer.zero_grad(set_to_none=True)
    logits = model(images)
    loss = nn.functional.kl_div(nn.functional.log_softmax(logits / 4, dim=1), teacher, reduction="batchmean") * 16
    loss.backward()
    optimizer.step()


for _ in range(args.warmup):
    step()
times = []
for _ in range(args.steps):
    start = time.perf_counter()
    step()
    times.append(time.perf_counter() - start)
median = statistics.median(times)
result = {
    "arch": args.arch, "alpha": args.alpha, "resolution": args.resolution, "batch": args.batch,
    "threads": args.threads, "trainable_parameters": trainable, "parameters_with_bn_statistics": parameters,
    "images_per_second": args.batch / median, "milliseconds_per_step": median * 1000,
    "mode": "eager_nchw" if args.no_channels_last else "eager_cl", "torch": torch.__version__,
}
print(f"PyTorch {torch.__version__} {args.arch} α{args.alpha}/{args.resolution} batch {args.batch}, "
      f"{args.threads} threads, {result['mode']}: {result['images_per_second']:.1f} images/s, "
      f"{trainable:,} trainable parameters")
print("RESULT_JSON " + json.dumps(result))
