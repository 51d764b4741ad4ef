#!/usr/bin/env python3
"""The reference training step of `tumble bench` (`ReferenceStep`, Sources/WorldModel/Model/ReferenceStep.swift)
written in PyTorch, timed the way the bench times Tumble's: 2 warm-up steps, then the best of 7.

    python3 scripts/pytorch_reference.py [--variant eager|channels_last|compiled|compiled_channels_last] [--threads 2]

Same model, same batch, same work per step: 32 clips × 8 frames of 64×64 RGB uint8 turned into floats in the
step; encoder conv 3→32→64→64→128 (kernel 4, stride 2, padding 1, ReLU) + linear 2048→128; an EMA target encoder
run without gradients; the MLP predictor ẑ(t+1) = z(t) + f([z(t−1), z(t), a(t)]), f 258→512→512→128 with ReLU; MSE
to the target's latents; AdamW (lr 3e-4, weight decay 0.01) over encoder and predictor; EMA update at 0.996.
Prints one JSON object. `scripts/compare_pytorch` runs it beside `tumble bench`."""
import argparse
import copy
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

CLIPS, FRAMES, SIZE, ACTIONS, LATENT = 32, 8, 64, 2, 128
VARIANTS = ["eager", "channels_last", "compiled", "compiled_channels_last"]


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        chans = [3, 32, 64, 64, 128]
        self.convs = nn.ModuleList(nn.Conv2d(a, b, 4, stride=2, padding=1) for a, b in zip(chans, chans[1:]))
        self.head = nn.Linear(4 * 4 * 128, LATENT)

    def forward(self, x):
        for conv in self.convs:
            x = F.relu(conv(x))
        return self.head(x.flatten(1))


class Predictor(nn.Module):
    def __init__(self):
        super().__init__()
        self.f = nn.Sequential(nn.Linear(2 * LATENT + ACTIONS, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                               nn.Linear(512, LATENT))

    def forward(self, prev, cur, act):
        return cur + self.f(torch.cat([prev, cur, act], dim=1))


class Step:
    def __init__(self, channels_last: bool):
        torch.manual_seed(7)
        self.encoder, self.predictor = Encoder(), Predictor()
        self.target = copy.deepcopy(self.encoder).requires_grad_(False)
        self.channels_last = channels_last
        if channels_last:
            self.encoder.to(memory_format=torch.channels_last)
            self.target.to(memory_format=torch.channels_last)
        self.online = list(self.encoder.parameters())
        self.frozen = list(self.target.parameters())
        self.optimizer = torch.optim.AdamW(self.online + list(self.predictor.parameters()), lr=3e-4,
                                           weight_decay=0.01, foreach=True)

    def images(self, pixels):
        # uint8 [N, H, W, C] → float [N, C, H, W] in [0, 1], as Tumble's step turns bytes into floats.
        x = pixels.permute(0, 3, 1, 2).float().div_(255)
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last else x.contiguous()

    def loss(self, pixels, actions):
        b, t, p = CLIPS, FRAMES, FRAMES - 2
        x = self.images(pixels)
        z = self.encoder(x).view(b, t, LATENT)
        with torch.no_grad():
            zt = self.target(x).view(b, t, LATENT)
        pred = self.predictor(z[:, :p].reshape(b * p, LATENT), z[:, 1:p + 1].reshape(b * p, LATENT),
                              actions[:, 1:p + 1].reshape(b * p, ACTIONS))
        return F.mse_loss(pred, zt[:, 2:].reshape(b * p, LATENT))

    def step(self, pixels, actions, loss_fn):
        self.optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(pixels, actions)
        loss.backward()
        self.optimizer.step()
        with torch.no_grad():
            torch._foreach_lerp_(self.frozen, self.online, 1 - 0.996)
        return loss


def train_flops_per_frame(step):
    """FLOPs of one training step per frame, counted as `ReferenceStep.trainFLOPsPerFrame` counts Tumble's: 2 per
    multiply-accumulate of the encoder forward, its backward (weight gradients of every layer, input gradients of all
    but the first), the target's forward, and the predictor's forward + backward (3× its forward) per prediction."""
    size, layers = SIZE, []
    for conv in step.encoder.convs:
        out_c, in_c, kh, kw = conv.weight.shape
        size = (size + 2 * conv.padding[0] - kh) // conv.stride[0] + 1
        layers.append(size * size * out_c * kh * kw * in_c)
    layers.append(step.encoder.head.weight.numel())
    fwd = sum(layers)
    bwd = fwd + (fwd - layers[0])
    pred = sum(m.weight.numel() for m in step.predictor.f if isinstance(m, nn.Linear))
    return 2 * (fwd + bwd + fwd + 3 * pred * (FRAMES - 2) / FRAMES)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", choices=VARIANTS, default="eager",
                        help="eager: PyTorch's defaults; channels_last: NHWC convolutions; compiled: torch.compile of the "
                             "loss (forward and backward); compiled_channels_last: both")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=7)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    model = Step(channels_last=args.variant.endswith("channels_last"))
    loss_fn = torch.compile(model.loss) if args.variant.startswith("compiled") else model.loss
    g = torch.Generator().manual_seed(11)
    pixels = torch.randint(0, 256, (CLIPS * FRAMES, SIZE, SIZE, 3), dtype=torch.uint8, generator=g)
    actions = torch.randn(CLIPS, FRAMES, ACTIONS, generator=g)

    for _ in range(2):
        model.step(pixels, actions, loss_fn)
    best = float("inf")
    for _ in range(args.steps):
        t0 = time.perf_counter()
        model.step(pixels, actions, loss_fn)
        best = min(best, time.perf_counter() - t0)
    parameters = sum(p.numel() for p in model.online) + sum(p.numel() for p in model.predictor.parameters())
    print(json.dumps({"variant": args.variant, "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "train_frames_per_s": CLIPS * FRAMES / best, "best_step_s": best, "steps": args.steps,
                      "parameters": parameters, "train_flops_per_frame": train_flops_per_frame(model)}))


if __name__ == "__main__":
    main()
