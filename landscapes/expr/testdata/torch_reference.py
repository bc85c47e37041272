"""PyTorch autograd's value, gradient and Hessian of formulas (landscapes/expr/expr_test.go).

Run with Debian's python3-torch: /usr/bin/python3 torch_reference.py > torch_reference.json

The formulas are written in saddle's language; Python reads the same text with
^ turned into ** (the same precedence: right-associative, tighter than unary
minus) and the functions bound to torch's. A fixed list covers every function
and operator; 300 more are random trees from a seeded generator.
"""
import json
import math
import random
import re

import torch

torch.set_default_dtype(torch.float64)

UNARY = ["sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh", "sinh", "cosh", "atan"]
BINARY = ["atan2", "min", "max", "pow"]
def tensors(fn):
    return lambda *a: fn(*[t if torch.is_tensor(t) else torch.tensor(float(t)) for t in a])


NS = {name: tensors(fn) for name, fn in {
    "sin": torch.sin, "cos": torch.cos, "tan": torch.tan, "exp": torch.exp, "log": torch.log, "sqrt": torch.sqrt,
    "abs": torch.abs, "tanh": torch.tanh, "sinh": torch.sinh, "cosh": torch.cosh, "atan": torch.atan,
    "atan2": torch.atan2, "min": torch.minimum, "max": torch.maximum, "pow": torch.pow}.items()}
NS.update({"pi": torch.tensor(math.pi), "e": torch.tensor(math.e), "T": lambda v: torch.tensor(float(v))})


def python(src):
    """The formula as Python: ^ as **, every number a float64 tensor (so that
    a constant's power follows torch, not Python's complex numbers)."""
    return re.sub(r"(?<![\w.])(\d+\.?\d*(?:[eE][+-]?\d+)?)", r"T(\1)", src).replace("^", "**")

FIXED = [
    "x^2 + y^2", "-2^2 + x", "2^3^2 * x", "(x - 1)^2 + 100*(y - x^2)^2", "atan2(y, x) + x^2", "sin(x)*cos(y)",
    "tan(x/3) + exp(y/2)", "log(1 + x^2 + y^2)", "sqrt(1 + x^2 + y^4)", "abs(x - 0.3) + y^2", "tanh(x*y)",
    "sinh(x/2) - cosh(y/2)", "atan(x*y)", "min(x, y^2) + max(x^2, y)", "pow(x^2 + 1, y/2)", "x^y + 1",
    "pi*x + e*y", "x/(1 + y^2)", "1e-3*x^4 - 0.5*y", "-x^-2 + y", "2^-x", "x^0.5 + y", "(x^2)^(1/3)",
    "x^3", "-(x + y)^2", "exp(-(x^2 + 2*y^2)/2)", "x*y*sin(x + y)", "cos(pi*x)*10 - x^2",
]


def rand_tree(rng, depth):
    if depth == 0 or rng.random() < 0.25:
        return rng.choice(["x", "y", f"{rng.uniform(-2, 2):.3f}", "pi"])
    r = rng.random()
    if r < 0.35:
        op = rng.choice(["+", "-", "*", "/"])
        return f"({rand_tree(rng, depth - 1)} {op} {rand_tree(rng, depth - 1)})"
    if r < 0.5:
        return f"({rand_tree(rng, depth - 1)})^{rng.choice(['2', '3', '0.5', '-1', '1.5'])}"
    if r < 0.8:
        f = rng.choice(UNARY)
        arg = rand_tree(rng, depth - 1)
        if f in ("log", "sqrt"):
            arg = f"(1 + ({arg})^2)"
        return f"{f}({arg})"
    f = rng.choice(BINARY)
    a, b = rand_tree(rng, depth - 1), rand_tree(rng, depth - 1)
    if f == "pow":
        a = f"(1 + ({a})^2)"
    return f"{f}({a}, {b})"


def evaluate(src, x, y):
    def f(p):
        v = eval(python(src), {"__builtins__": {}}, {**NS, "x": p[0], "y": p[1]})
        return (v if torch.is_tensor(v) else torch.tensor(float(v))) + 0 * p.sum()

    X = torch.tensor([x, y], requires_grad=True)
    v = f(X)
    (g,) = torch.autograd.grad(v, X)
    H = torch.autograd.functional.hessian(f, torch.tensor([x, y]))
    num = lambda t: t if math.isfinite(t) else None
    return {"value": num(v.item()), "grad": [num(t) for t in g.tolist()], "hessian": [num(H[0, 0].item()), num(H[0, 1].item()), num(H[1, 1].item())]}


rng = random.Random(7)
cases = []
for src in FIXED + [rand_tree(rng, 4) for _ in range(300)]:
    for _ in range(3):
        x, y = rng.uniform(-2, 2), rng.uniform(-2, 2)
        if src == "x^y + 1" or src == "x^0.5 + y" or src == "(x^2)^(1/3)":
            x = abs(x) + 0.1
        cases.append({"f": src, "x": x, "y": y, **evaluate(src, x, y)})
print(json.dumps({"torch": torch.__version__, "cases": cases}))
