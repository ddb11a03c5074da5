#!/usr/bin/env python3
"""Benchmark: one training update (forward, backward through time, Adam) of an LSTM(128)
in lstmviz against torch.nn.LSTM + autograd + torch.optim.Adam with the same weights.

Default case (issue 11): batch 32, 100 timesteps, 32 inputs, 128 units, the loss the mean
squared error of every step's output (return_sequences) against a random target, one
thread each (NumPy's BLAS and torch). lstmviz's update records every intermediate of the
forward pass and dL/dh, dL/dc and each gate's gradient per step. Prints the medians, the
ratio (goal: at most 1.5x torch) and whether both gave the same gradients.

    PYTHONPATH=. $FIXENV/bin/python scripts/bench_train.py [--repeat 15] [--threads 1]

torch is needed (the fixture venv has it). A benchmark, not a test: exits 0 unless the
gradients disagree.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_engine import timed, torch_net  # noqa: E402

from lstmviz.engine import LayerSpec, Model  # noqa: E402
from lstmviz.engine.blas import kernels as blas_kernels  # noqa: E402
from lstmviz.engine.blas import set_threads as set_numpy_threads  # noqa: E402
from lstmviz.engine.blas import threads as numpy_threads  # noqa: E402
from lstmviz.engine.gradients import gradients  # noqa: E402
from lstmviz.engine.optimizers import Adam  # noqa: E402
from lstmviz.engine.train import flat_grads, trainable_arrays  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--input", type=int, default=32)
    ap.add_argument("--units", type=int, default=128)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    set_numpy_threads(args.threads)
    import torch

    torch.set_num_threads(args.threads)
    print(f"case: one update of LSTM({args.units}), batch {args.batch} x {args.steps} steps x "
          f"{args.input} inputs, mse over every step, Adam; float32")
    print(f"numpy {np.__version__} (BLAS threads {numpy_threads()}), torch {torch.__version__} "
          f"(threads {torch.get_num_threads()})")
    print(f"OpenBLAS kernels: {blas_kernels()}")
    model = Model.sequential((None, None, args.input),
                             [LayerSpec("LSTM", {"units": args.units, "return_sequences": True},
                                        name="rnn")], seed=0)
    rng = np.random.default_rng(1)
    layer = model.get_layer("rnn")
    layer.weights[2][...] = rng.normal(size=layer.weights[2].shape) * 0.1
    x = rng.normal(size=(args.batch, args.steps, args.input)).astype(np.float32)
    y = rng.normal(size=(args.batch, args.steps, args.units)).astype(np.float32)

    # correctness first: the same gradients as torch's autograd
    net = torch_net(model, torch)
    net.train()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    g = gradients(model, x, y, "mse")
    out, _ = net(xt)
    loss = torch.nn.functional.mse_loss(out, yt)
    loss.backward()
    gk, gr, gb = g.layers["rnn"].weights
    pairs = [(gk, net.weight_ih_l0.grad.numpy().T), (gr, net.weight_hh_l0.grad.numpy().T),
             (gb, net.bias_ih_l0.grad.numpy())]
    worst = max(float(np.max(np.abs(a - b)) / max(1e-12, float(np.max(np.abs(b))))) for a, b in pairs)
    ok = worst < 1e-4 and abs(g.loss - float(loss)) < 1e-5 * max(1.0, abs(float(loss)))
    print(f"gradients agree with torch autograd: {'yes' if ok else 'NO'} "
          f"(max relative difference {worst:.1e}, loss {g.loss:.6f} vs {float(loss):.6f})")

    opt = Adam(0.001)
    arrays = trainable_arrays(model)

    def lstmviz_update():
        gg = gradients(model, x, y, "mse")
        opt.apply(arrays, flat_grads(model, gg))

    topt = torch.optim.Adam(net.parameters(), lr=0.001, eps=1e-7)

    def torch_update():
        topt.zero_grad(set_to_none=True)
        o, _ = net(xt)
        torch.nn.functional.mse_loss(o, yt).backward()
        topt.step()

    t_np = timed(lstmviz_update, args.repeat, warmup=2)
    t_t = timed(torch_update, args.repeat, warmup=2)
    ratios = []
    for _ in range(args.repeat):
        a = timed(lstmviz_update, 1, 0)[0]
        b = timed(torch_update, 1, 0)[0]
        ratios.append(a / b)
    ratio = statistics.median(ratios)
    m_np, m_t = statistics.median(t_np), statistics.median(t_t)
    print(f"lstmviz update (forward + backward + Adam): median {m_np * 1e3:7.1f} ms "
          f"(min {min(t_np) * 1e3:.1f})")
    print(f"torch   update (nn.LSTM + autograd + Adam): median {m_t * 1e3:7.1f} ms "
          f"(min {min(t_t) * 1e3:.1f})")
    print(f"ratio lstmviz / torch: {ratio:.2f}x (median of back-to-back pairs; {m_np / m_t:.2f}x on "
          f"medians); target <= 1.5x: {'met' if ratio <= 1.5 else 'NOT met'}")

    # where lstmviz's time goes
    from lstmviz.engine.gradients import backward, forward
    from lstmviz.engine.losses import loss_and_grad

    t_f = statistics.median(timed(lambda: forward(model, x), args.repeat, warmup=2))
    fw = forward(model, x)
    val, d = loss_and_grad("mse", y, fw.values["rnn"][0])
    t_b = statistics.median(timed(lambda: backward(model, fw, d, val), args.repeat, warmup=2))
    grads = flat_grads(model, backward(model, fw, d, val))
    t_o = statistics.median(timed(lambda: opt.apply(arrays, grads), args.repeat, warmup=2))
    print(f"  lstmviz parts: forward (trace) {t_f * 1e3:.1f} ms, backward {t_b * 1e3:.1f} ms, "
          f"Adam {t_o * 1e3:.1f} ms")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
