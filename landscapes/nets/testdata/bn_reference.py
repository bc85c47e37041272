"""PyTorch's numbers for batch-normalized MLPs (landscapes/nets/bn_test.go).

Run with Debian's python3-torch: /usr/bin/python3 bn_reference.py > bn_reference.json

Each case is an MLP whose hidden layers are Linear -> BatchNorm1d -> activation
(with an identity skip around hidden layers after the first whose widths agree,
for a residual case), its parameters laid out as saddle lays them out: every
layer's W (row-major) and b, then every hidden layer's gamma and beta. The
numbers: the training-mode loss (mean cross-entropy plus l2/2 * sum of W^2),
its gradient and a Hessian-vector product on a batch; the running statistics
after one training-mode forward pass; three SGD steps on three minibatches
(running statistics updated by each step's forward pass) and then the
evaluation-mode probabilities and loss on held-out inputs.
"""
import json

import torch

torch.set_default_dtype(torch.float64)


class Net(torch.nn.Module):
    def __init__(self, sizes, act, residual):
        super().__init__()
        self.sizes, self.act, self.residual = sizes, act, residual
        self.lin = torch.nn.ModuleList(torch.nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.bn = torch.nn.ModuleList(torch.nn.BatchNorm1d(s) for s in sizes[1:-1])  # eps 1e-5, momentum 0.1

    def forward(self, x):
        z = x
        for l, lin in enumerate(self.lin):
            a = lin(z)
            if l == len(self.lin) - 1:
                return a
            y = self.act(self.bn[l](a))
            if self.residual and l >= 1 and self.sizes[l + 1] == self.sizes[l]:
                y = y + z
            z = y

    def params(self):
        return [p for lin in self.lin for p in (lin.weight, lin.bias)] + [p for bn in self.bn for p in (bn.weight, bn.bias)]

    def set_flat(self, theta):
        k = 0
        with torch.no_grad():
            for p in self.params():
                n = p.numel()
                p.copy_(theta[k:k + n].view_as(p))
                k += n

    def l2(self, l2):
        return l2 / 2 * sum((lin.weight ** 2).sum() for lin in self.lin)


def case(name, sizes, act, residual, l2, seed):
    g = torch.Generator().manual_seed(seed)
    net = Net(sizes, act, residual)
    n = sum(p.numel() for p in net.params())
    theta = 0.7 * torch.randn(n, generator=g)
    v = torch.randn(n, generator=g)
    N, K = 24, sizes[-1]
    X = torch.randn(N, sizes[0], generator=g)
    Y = torch.randint(0, K, (N,), generator=g)
    batch = list(range(10))
    net.set_flat(theta)
    net.train()

    # The loss as a function of the flat vector, by a functional call.
    try:
        from torch.func import functional_call
    except ImportError:  # torch < 2.0
        from torch.nn.utils.stateless import functional_call
    names = []
    for l in range(len(net.lin)):
        names += [f"lin.{l}.weight", f"lin.{l}.bias"]
    for l in range(len(net.bn)):
        names += [f"bn.{l}.weight", f"bn.{l}.bias"]
    shapes = dict(net.named_parameters())

    def unflat(flat):
        out, k = {}, 0
        for nm in names:
            p = shapes[nm]
            out[nm] = flat[k:k + p.numel()].view_as(p)
            k += p.numel()
        return out

    buffers = {nm: b.clone() for nm, b in net.named_buffers()}

    def loss(flat, idx):
        ps = unflat(flat)
        bufs = {nm: b.clone() for nm, b in buffers.items()}
        out = functional_call(net, {**ps, **bufs}, (X[idx],))
        ce = torch.nn.functional.cross_entropy(out, Y[idx])
        reg = l2 / 2 * sum((ps[f"lin.{l}.weight"] ** 2).sum() for l in range(len(net.lin)))
        return ce + reg

    t = theta.clone().requires_grad_(True)
    f = loss(t, batch)
    (grad,) = torch.autograd.grad(f, t, create_graph=True)
    (hv,) = torch.autograd.grad(grad, t, v)

    # Running statistics after one training-mode forward pass on the batch.
    net.set_flat(theta)
    for bn in net.bn:
        bn.reset_running_stats()
    net.train()
    net(X[batch])
    running1 = [{"mean": bn.running_mean.tolist(), "var": bn.running_var.tolist()} for bn in net.bn]

    # Three SGD steps on three minibatches, then evaluation.
    for bn in net.bn:
        bn.reset_running_stats()
    net.set_flat(theta)
    opt = torch.optim.SGD(net.params(), lr=0.1)
    steps = [[0, 2, 4, 6, 8], [1, 3, 5, 7, 9, 11], [12, 13, 14, 15]]
    net.train()
    for idx in steps:
        opt.zero_grad()
        out = net(X[idx])
        (torch.nn.functional.cross_entropy(out, Y[idx]) + net.l2(l2)).backward()
        opt.step()
    after = torch.cat([p.detach().flatten() for p in net.params()])
    net.eval()
    held = list(range(16, 24))
    with torch.no_grad():
        out = net(X[held])
        probs = torch.softmax(out, 1)
        eval_loss = torch.nn.functional.cross_entropy(out, Y[held]).item() + net.l2(l2).item()
    return {
        "name": name, "sizes": sizes, "act": {torch.tanh: "tanh", torch.relu: "relu", torch.sigmoid: "sigmoid"}[act],
        "residual": residual, "l2": l2,
        "x": X.flatten().tolist(), "y": Y.tolist(), "theta": theta.tolist(), "v": v.tolist(), "batch": batch,
        "loss": f.item(), "grad": grad.detach().tolist(), "hvp": hv.tolist(),
        "running": running1, "steps": steps, "after": after.tolist(),
        "running_after": [{"mean": bn.running_mean.tolist(), "var": bn.running_var.tolist()} for bn in net.bn],
        "held": held, "probs": probs.flatten().tolist(), "eval_loss": eval_loss,
    }


cases = [
    case("tanh 2-5-4-3 l2", [2, 5, 4, 3], torch.tanh, False, 0.01, 1),
    case("residual relu 2-4-4-4-3", [2, 4, 4, 4, 3], torch.relu, True, 0.0, 2),
    case("sigmoid 3-6-2", [3, 6, 2], torch.sigmoid, False, 0.0, 3),
]
print(json.dumps({"torch": torch.__version__, "cases": cases}, indent=None))
