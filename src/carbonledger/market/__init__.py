"""The carbon market (碳普惠减排量交易): credited reductions pooled into lots, publicly noticed,
signed by third-party verifiers, issued as serial-numbered units, sold and retired, each unit
once. See README.md in this package for the concepts."""
