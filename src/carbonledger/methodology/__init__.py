"""Methodology (方法学): what each green behaviour is worth. A scenario (骑行, 步行, 光盘行动, …)
has a unit, a dedupe class, a daily cap, plausibility bounds and versions; a version carries the
factor in force from its effective date with its status (sourced, derived, provisional 暂定) and
provenance. The catalogue is data (`catalogue.toml`), published at `GET /api/v1/scenarios`."""
