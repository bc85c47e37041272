#!/usr/bin/env bash
# Runs saddle's network benchmarks and PyTorch's on the same machine, one
# after the other, single-threaded (docs/performance.md records the results).
# Needs Debian's python3-torch: apt-get install -y python3-torch
set -eu
cd "$(dirname "$0")/../.."
date -u
go test -run '^$' -bench 'TrainStep|LanczosDigits' -benchtime 3s ./landscapes/nets | grep Benchmark
/usr/bin/python3 docs/bench/torch_mlp.py
