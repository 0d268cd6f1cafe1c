"""kabar's benchmark suite: ``python -m bench`` runs every ``bench/bench_*.py`` and writes
docs/benchmarks.md. Each module has ``run() -> str`` returning a markdown section whose
figures are ratios against a baseline measured in the same run."""
