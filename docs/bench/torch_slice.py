"""The PyTorch side of the slice benchmark (issue 6, docs/performance.md).

A 51×51 filter-normalized slice (Li et al. 2018; biases left out of the
directions) of the training loss of the digits MLP 64-32-10 (tanh) on all
1,797 digits, in float64 on the CPU with every core, as
BenchmarkSliceDigits computes it in landscapes/nets: at each grid point the
loss of θ + x·d1 + y·d2 (cross-entropy) and its 0-1 error.

    /usr/bin/python3 docs/bench/torch_slice.py
"""
import csv
import gzip
import os
import time

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
torch.set_num_threads(os.cpu_count())  # every core, as saddle's slice uses
torch.manual_seed(1)
here = os.path.dirname(os.path.abspath(__file__))

with gzip.open(os.path.join(here, "..", "..", "landscapes", "nets", "data", "digits.csv.gz"), "rt") as f:
    a = np.array([list(map(float, r)) for r in csv.reader(f)])
x = torch.tensor(a[:, :64] / 16)
y = torch.tensor(a[:, 64], dtype=torch.long)

net = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.Tanh(), torch.nn.Linear(32, 10))
theta = [p.detach().clone() for p in net.parameters()]


def direction():
    d = [torch.randn_like(p) for p in theta]
    for di, p in zip(d, theta):
        if p.dim() == 1:
            di.zero_()  # biases left out
        else:
            for row, prow in zip(di, p):  # one filter per unit
                row.mul_(prow.norm() / row.norm())
    return d


d1, d2 = direction(), direction()
loss_fn = torch.nn.CrossEntropyLoss()
n = 51
coords = np.linspace(-1, 1, n)
start = time.perf_counter()
with torch.no_grad():
    for yy in coords:
        for xx in coords:
            for p, t, a1, a2 in zip(net.parameters(), theta, d1, d2):
                p.copy_(t + xx * a1 + yy * a2)
            out = net(x)
            loss = loss_fn(out, y).item()
            err = (out.argmax(1) != y).double().mean().item()
elapsed = time.perf_counter() - start
print(f"torch {torch.__version__}, threads {torch.get_num_threads()}: 51x51 slice in {elapsed:.2f} s")
