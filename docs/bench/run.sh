#!/usr/bin/env bash
# Runs saddle's network benchmarks and PyTorch's on the same machine, one
# after the other (docs/performance.md records the results): the training
# step and Lanczos on one thread each, the 51×51 slice on both cores, and
# the kernels' GFLOP/s against the machine's FMA peak.
# Needs Debian's python3-torch: apt-get install -y python3-torch
set -eu
cd "$(dirname "$0")/../.."
date -u
grep -m1 "model name" /proc/cpuinfo
go version
GOMAXPROCS=1 go test -run '^$' -bench 'TrainStep|LanczosDigits|PeakFMA|Gemm' -benchtime 3s ./landscapes/nets | grep Benchmark
/usr/bin/python3 docs/bench/torch_mlp.py
go test -run '^$' -bench 'SliceDigits' -benchtime 3x ./landscapes/nets | grep Benchmark
/usr/bin/python3 docs/bench/torch_slice.py
