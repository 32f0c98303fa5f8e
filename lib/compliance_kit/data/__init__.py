"""Operational data: the contract (`contract`), the validated loader (`loader`) and the
synthetic sample generator (`synth`). See docs/data-contract.md."""
