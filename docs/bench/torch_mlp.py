"""The PyTorch side of saddle's training benchmark (docs/performance.md).

Times, in float64 on one thread, one SGD step (forward, backward, update) of
the same networks as BenchmarkTrainStep in landscapes/nets: a 2-16-16-2 tanh
MLP with batch 32 on 1,024 two-dimensional points, and the digits MLP 64-32-10
(tanh) with batch 64 on the 1,797 digits; and 20 Lanczos iterations of exact
Hessian-vector products (double backward) on the digits MLP, as
BenchmarkLanczosDigits does.

    python3 docs/bench/torch_mlp.py      # Debian's python3-torch
"""
import csv
import gzip
import math
import os
import time

import numpy as np
import torch

torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)
torch.manual_seed(1)

here = os.path.dirname(os.path.abspath(__file__))
digits_path = os.path.join(here, "..", "..", "landscapes", "nets", "data", "digits.csv.gz")


def digits():
    with gzip.open(digits_path, "rt") as f:
        rows = [list(map(float, r)) for r in csv.reader(f)]
    a = np.array(rows)
    return torch.tensor(a[:, :64] / 16), torch.tensor(a[:, 64], dtype=torch.long)


def mlp(sizes):
    layers = []
    for i in range(1, len(sizes)):
        layers.append(torch.nn.Linear(sizes[i - 1], sizes[i]))
        if i < len(sizes) - 1:
            layers.append(torch.nn.Tanh())
    return torch.nn.Sequential(*layers)


def train_steps(x, y, sizes, batch, seconds=3.0):
    net = mlp(sizes)
    opt = torch.optim.SGD(net.parameters(), lr=0.01)
    loss_fn = torch.nn.CrossEntropyLoss()
    n = x.shape[0]
    perm = torch.randperm(n)
    pos, steps = 0, 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        if pos + batch > n:
            perm, pos = torch.randperm(n), 0
        idx = perm[pos:pos + batch]
        pos += batch
        opt.zero_grad()
        loss_fn(net(x[idx]), y[idx]).backward()
        opt.step()
        steps += 1
    return steps / (time.perf_counter() - start)


def lanczos_top(x, y, sizes, k=20):
    net = mlp(sizes)
    params = list(net.parameters())
    loss = torch.nn.CrossEntropyLoss()(net(x), y)
    grads = torch.autograd.grad(loss, params, create_graph=True)
    flat = torch.cat([g.reshape(-1) for g in grads])
    n = flat.numel()

    def hvp(v):
        hv = torch.autograd.grad(flat, params, grad_outputs=v, retain_graph=True)
        return torch.cat([h.reshape(-1) for h in hv])

    q = torch.randn(n)
    q /= q.norm()
    Q, alpha, beta = [], [], []
    for j in range(k):
        Q.append(q)
        w = hvp(q)
        a = torch.dot(w, q)
        alpha.append(a.item())
        for _ in range(2):
            for qi in Q:
                w = w - torch.dot(w, qi) * qi
        b = w.norm()
        if j == k - 1:
            break
        beta.append(b.item())
        q = w / b
    t = np.diag(alpha) + np.diag(beta, 1) + np.diag(beta, -1)
    return np.linalg.eigvalsh(t)[-1]


def main():
    rng = np.random.default_rng(1)
    x2 = torch.tensor(rng.standard_normal((1024, 2)))
    y2 = torch.tensor(rng.integers(0, 2, 1024))
    xd, yd = digits()
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, float64")
    print(f"2-16-16-2-batch32  {train_steps(x2, y2, [2, 16, 16, 2], 32):10.0f} steps/s")
    print(f"64-32-10-batch64   {train_steps(xd, yd, [64, 32, 10], 64):10.0f} steps/s")
    lanczos_top(xd, yd, [64, 32, 10])  # warm up
    start = time.perf_counter()
    reps = 5
    for _ in range(reps):
        top = lanczos_top(xd, yd, [64, 32, 10])
    print(f"lanczos-digits-20  {(time.perf_counter() - start) / reps * 1e3:10.1f} ms (top eigenvalue {top:.4g})")


if __name__ == "__main__":
    main()
