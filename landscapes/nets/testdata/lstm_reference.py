"""PyTorch's numbers for the LSTM on the bit task (landscapes/nets/lstm_test.go).

Run with Debian's python3-torch: /usr/bin/python3 lstm_reference.py > lstm_reference.json

torch.nn.LSTMCell (gates i, f, g, o) with weight_hh = W, weight_ih = U,
bias_ih = b and bias_hh = 0, then a Linear(H, 2) read-out of the last state,
mean cross-entropy: the loss, its gradient and a Hessian-vector product, laid
out as saddle lays out theta: W, U, b, V, c.
"""
import json

import torch

torch.set_default_dtype(torch.float64)


def case(H, T, N, seed):
    g = torch.Generator().manual_seed(seed)
    n = 4 * H * H + 8 * H + 4 * H + 2 * H + 2
    theta = 0.5 * torch.randn(n, generator=g)
    v = torch.randn(n, generator=g)
    X = torch.randn(N, T, 2, generator=g)
    Y = torch.randint(0, 2, (N,), generator=g)

    def loss(flat):
        k = 0

        def take(*shape):
            nonlocal k
            size = 1
            for s in shape:
                size *= s
            out = flat[k:k + size].view(*shape)
            k += size
            return out

        W, U, b, V, c = take(4 * H, H), take(4 * H, 2), take(4 * H), take(2, H), take(2)
        h = torch.zeros(N, H)
        cell = torch.zeros(N, H)
        for t in range(T):
            h, cell = torch._VF.lstm_cell(X[:, t], (h, cell), U, W, b, torch.zeros(4 * H))
        return torch.nn.functional.cross_entropy(h @ V.T + c, Y)

    t = theta.clone().requires_grad_(True)
    f = loss(t)
    (grad,) = torch.autograd.grad(f, t, create_graph=True)
    (hv,) = torch.autograd.grad(grad, t, v)
    return {"H": H, "T": T, "x": X.flatten().tolist(), "y": Y.tolist(), "theta": theta.tolist(), "v": v.tolist(),
            "loss": f.item(), "grad": grad.detach().tolist(), "hvp": hv.tolist()}


print(json.dumps({"torch": torch.__version__, "cases": [case(3, 5, 6, 1), case(5, 12, 9, 2)]}))
